"""Ranking metrics over top-K lists (numpy).

Ranks are 0-based positions in a user's top-K list, ``-1`` where the target is absent. Single-target
functions take ``ranks int [U]``; they also take ``ranks int [U, T]`` (several targets per user, padded
with ``-1``) together with ``n_targets``, which is how the multi-target ``*_at_k`` functions use them.
Every metric is a mean over users, returned as a Python ``float``.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from matchkit.errors import ConfigError


def check_k(k: Any, width: int | None = None) -> int:
    """``k`` as an ``int`` after checking ``0 < k`` (and ``k <= width`` when the list width is known)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ConfigError(f"k should be a positive integer, received k={k!r}")
    if width is not None and k > width:
        raise ConfigError(
            f"k={k} is larger than the top-K lists ({width} items per user); "
            f"retrieve at least {k} items or use a smaller k"
        )
    return int(k)


def _pair_ranks(topk: np.ndarray, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Rank of ``items[i]`` in ``topk[users[i]]``, ``-1`` if absent; vectorised through sorted keys."""
    n_users, width = topk.shape
    base = max(int(topk.max(initial=0)), int(items.max(initial=0))) + 1
    # Negative ids (e.g. -1 for "no item") get keys that match nothing.
    flat = np.where(topk >= 0, np.arange(n_users, dtype=np.int64)[:, None] * base + topk, -1).ravel()
    if flat.size == 0:
        return np.full(items.shape, -1, np.int64)
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    keys = np.where(items >= 0, users.astype(np.int64) * base + items, -2)
    pos = np.minimum(np.searchsorted(ordered, keys), flat.size - 1)
    return np.where(ordered[pos] == keys, order[pos] % width, -1)


def _as_topk(topk: Any) -> np.ndarray:
    topk = np.asarray(topk)
    if topk.ndim != 2 or not np.issubdtype(topk.dtype, np.integer):
        raise ValueError(f"topk should be an integer array [U, K], received {topk.dtype} {topk.shape}")
    return topk.astype(np.int64)


def target_ranks(topk: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """``int64 [U]``: 0-based rank of ``targets[u]`` in ``topk[u]`` (``int [U, K]``), ``-1`` if absent."""
    topk = _as_topk(topk)
    targets = np.asarray(targets).astype(np.int64).ravel()
    if targets.shape[0] != topk.shape[0]:
        raise ValueError(f"targets has {targets.shape[0]} entries for {topk.shape[0]} top-K rows")
    return _pair_ranks(topk, np.arange(topk.shape[0]), targets)


def multi_target_ranks(topk: np.ndarray, target_lists: Any) -> tuple[np.ndarray, np.ndarray]:
    """Ranks of several targets per user: ``(ranks int64 [U, T], n_targets int64 [U])``.

    ``target_lists`` is a sequence of ``U`` id sequences, or CSR: an object with ``indptr [U + 1]`` and
    ``indices`` (e.g. ``scipy.sparse.csr_matrix`` with column = item id). Duplicate targets of a user
    count once; ``ranks`` is padded with ``-1``.
    """
    topk = _as_topk(topk)
    if hasattr(target_lists, "indptr"):
        indptr, items = target_lists.indptr, target_lists.indices
    else:
        lists = [np.asarray(t, np.int64).ravel() for t in target_lists]
        indptr = np.concatenate([[0], np.cumsum([len(t) for t in lists])])
        items = np.concatenate(lists) if lists else np.zeros(0, np.int64)
    indptr, items = np.asarray(indptr, np.int64), np.asarray(items, np.int64)
    if indptr.shape[0] != topk.shape[0] + 1:
        raise ValueError(f"target_lists has {indptr.shape[0] - 1} users for {topk.shape[0]} top-K rows")
    users = np.repeat(np.arange(topk.shape[0]), np.diff(indptr))
    users, items = np.unique(np.stack([users, items]), axis=1) if items.size else (users, items)
    n_targets = np.bincount(users, minlength=topk.shape[0])
    slot = np.arange(users.size) - np.concatenate([[0], np.cumsum(n_targets)])[users]
    ranks = np.full((topk.shape[0], max(int(n_targets.max(initial=0)), 1)), -1, np.int64)
    ranks[users, slot] = _pair_ranks(topk, users, items)
    return ranks, n_targets


def _hits(ranks: np.ndarray, k: int) -> np.ndarray:
    """``bool [U, T]``: target found within the first ``k``."""
    ranks = np.asarray(ranks)
    ranks = ranks[:, None] if ranks.ndim == 1 else ranks
    return (ranks >= 0) & (ranks < check_k(k))


def _user_mean(values: np.ndarray, n_targets: Any) -> float:
    """Mean over users that have at least one target (all users in the single-target case)."""
    if n_targets is None or np.ndim(n_targets) == 0:
        return float(values.mean()) if values.size else 0.0
    keep = np.asarray(n_targets) > 0
    return float(values[keep].mean()) if keep.any() else 0.0


def hit_rate(ranks: np.ndarray, k: int) -> float:
    """Share of users with at least one target in their first ``k``."""
    return float(_hits(ranks, k).any(axis=1).mean())


def recall(ranks: np.ndarray, k: int, n_targets: int | np.ndarray | None = None) -> float:
    """Mean over users of (targets found in the first ``k``) / ``n_targets``.

    ``n_targets`` (scalar or ``[U]``) defaults to the number of rank columns (1 for ``ranks [U]``);
    users with 0 targets are left out. With one target per user it equals :func:`hit_rate`.
    """
    hits = _hits(ranks, k)
    n = hits.shape[1] if n_targets is None else n_targets
    return _user_mean(hits.sum(axis=1) / np.maximum(n, 1), n_targets)


def ndcg(ranks: np.ndarray, k: int, n_targets: int | np.ndarray | None = None) -> float:
    """Mean NDCG@k: ``sum(1 / log2(rank + 2))`` over found targets / the ideal DCG of
    ``min(n_targets, k)`` targets at the top (``1 / log2(rank + 2)`` with one target)."""
    hits = _hits(ranks, k)
    ranks = np.asarray(ranks).reshape(hits.shape)
    dcg = np.where(hits, 1.0 / np.log2(np.maximum(ranks, 0) + 2.0), 0.0).sum(axis=1)
    n = np.broadcast_to(hits.shape[1] if n_targets is None else n_targets, (hits.shape[0],))
    ideal = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(check_k(k)) + 2.0))])
    idcg = ideal[np.minimum(n, k)]
    return _user_mean(np.divide(dcg, idcg, out=np.zeros_like(dcg), where=idcg > 0), n_targets)


def mrr(ranks: np.ndarray, k: int) -> float:
    """Mean reciprocal rank of the best-ranked target within the first ``k`` (0 when none is)."""
    hits = _hits(ranks, k)
    ranks = np.asarray(ranks).reshape(hits.shape)
    best = np.where(hits, ranks, np.iinfo(np.int64).max).min(axis=1)
    return float(np.where(hits.any(axis=1), 1.0 / (best + 1.0), 0.0).mean())


def recall_at_k(topk: np.ndarray, target_lists: Any, k: int) -> float:
    """Recall@k with several targets per user (see :func:`multi_target_ranks` for the formats)."""
    check_k(k, np.shape(topk)[1])
    ranks, n_targets = multi_target_ranks(topk, target_lists)
    return recall(ranks, k, n_targets)


def ndcg_at_k(topk: np.ndarray, target_lists: Any, k: int) -> float:
    """NDCG@k with several targets per user (see :func:`multi_target_ranks` for the formats)."""
    check_k(k, np.shape(topk)[1])
    ranks, n_targets = multi_target_ranks(topk, target_lists)
    return ndcg(ranks, k, n_targets)


def _one_per_user(targets: Any) -> bool:
    """Whether ``targets`` is a flat integer array-like (one target per user) rather than lists/CSR."""
    if hasattr(targets, "indptr"):
        return False
    try:
        flat = np.asarray(targets)
    except ValueError:  # ragged lists
        return False
    return flat.ndim == 1 and np.issubdtype(flat.dtype, np.integer)


def compute_metrics(topk: np.ndarray, targets: Any, ks: Sequence[int] = (10, 50, 100),
                    suffix: str = "") -> dict[str, float]:
    """``{"hr@k", "recall@k", "ndcg@k", "mrr@k"}`` (+ ``suffix``) for each ``k`` in ``ks``.

    ``targets`` is ``int [U]`` (one held-out item per user) or several per user as in
    :func:`multi_target_ranks` (users with no target are left out). Values are Python floats,
    ready for ``json.dumps``.
    """
    topk = _as_topk(topk)
    for k in ks:
        check_k(k, topk.shape[1])
    if _one_per_user(targets):
        ranks, n_targets = target_ranks(topk, targets), None
    else:
        ranks, n_targets = multi_target_ranks(topk, targets)
        ranks, n_targets = ranks[n_targets > 0], n_targets[n_targets > 0]
    out: dict[str, float] = {}
    for k in ks:
        out[f"hr@{k}{suffix}"] = hit_rate(ranks, k)
        out[f"recall@{k}{suffix}"] = recall(ranks, k, n_targets)
        out[f"ndcg@{k}{suffix}"] = ndcg(ranks, k, n_targets)
        out[f"mrr@{k}{suffix}"] = mrr(ranks, k)
    return out
