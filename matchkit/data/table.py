"""The interactions table every dataset returns.

Ids are encoded as int32 codes 1..n with 0 kept for padding (design.md §3). Per-user and per-item
attribute arrays are indexed by the encoded id, so ``user_features["gender"][u]`` is the encoded
gender of encoded user ``u`` and row 0 is padding (all zeros).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class InteractionTable:
    """One dataset, encoded.

    Attributes:
        user_col: name of the user id feature, e.g. ``"user_id"``.
        item_col: name of the item id feature, e.g. ``"movie_id"``.
        users: int32 ``[n_interactions]`` encoded user id of each interaction (1..n_users).
        items: int32 ``[n_interactions]`` encoded item id of each interaction (1..n_items).
        timestamps: int64 ``[n_interactions]``.
        user_features: name -> int32/float32 array ``[n_users + 1]`` (row 0 padding). Includes ``user_col``
            itself (the identity ``arange``).
        item_features: name -> array ``[n_items + 1]`` (row 0 padding); includes ``item_col``. A multi-valued
            categorical attribute is an int32 array ``[n_items + 1, max_values]`` padded with 0.
        vocab_sizes: categorical feature name -> vocabulary size (number of codes + 1 for padding).
        vocabularies: categorical feature name -> object array ``[vocab_size]`` of raw values by code
            (index 0 is ``None``); maps codes back to original ids (e.g. MovieLens movie ids).
        item_titles: optional object array ``[n_items + 1]`` of display names (index 0 ``None``).
        ratings: optional float32 ``[n_interactions]``.
        source: short description of where the data came from (for logs and run records).
    """

    user_col: str
    item_col: str
    users: np.ndarray
    items: np.ndarray
    timestamps: np.ndarray
    user_features: dict[str, np.ndarray]
    item_features: dict[str, np.ndarray]
    vocab_sizes: dict[str, int]
    vocabularies: dict[str, np.ndarray] = field(default_factory=dict)
    item_titles: np.ndarray | None = None
    ratings: np.ndarray | None = None
    source: str = ""

    @property
    def n_interactions(self) -> int:
        return int(self.users.shape[0])

    @property
    def n_users(self) -> int:
        return int(self.vocab_sizes[self.user_col] - 1)

    @property
    def n_items(self) -> int:
        return int(self.vocab_sizes[self.item_col] - 1)

    def item_counts(self) -> np.ndarray:
        """int64 ``[n_items + 1]``: interactions per encoded item (index 0 is 0)."""
        return np.bincount(self.items, minlength=self.n_items + 1).astype(np.int64)
