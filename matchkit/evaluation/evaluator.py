"""Leave-last-out retrieval evaluation: embed users and the item corpus, exact top-K, metrics."""

from __future__ import annotations

import numpy as np

from matchkit.errors import ConfigError
from matchkit.evaluation.metrics import compute_metrics
from matchkit.evaluation.topk import exact_topk


def seen_exclusions(users: np.ndarray, targets: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """``[n, 2]`` (row, column) pairs to mask: each row's seen items except its own target.

    ``users``/``targets``: ``[U]`` encoded user and target item of each evaluation row (one row per user);
    ``seen``: ``[n_pairs, 2]`` (user, item) pairs; the column of item ``i`` is ``i - 1``.
    """
    row_of_user = np.full(int(max(users.max(initial=0), seen[:, 0].max(initial=0))) + 1, -1, np.int64)
    row_of_user[users] = np.arange(len(users))
    rows = row_of_user[seen[:, 0]]
    keep = rows >= 0
    rows, items = rows[keep], seen[keep, 1]
    keep = items != targets[rows]
    return np.stack([rows[keep], items[keep].astype(np.int64) - 1], axis=1)


def evaluate(model, split, seen: np.ndarray, user_col: str, item_col: str, n_items: int,
             ks=(10, 50, 100)) -> tuple[dict, dict]:
    """HR/Recall/NDCG/MRR@K on ``split`` (one held-out target per user), unfiltered and ``_filtered``.

    Returns ``(metrics, arrays)``: flat metric dict, and the arrays the exporter reuses
    (``item_ids`` ``[I]``, ``item_emb`` ``[I, D]``, ``user_ids`` ``[U]``, ``user_emb`` ``[U, D]``).
    """
    ks = sorted(int(k) for k in ks)
    if not ks or ks[0] <= 0:
        raise ConfigError(f"eval.ks should be positive integers, received {ks}")
    if ks[-1] > n_items:
        raise ConfigError(f"eval.ks has K={ks[-1]}, larger than the number of items ({n_items}); lower eval.ks")
    item_ids = np.arange(1, n_items + 1, dtype=np.int32)
    item_emb = model.embed_items(item_ids)
    user_emb = model.embed_users(split.columns)
    users, targets = split[user_col], split[item_col]
    _, top = exact_topk(user_emb, item_emb, ks[-1], item_ids=item_ids)
    metrics = compute_metrics(top, targets, ks)
    exclude = seen_exclusions(users, targets, seen)
    _, top_f = exact_topk(user_emb, item_emb, ks[-1], exclude=exclude, item_ids=item_ids)
    metrics.update(compute_metrics(top_f, targets, ks, suffix="_filtered"))
    return metrics, {"item_ids": item_ids, "item_emb": item_emb, "user_ids": users, "user_emb": user_emb}
