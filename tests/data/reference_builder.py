"""A deliberately plain reference for ``build_samples``: Python loops over users and positions.

It restates design.md §3 as directly as possible, so the vectorised builder can be checked against it
row for row. Slow; for small tables only.
"""

from collections import defaultdict

import numpy as np


def reference_samples(table, seq_len=50, hist_features=("movie_id", "genres"), valid=False):
    """dict with ``train``/``test``/``valid`` (column dicts, valid None unless asked), ``seen``, ``seen_valid``."""
    by_user = defaultdict(list)
    for row in range(table.n_interactions):
        by_user[int(table.users[row])].append((int(table.timestamps[row]), row, int(table.items[row])))

    splits = {"train": [], "valid": [], "test": []}
    seen, seen_valid = set(), set()
    for user in sorted(by_user):
        # sorting (timestamp, table row) pairs = a stable sort by timestamp
        sequence = [item for _, _, item in sorted(by_user[user])]
        n = len(sequence)
        for i in range(1, n):
            history = list(reversed(sequence[:i]))[:seq_len]
            row = {"user": user, "target": sequence[i], "history": history}
            if i == n - 1:
                splits["test"].append(row)
            elif valid and i == n - 2:
                splits["valid"].append(row)
            else:
                splits["train"].append(row)
        for item in sequence[:-1]:
            seen.add((user, item))
        for item in sequence[:-2]:
            seen_valid.add((user, item))

    out = {name: _columns(table, rows, seq_len, hist_features) for name, rows in splits.items()}
    if not valid:
        out["valid"] = None
    out["seen"] = np.array(sorted(seen), dtype=np.int32).reshape(-1, 2)
    out["seen_valid"] = np.array(sorted(seen_valid), dtype=np.int32).reshape(-1, 2) if valid else None
    return out


def _columns(table, rows, seq_len, hist_features):
    columns = {}
    for name, feature in table.user_features.items():
        columns[name] = np.array([feature[r["user"]] for r in rows], dtype=feature.dtype)
    for name, feature in table.item_features.items():
        values = [feature[r["target"]] for r in rows]
        columns[name] = np.array(values, dtype=feature.dtype).reshape((len(rows),) + feature.shape[1:])
    for name in hist_features:
        feature = table.item_features[name]
        padding = np.zeros(feature.shape[1:], dtype=feature.dtype)
        values = []
        for r in rows:
            padded = [feature[item] for item in r["history"]]
            padded += [padding] * (seq_len - len(r["history"]))
            values.append(padded)
        columns[f"hist_{name}"] = np.array(values, dtype=feature.dtype).reshape(
            (len(rows), seq_len) + feature.shape[1:])
    columns["hist_len"] = np.array([len(r["history"]) for r in rows], dtype=np.int32)
    columns["label"] = np.ones(len(rows), dtype=np.float32)
    return columns
