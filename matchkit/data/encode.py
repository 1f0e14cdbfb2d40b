"""Encoding raw categorical values to codes 1..n (0 = padding) and assembling an :class:`InteractionTable`.

Shared by every dataset: a dataset reads or generates *raw* interactions and entity attributes, and
:func:`make_table` turns them into the encoded table (design.md §3). Codes follow the sorted order of
the distinct values, as scikit-learn's ``LabelEncoder`` + 1 does in the DeepMatch examples.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from matchkit.data.table import InteractionTable
from matchkit.errors import DataError


def encode(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes for ``values`` ``[n]``: int32 ``[n]`` in 1..k over the k distinct values (sorted order),
    and the vocabulary, an object array ``[k + 1]`` with ``vocab[code] = value`` and ``vocab[0] = None``.
    """
    values = np.asarray(values)
    if values.dtype.kind in "iu" and values.size and _dense_range(values):
        # Small integer range: a lookup table is O(n) where np.unique sorts; same result.
        lo = int(values.min())
        present = np.bincount(values - lo) > 0
        code_of = np.cumsum(present, dtype=np.int64).astype(np.int32)
        codes = code_of[values - lo]
        uniq = np.flatnonzero(present) + lo
    else:
        uniq, inverse = np.unique(values, return_inverse=True)
        codes = (inverse.reshape(-1) + 1).astype(np.int32)
    vocab = np.empty(len(uniq) + 1, dtype=object)
    vocab[1:] = uniq.tolist()
    return codes, vocab


def _dense_range(values: np.ndarray) -> bool:
    span = int(values.max()) - int(values.min())
    return span < max(4 * values.size, 1 << 16)


def encode_multi(rows: Sequence[Sequence]) -> tuple[np.ndarray, np.ndarray]:
    """Codes for a multi-valued attribute, one list of values per row.

    Returns int32 ``[n_rows, max_len]`` (each row's codes in its original order, right-padded with 0)
    and the vocabulary as in :func:`encode`.
    """
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    flat = np.array([v for r in rows for v in r], dtype=object)
    codes, vocab = encode(flat) if flat.size else (np.zeros(0, np.int32), np.array([None], object))
    out = np.zeros((len(rows), int(lengths.max(initial=1)) or 1), dtype=np.int32)
    row = np.repeat(np.arange(len(rows)), lengths)
    col = np.arange(flat.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out[row, col] = codes
    return out, vocab


def _plain(value):
    """A numpy scalar as the Python value (so messages read ``9``, not ``np.int64(9)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _align(needed: np.ndarray, ids: np.ndarray, name: str, origin: str) -> np.ndarray:
    """Row of ``ids`` holding each value of ``needed``; unknown or repeated ids raise DataError."""
    ids = np.asarray(ids)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    dup = sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]]
    if dup.size:
        raise DataError(f"{origin} lists {name} {_plain(dup[0])!r} more than once; each {name} must appear once. "
                        "Fix the file (or delete it and let matchkit download a fresh copy).")
    at = np.minimum(np.searchsorted(sorted_ids, needed), max(len(ids) - 1, 0))
    missing = needed[sorted_ids[at] != needed] if len(ids) else needed
    if missing.size:
        raise DataError(f"{missing.size} {name} value(s) used by the interactions are absent from {origin}, "
                        f"e.g. {_plain(missing[0])!r}; every interaction must name a listed {name}. "
                        "Fix the files (or delete them and let matchkit download a fresh copy).")
    return order[at]


def _entity_features(col: str, present: np.ndarray, ids: np.ndarray, attrs: Mapping[str, np.ndarray],
                     multi: Mapping[str, Sequence[Sequence]], origin: str):
    """Encoded attribute arrays ``[k + 1]`` (or ``[k + 1, m]``) of the k present entities, by code."""
    rows = _align(present, ids, col, origin)
    k = len(present)
    features = {col: np.arange(k + 1, dtype=np.int32)}
    vocabularies = {}
    for name, values in attrs.items():
        codes, vocabularies[name] = encode(np.asarray(values)[rows])
        features[name] = np.concatenate([[0], codes]).astype(np.int32)
    for name, lists in multi.items():
        codes, vocabularies[name] = encode_multi([lists[r] for r in rows])
        features[name] = np.concatenate([np.zeros((1, codes.shape[1]), np.int32), codes])
    return features, vocabularies, rows


def make_table(*, user_col: str, item_col: str, users: np.ndarray, items: np.ndarray,
               timestamps: np.ndarray, user_ids: np.ndarray, item_ids: np.ndarray,
               user_attrs: Mapping[str, np.ndarray] | None = None,
               item_attrs: Mapping[str, np.ndarray] | None = None,
               item_multi: Mapping[str, Sequence[Sequence]] | None = None,
               item_titles: Sequence[str] | None = None, ratings: np.ndarray | None = None,
               min_user_interactions: int = 0, source: str = "",
               user_origin: str = "the user table", item_origin: str = "the item table") -> InteractionTable:
    """Encode raw interactions and attributes into an :class:`InteractionTable`.

    Args:
        users / items / timestamps / ratings: raw ``[n]`` arrays, one entry per interaction.
        user_ids: raw ids ``[n_u]`` of the user attribute table; ``user_attrs[name]`` is aligned with it.
        item_ids, item_attrs: likewise for items; ``item_multi[name]`` is a list of value lists per item
            row (a multi-valued attribute); ``item_titles`` is aligned with ``item_ids``.
        min_user_interactions: drop users with fewer interactions first (0 keeps all).
        user_origin / item_origin: how error messages name the attribute tables (e.g. a file path).

    Every categorical is coded over the values of the entities that occur in the (kept) interactions.
    Raises DataError when there are no interactions or an interaction names an unlisted user/item.
    """
    users, items = np.asarray(users), np.asarray(items)
    keep = None
    if min_user_interactions > 0 and users.size:
        codes, _ = encode(users)
        keep = np.bincount(codes)[codes] >= min_user_interactions
        users, items = users[keep], items[keep]
    if users.size == 0:
        if keep is not None:
            raise DataError(f"no user has at least {min_user_interactions} interactions, so the filters leave "
                            f"{source or 'the dataset'} empty; lower dataset.min_user_interactions")
        raise DataError(f"no interactions to build a table from ({source or 'dataset'}); "
                        "check the data files are complete")
    u_codes, u_vocab = encode(users)
    i_codes, i_vocab = encode(items)
    u_feats, u_vocabs, _ = _entity_features(user_col, np.array(u_vocab[1:].tolist()), user_ids,
                                            user_attrs or {}, {}, user_origin)
    i_feats, i_vocabs, i_rows = _entity_features(item_col, np.array(i_vocab[1:].tolist()), item_ids,
                                                 item_attrs or {}, item_multi or {}, item_origin)
    vocabularies = {user_col: u_vocab, item_col: i_vocab, **u_vocabs, **i_vocabs}
    titles = None
    if item_titles is not None:
        titles = np.empty(len(i_vocab), dtype=object)
        titles[1:] = np.asarray(item_titles, dtype=object)[i_rows]
    ts = np.asarray(timestamps, dtype=np.int64)
    rt = None if ratings is None else np.asarray(ratings, dtype=np.float32)
    if keep is not None:
        ts = ts[keep]
        rt = None if rt is None else rt[keep]
    return InteractionTable(
        user_col=user_col, item_col=item_col, users=u_codes, items=i_codes, timestamps=ts,
        user_features=u_feats, item_features=i_feats,
        vocab_sizes={name: len(v) for name, v in vocabularies.items()},
        vocabularies=vocabularies, item_titles=titles, ratings=rt, source=source)
