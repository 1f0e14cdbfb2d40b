"""The sample builder: leave-last-out splits with recency-ordered histories (design.md §3), vectorised.

For each user, interactions are stably sorted by timestamp (ties keep table order). Position ``i >= 1``
yields a row whose target is item ``i`` and whose history is items ``i-1, i-2, ...`` (most recent first),
cut to ``seq_len`` and 0-padded. The last position is the user's test row; with ``valid=True`` the one
before it is the validation row; the earlier positions are training rows.

With ``short_len > 0`` (SDM's layout) each row's history is also split into its ``short_len`` most recent
items (``short_<f>``) and the older ones (``long_<f>``), see :func:`split_histories`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from matchkit.data.samples import SampleSet, SampleSplit
from matchkit.data.table import InteractionTable
from matchkit.errors import ConfigError


def build_samples(table: InteractionTable, seq_len: int = 50,
                  hist_features: Sequence[str] = ("movie_id", "genres"), valid: bool = False,
                  negsample: int = 0, seed: int = 0, short_len: int = 0) -> SampleSet:
    """Build train / test (/ valid) samples from ``table``.

    Args:
        seq_len: history length kept (most recent items).
        hist_features: item features ``f`` to give as histories, as columns ``hist_<f>``.
        valid: also hold out each user's second-to-last interaction as a validation row.
        negsample: negative rows added after each training positive (label 0, same user and history
            columns, target drawn uniformly from the items the user never interacted with).
        seed: seed of the negative sampling.
        short_len: with ``short_len > 0`` (``< seq_len``), also split each history into a short-term and
            a long-term part (SDM), see :func:`split_histories`.

    Returns:
        A :class:`SampleSet`. Each split has, for ``n`` rows: every user feature ``[n]`` (of the row's
        user), every item feature ``[n]`` or ``[n, m]`` (of the row's target, whose id is under
        ``table.item_col``), ``hist_<f>`` int32 ``[n, seq_len]`` (``[n, seq_len, m]`` for a multi-valued
        ``f``), ``hist_len`` int32 ``[n]`` = ``min(i, seq_len)``, and ``label`` float32 ``[n]``. With
        ``short_len``, also ``short_<f>`` ``[n, short_len(, m)]``, ``long_<f>`` ``[n, seq_len - short_len(, m)]``,
        ``short_hist_len`` and ``long_hist_len`` int32 ``[n]`` (see :func:`split_histories`).
        Training rows are grouped by user (ascending code), then by position, each positive followed by
        its negatives. Users with ``k`` interactions give ``k - 1`` rows in all (none when ``k == 1``).
        ``seen`` holds the distinct (user, item) pairs of all but each user's last interaction, sorted;
        ``seen_valid`` the same without the last two (when ``valid``).
    """
    _check_args(table, seq_len, hist_features, negsample, short_len)
    order = np.lexsort((table.timestamps, table.users))
    users = table.users[order].astype(np.int64)
    items = table.items[order]
    counts = np.bincount(users, minlength=table.n_users + 1)
    starts = np.cumsum(counts) - counts
    pos = np.arange(len(users)) - starts[users]
    last = counts[users] - 1
    n_held = 2 if valid else 1

    windows = _history_windows(table, users, items, seq_len, tuple(hist_features))
    make = dict(table=table, users=users, items=items, pos=pos, windows=windows, seq_len=seq_len,
                short_len=short_len, hist_features=tuple(hist_features))
    train_at = np.flatnonzero((pos >= 1) & (pos <= last - n_held))
    train = _split(**make, at=train_at, negatives=_negatives(table, users, items, train_at, negsample, seed))
    test = _split(**make, at=np.flatnonzero((pos >= 1) & (pos == last)))
    val = _split(**make, at=np.flatnonzero((pos >= 1) & (pos == last - 1))) if valid else None
    n_items1 = table.n_items + 1
    pair_keys = users * n_items1 + items
    seen = _pairs(pair_keys[pos < last], n_items1)
    seen_valid = _pairs(pair_keys[pos < last - 1], n_items1) if valid else None
    return SampleSet(train=train, test=test, valid=val, seen=seen, seen_valid=seen_valid)


def _check_args(table: InteractionTable, seq_len, hist_features, negsample, short_len) -> None:
    if not isinstance(seq_len, (int, np.integer)) or isinstance(seq_len, bool) or seq_len <= 0:
        raise ConfigError(f"samples.seq_len must be a positive integer, received seq_len={seq_len!r}")
    check_short_len(short_len, seq_len)
    if not isinstance(negsample, (int, np.integer)) or isinstance(negsample, bool) or negsample < 0:
        raise ConfigError(f"samples.negsample must be an integer >= 0, received negsample={negsample!r}")
    if isinstance(hist_features, str):
        raise ConfigError(f"samples.hist_features must be a list of item features, received {hist_features!r}")
    unknown = [f for f in hist_features if f not in table.item_features]
    if unknown:
        raise ConfigError(f"samples.hist_features names {unknown[0]!r}, which is not an item feature; "
                          f"available: {', '.join(table.item_features)}")
    clash = set(table.user_features) & set(table.item_features)
    if clash:
        raise ConfigError(f"feature {sorted(clash)[0]!r} is both a user and an item feature; rename one")


def check_short_len(short_len, seq_len: int) -> None:
    """``short_len`` must be an integer in ``[0, seq_len)``; else :class:`ConfigError` naming ``samples.short_len``."""
    if (not isinstance(short_len, (int, np.integer)) or isinstance(short_len, bool)
            or not 0 <= short_len < seq_len):
        raise ConfigError(f"samples.short_len must be an integer >= 0 and < samples.seq_len ({seq_len}), "
                          f"received short_len={short_len!r}; the long-term history holds seq_len - short_len items")


def split_histories(columns: dict[str, np.ndarray], short_len: int, hist_features: Sequence[str],
                    seq_len: int) -> dict[str, np.ndarray]:
    """SDM's short / long-term columns of rows whose ``hist_<f>`` ``[n, seq_len(, m)]`` and ``hist_len``
    ``[n]`` are in ``columns`` (most recent first); ``{}`` when ``short_len == 0``.

    Returns, per history feature ``f``: ``short_<f>`` ``[n, short_len(, m)]`` = ``hist_<f>[:, :short_len]``
    (the ``short_len`` most recent items), ``long_<f>`` ``[n, seq_len - short_len(, m)]`` =
    ``hist_<f>[:, short_len:]`` (the items before those); and int32 ``[n]`` ``short_hist_len`` =
    ``min(hist_len, short_len)``, ``long_hist_len`` = ``max(hist_len - short_len, 0)``. For example with
    ``short_len=2``, history ``[7, 5, 3, 0]`` (``hist_len`` 3) gives short ``[7, 5]`` (2), long ``[3, 0]`` (1).
    """
    check_short_len(short_len, seq_len)
    if short_len == 0:
        return {}
    out = {}
    for f in hist_features:
        hist = columns[f"hist_{f}"]
        out[f"short_{f}"] = np.ascontiguousarray(hist[:, :short_len])
        out[f"long_{f}"] = np.ascontiguousarray(hist[:, short_len:])
    hist_len = columns["hist_len"]
    out["short_hist_len"] = np.minimum(hist_len, short_len).astype(np.int32)
    out["long_hist_len"] = np.maximum(hist_len - short_len, 0).astype(np.int32)
    return out


def _history_windows(table: InteractionTable, users: np.ndarray, items: np.ndarray, seq_len: int,
                     hist_features: tuple[str, ...]) -> dict[str, np.ndarray]:
    """``hist_<f>`` -> view ``[size - seq_len + 1, seq_len(, m)]`` whose row ``size - spread[t]`` is
    the history of sorted row ``t``, where ``spread = t + seq_len * users[t]`` (see ``_split``).

    The sequence (of item ids, or of feature ``f`` of each item) is laid out reversed in one array with
    ``seq_len`` zeros after each user's block, so a row's history is a forward window that runs into
    zeros instead of into another user's items; copying whole rows is far cheaper than gathering
    ``n * seq_len`` single values.
    """
    spread = np.arange(len(items)) + seq_len * users  # >= seq_len zeros before each user's block
    size = _laid_size(users, seq_len)
    laid = np.zeros(size, dtype=items.dtype)
    laid[size - 1 - spread] = items
    windows = {}
    for f in hist_features:
        seq = laid if f == table.item_col else table.item_features[f][laid]  # row 0 of a feature is padding
        windows[f"hist_{f}"] = np.moveaxis(sliding_window_view(seq, seq_len, axis=0), -1, 1)
    return windows


def _laid_size(users: np.ndarray, seq_len: int) -> int:
    return len(users) + seq_len * (int(users[-1]) + 1 if len(users) else 1)


def _split(*, table: InteractionTable, users, items, pos, windows, seq_len, short_len, hist_features, at,
           negatives: np.ndarray | None = None) -> SampleSplit:
    """Columns for the rows whose targets are the sorted rows ``at``.

    ``negatives`` ``[len(at), k]``: extra targets; each positive row is then followed by k copies of
    itself with these targets and label 0.
    """
    targets = items[at]
    label = np.ones(len(at), dtype=np.float32)
    if negatives is not None:
        k1 = negatives.shape[1] + 1
        targets = np.concatenate([targets[:, None], negatives.astype(targets.dtype)], axis=1).reshape(-1)
        label = np.tile(np.eye(1, k1, dtype=np.float32)[0], len(at))
        at = np.repeat(at, k1)
    row_users = users[at]
    columns = {name: feat[row_users] for name, feat in table.user_features.items()}
    columns.update({name: feat[targets] for name, feat in table.item_features.items()})
    start = _laid_size(users, seq_len) - (at + seq_len * row_users)
    columns.update({name: np.ascontiguousarray(window[start]) for name, window in windows.items()})
    columns["hist_len"] = np.minimum(pos[at], seq_len).astype(np.int32)
    columns.update(split_histories(columns, short_len, hist_features, seq_len))
    columns["label"] = label
    return SampleSplit(columns)


def _negatives(table: InteractionTable, users, items, at, k: int, seed: int) -> np.ndarray | None:
    """int64 ``[len(at), k]``: items drawn uniformly from those each row's user never interacted with.

    Exact, without rejection rounds: draw a rank ``r`` among the user's ``n_items - d`` free items, and
    map it to the item ``r + 1 + #{j : s_j - 1 - j <= r}`` for the user's sorted distinct items ``s_j``.
    """
    if k == 0:
        return None
    n1 = table.n_items + 1
    keys = _unique(users * n1 + items)
    key_user = keys // n1
    degree = np.bincount(key_user, minlength=table.n_users + 1)
    row_users = users[at]
    full = row_users[degree[row_users] >= table.n_items]
    if full.size:
        raise ConfigError(f"samples.negsample={k} needs items a user never interacted with, but user code "
                          f"{full[0]} interacted with all {table.n_items} items; use negsample=0 or drop that user")
    first = np.cumsum(degree) - degree
    free_before = keys % n1 - 1 - (np.arange(len(keys)) - first[key_user])  # s_j - 1 - j, per user
    adjusted = key_user * n1 + free_before  # sorted: per user non-decreasing, users in blocks
    rng = np.random.default_rng(seed)
    u = np.repeat(row_users, k)
    rank = rng.integers(0, table.n_items - degree[u])
    below = np.searchsorted(adjusted, u * n1 + rank, side="right") - first[u]
    return (rank + 1 + below).reshape(len(at), k)


def _unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` hashes int64 and is ~40x slower here on 1M keys)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if keys.size else keys


def _pairs(keys: np.ndarray, n_items1: int) -> np.ndarray:
    uniq = _unique(keys)
    return np.stack([uniq // n_items1, uniq % n_items1], axis=1).astype(np.int32)
