"""Inner-product top-K: exact (blocked numpy) for evaluation, faiss indexes for export and ANN.

Exact search is a blocked ``float32`` matmul, a per-row threshold from ``np.partition`` and a sort of
the ``k`` survivors. Measured here (6,040 users x 3,657 items x 32 dims, k=100, 2 cores, interleaved
runs): ~0.15 s median against ~0.17 s for faiss ``IndexFlatIP`` (and ~0.19 s with ``np.argpartition``);
it also masks seen items exactly, where faiss would have to over-fetch, so it is the one exact path.

Multi-interest users (``user_emb [U, K, D]``, one vector per interest) score an item by its best
interest, ``max_k u_k . v``. Retrieving the top-``k`` of every interest and merging them by maximum
score gives exactly the top-``k`` of that score, which is what both paths return.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

from matchkit.errors import ConfigError
from matchkit.evaluation.metrics import check_k


def _as_matrix(x: Any, name: str) -> np.ndarray:
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"{name} should be a 2-D float array, received shape {x.shape}")
    return x


def _as_users(x: Any) -> np.ndarray:
    """``user_emb`` as float32 ``[U, K, D]`` (``K = 1`` for a ``[U, D]`` array)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 2:
        return x[:, None, :]
    if x.ndim != 3 or x.shape[1] == 0:
        raise ValueError(f"user_emb should be a float array [U, D] or [U, K, D] with K >= 1, received shape {x.shape}")
    return x


def _check_k_items(k: Any, n_items: int) -> int:
    k = check_k(k)
    if k > n_items:
        raise ConfigError(f"K larger than the number of items: k={k}, n_items={n_items}; lower k")
    return k


def _exclude_flat(exclude: Any, n_users: int, n_items: int) -> np.ndarray:
    """``exclude [n_pairs, 2]`` (row, column) as sorted flat indices ``row * n_items + column``."""
    pairs = np.asarray(exclude)
    if pairs.size == 0:
        return np.zeros(0, np.int64)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise ValueError(
            f"exclude should be an integer array [n_pairs, 2], received {pairs.dtype} {pairs.shape}"
        )
    rows, cols = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    if rows.min() < 0 or rows.max() >= n_users or cols.min() < 0 or cols.max() >= n_items:
        raise ValueError(
            f"exclude pairs should be (row < {n_users}, column < {n_items}), received rows "
            f"{rows.min()}..{rows.max()} and columns {cols.min()}..{cols.max()}"
        )
    return np.sort(rows * n_items + cols)


def _block_candidates(block: np.ndarray, k: int) -> np.ndarray:
    """Columns of the ``k`` largest scores of each row of ``block [B, I]``, unordered ``[B, k]``.

    ``np.partition`` of the values, a threshold and ``np.flatnonzero`` take about half the time of
    ``np.argpartition``; a block with ties at some row's threshold falls back to ``argpartition``.
    """
    n_rows, n_items = block.shape
    kth = np.partition(block, n_items - k, axis=1)[:, n_items - k]
    flat = np.flatnonzero(block >= kth[:, None])
    if flat.size == n_rows * k and np.all(np.bincount(flat // n_items, minlength=n_rows) == k):
        return (flat % n_items).reshape(n_rows, k)
    return np.argpartition(block, n_items - k, axis=1)[:, n_items - k:]


def exact_topk(user_emb: np.ndarray, item_emb: np.ndarray, k: int, exclude: np.ndarray | None = None,
               item_ids: np.ndarray | None = None, batch_size: int = 1024) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-``k`` items per user, best first.

    Args:
        user_emb: ``float [U, D]``, or ``[U, K, D]`` for ``K`` interests per user (an item scores
            ``max_k u_k . v``); item_emb: ``float [I, D]``.
        k: items per user, ``1 <= k <= I``.
        exclude: optional ``int [n_pairs, 2]`` of (row of ``user_emb``, column of ``item_emb``) pairs
            never returned (e.g. items seen in training).
        item_ids: optional ``[I]`` id of each column; default the column index.
        batch_size: users scored per block (memory ``batch_size * I`` floats).

    Returns:
        ``scores float32 [U, k]`` and ``ids [U, k]`` (int64, or ``item_ids``' dtype). When a user has
        fewer than ``k`` items left after exclusion, the tail holds score ``-inf`` and id ``-1``.
    """
    users, items = _as_users(user_emb), _as_matrix(item_emb, "item_emb")
    if users.shape[2] != items.shape[1]:
        raise ValueError(f"user_emb has {users.shape[2]} dims but item_emb has {items.shape[1]}")
    (n_users, n_interests, dim), n_items = users.shape, items.shape[0]
    k = _check_k_items(k, n_items)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ConfigError(f"batch_size should be a positive integer, received batch_size={batch_size!r}")
    flat = _exclude_flat(exclude, n_users, n_items) if exclude is not None else np.zeros(0, np.int64)
    items_t = np.ascontiguousarray(items.T)
    scores = np.empty((n_users, k), np.float32)
    cols = np.empty((n_users, k), np.int64)
    for start in range(0, n_users, batch_size):
        stop = min(start + batch_size, n_users)
        block = users[start:stop].reshape(-1, dim) @ items_t
        if n_interests > 1:
            block = block.reshape(stop - start, n_interests, n_items).max(axis=1)
        lo, hi = np.searchsorted(flat, [start * n_items, stop * n_items])
        block.ravel()[flat[lo:hi] - start * n_items] = -np.inf
        part = _block_candidates(block, k)
        part_scores = block.ravel()[part + np.arange(stop - start)[:, None] * n_items]
        order = np.argsort(-part_scores, axis=1, kind="stable")
        cols[start:stop] = np.take_along_axis(part, order, axis=1)
        scores[start:stop] = np.take_along_axis(part_scores, order, axis=1)
    ids = cols if item_ids is None else np.asarray(item_ids)[cols]
    if flat.size:
        ids = np.where(np.isneginf(scores), -1, ids)
    return scores, ids


def build_faiss_index(item_emb: np.ndarray, kind: str = "flat", hnsw_m: int = 32,
                      item_ids: np.ndarray | None = None, ef_search: int = 128) -> faiss.Index:
    """An inner-product faiss index over ``item_emb float [I, D]``.

    Args:
        kind: ``"flat"`` (exact, ``IndexFlatIP``) or ``"hnsw"`` (approximate, ``IndexHNSWFlat``).
        hnsw_m: HNSW graph degree; ``ef_search``: HNSW search breadth (recall vs. speed).
        item_ids: optional ``int [I]`` ids returned instead of row numbers (wraps in ``IndexIDMap2``).
    """
    items = _as_matrix(item_emb, "item_emb")
    dim = items.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        if isinstance(hnsw_m, bool) or not isinstance(hnsw_m, (int, np.integer)) or hnsw_m <= 1:
            raise ConfigError(f"hnsw_m should be an integer >= 2, received hnsw_m={hnsw_m!r}")
        index = faiss.IndexHNSWFlat(dim, int(hnsw_m), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = int(ef_search)
    else:
        raise ConfigError(f"unknown faiss index kind {kind!r}; available: flat, hnsw")
    if item_ids is None:
        index.add(items)
        return index
    mapped = faiss.IndexIDMap2(index)
    mapped.add_with_ids(items, np.ascontiguousarray(item_ids, dtype=np.int64))
    return mapped


def faiss_search(index: faiss.Index, user_emb: np.ndarray, k: int, params=None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` of ``index`` for each user of ``user_emb float [U, D]`` (or ``[U, K, D]``: each interest
    searched, then merged by :func:`merge_interests`): ``(scores float32 [U, k], ids int64 [U, k])``, best
    first; an approximate index may pad with id ``-1``. ``params``: optional faiss search parameters."""
    users = _as_users(user_emb)
    n_users, n_interests, dim = users.shape
    if dim != index.d:
        raise ValueError(f"user_emb has {dim} dims but the index has {index.d}")
    k = _check_k_items(k, index.ntotal)
    scores, ids = index.search(users.reshape(-1, dim), k, params=params)
    if n_interests == 1:
        return scores, ids
    return merge_interests(scores.reshape(n_users, -1), ids.reshape(n_users, -1), k)


def merge_interests(scores: np.ndarray, ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge the candidates of several interests: ``scores``/``ids`` ``[U, C]`` (every interest's results
    side by side; id ``-1`` = none) -> the ``k`` best distinct ids per row by their highest score,
    ``(scores float32 [U, k], ids int64 [U, k])``, padded with ``-inf`` / ``-1``."""
    scores = np.where(ids < 0, -np.inf, scores).astype(np.float32)
    order = np.argsort(-scores, axis=1, kind="stable")
    scores, ids = np.take_along_axis(scores, order, 1), np.take_along_axis(ids, order, 1)
    out_s = np.full((len(ids), k), -np.inf, np.float32)
    out_i = np.full((len(ids), k), -1, np.int64)
    for row, (row_ids, row_scores) in enumerate(zip(ids, scores)):
        _, first = np.unique(row_ids, return_index=True)  # the first = the best score of each id
        first = np.sort(first[row_ids[first] >= 0])[:k]
        out_i[row, : len(first)], out_s[row, : len(first)] = row_ids[first], row_scores[first]
    return out_s, out_i
