"""What serving a user needs from a run: their features as of their latest interaction, and what they have seen."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from matchkit.data.builder import check_short_len, split_histories
from matchkit.data.table import InteractionTable


def latest_user_rows(table: InteractionTable, seq_len: int,
                     hist_features: Sequence[str] = ("movie_id", "genres"),
                     short_len: int = 0) -> tuple[np.ndarray, dict]:
    """One row per user with at least one interaction: their features for a request made *now*.

    Returns ``(codes, columns)``: encoded user ids ``[U]`` (ascending) and, like a sample split, every
    user feature ``[U]``, ``hist_<f>`` ``[U, seq_len(, m)]`` over *all* of the user's interactions, most
    recent first (same order as :func:`matchkit.data.builder.build_samples`: by timestamp, ties in table
    order), 0-padded, and ``hist_len`` ``[U]``; with ``short_len > 0`` also the short / long-term columns of
    :func:`~matchkit.data.builder.split_histories`. A test row differs only in holding out the last item.
    """
    check_short_len(short_len, seq_len)
    order = np.lexsort((table.timestamps, table.users))
    items = table.items[order]
    counts = np.bincount(table.users, minlength=table.n_users + 1)
    codes = np.flatnonzero(counts).astype(np.int32)
    end = np.cumsum(counts)[codes]
    lengths = np.minimum(counts[codes], seq_len)
    back = np.arange(seq_len)[None, :]
    hist = np.where(back < lengths[:, None], items[np.maximum(end[:, None] - 1 - back, 0)], 0).astype(np.int32)
    columns = {name: feat[codes] for name, feat in table.user_features.items()}
    for f in hist_features:
        columns[f"hist_{f}"] = hist if f == table.item_col else table.item_features[f][hist]
    columns["hist_len"] = lengths.astype(np.int32)
    columns.update(split_histories(columns, short_len, hist_features, seq_len))
    return codes, columns


def seen_items(table: InteractionTable, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR of the distinct items each user in ``codes`` interacted with: ``(ptr int64 [U + 1], items int32)``;
    the items of ``codes[i]`` are ``items[ptr[i]:ptr[i + 1]]``, ascending encoded ids."""
    n1 = table.n_items + 1
    keys = np.unique(table.users.astype(np.int64) * n1 + table.items)
    per_user = np.bincount(keys // n1, minlength=table.n_users + 1)
    keep = np.isin(keys // n1, codes)
    ptr = np.concatenate([[0], np.cumsum(per_user[codes])]).astype(np.int64)
    return ptr, (keys[keep] % n1).astype(np.int32)
