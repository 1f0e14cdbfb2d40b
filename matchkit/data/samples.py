"""Containers for built samples (see ``matchkit.data.builder`` for how they are made)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SampleSplit:
    """Column arrays of one split, all with the same first dimension ``n``.

    Columns: every user feature (gathered for the row's user), every item feature (gathered for the row's
    target item; the target id is under ``item_col``), ``hist_<f>`` int32 ``[n, seq_len]`` for each history
    feature ``f`` (most recent first, 0-padded), ``hist_len`` int32 ``[n]``, and ``label`` float32 ``[n]``
    (1 for positives, 0 for sampled negatives; all ones when ``negsample == 0``). When built with
    ``short_len > 0`` (SDM), also ``short_<f>`` ``[n, short_len]`` (the ``short_len`` most recent history
    items), ``long_<f>`` ``[n, seq_len - short_len]`` (the items before those), and int32 ``[n]``
    ``short_hist_len`` / ``long_hist_len`` (their true lengths; see ``builder.split_histories``).
    """

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(next(iter(self.columns.values())).shape[0]) if self.columns else 0

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns


@dataclass
class SampleSet:
    """Training, test and optional validation samples, plus what evaluation needs.

    Attributes:
        train / test / valid: the splits (``valid`` is ``None`` unless requested).
        seen: int32 ``[n_pairs, 2]`` (user, item) pairs a user interacted with before their test item
            (all but the last interaction), used to filter seen items from retrieval.
        seen_valid: same, for validation (all but the last two interactions), or ``None``.
    """

    train: SampleSplit
    test: SampleSplit
    valid: SampleSplit | None = None
    seen: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int32))
    seen_valid: np.ndarray | None = None
