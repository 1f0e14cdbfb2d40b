"""Sum / mean pooling of a sequence of ids from a small table, computed per table row."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.pooling.sequence import valid_mask

MODES = ("sum", "mean")


def sum_per_table_row(weights: Any, ids: Any, vocabulary: Any) -> Any:
    """``[B, V]``: ``weights [B, L]`` summed per row of each batch row, by their int ``ids [B, L]`` in
    ``[0, V)``; entry ``[b, v]`` is the sum of ``weights[b, l]`` over the positions ``l`` with id ``v``."""
    batch = ops.shape(ids)[0]
    segments = ops.cast(ids, "int32") + ops.expand_dims(ops.arange(batch, dtype="int32") * vocabulary, 1)
    sums = ops.segment_sum(ops.reshape(weights, (-1,)), ops.reshape(segments, (-1,)), num_segments=batch * vocabulary)
    return ops.reshape(sums, (batch, vocabulary))


@keras.saving.register_keras_serializable(package="matchkit")
class VocabularyPooling(keras.layers.Layer):
    """:class:`~matchkit.pooling.SequencePooling` (``sum`` or ``mean``) of the sequence ``rows[ids]``,
    computed as ``counts @ rows``.

    ``counts [B, V]`` holds how often each table row occurs among a row's valid positions (divided by their
    number for ``mean``). That is one ``[B, V] x [V, D]`` product instead of a ``[B, L, D]`` lookup, its
    masked sum and its gradient: the cheaper form when the table has no more rows than the sequence has
    positions (19 genres against a history of 50).

    Args:
        mode: ``"sum"`` or ``"mean"``.

    Call args:
        rows: float ``[V, D]``, the table (its Embedding called on :class:`~matchkit.features.inputs.RowIds`).
        ids: int ``[B, L]``, row indices in ``[0, V)``.
        lengths, mask: as for ``SequencePooling`` (``lengths`` wins; with neither, every position is valid).

    Returns:
        ``[B, D]``; zeros for a row with no valid position.
    """

    def __init__(self, mode: str = "mean", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ConfigError(f"VocabularyPooling mode must be one of {', '.join(MODES)}, received mode={mode!r}")
        self.mode = mode

    def call(self, rows: Any, ids: Any, lengths: Any = None, mask: Any = None) -> Any:
        weights = ops.cast(valid_mask(ids, lengths, mask), rows.dtype)  # [B, L]
        if self.mode == "mean":
            weights = weights / ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1.0)
        return ops.matmul(sum_per_table_row(weights, ids, ops.shape(rows)[0]), rows)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None

    def compute_output_shape(self, rows_shape, ids_shape, lengths_shape=None, mask_shape=None):
        return (ids_shape[0], rows_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}
