"""Attention pooling of a padded sequence by one query vector per row (SDM's user and long-term attention)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.layers.masked_softmax import masked_softmax
from matchkit.pooling.sequence import valid_mask
from matchkit.pooling.vocabulary import sum_per_table_row
from matchkit.pooling.weighted import WeightedSequencePooling


@keras.saving.register_keras_serializable(package="matchkit")
class QueryAttentionPooling(keras.layers.Layer):
    """``sum_l a[b, l] * x[b, l, :]`` with ``a[b] = softmax over the valid l of <q[b], x[b, l]> / sqrt(D)``.

    Args:
        scale: divide the scores by ``sqrt(D)`` (scaled dot-product attention).

    Call args:
        inputs: float ``[B, L, D]``, the sequence (keys and values).
        query: float ``[B, D]``, one query per row (same width as ``inputs``).
        lengths: optional int ``[B]`` or ``[B, 1]``; the first ``length`` positions are valid. None: all are.

    Returns:
        ``[B, D]``. A row with no valid position is all zeros (never NaN).

    Example: ``x[0] = [[1, 0], [0, 1], [5, 5]]``, ``q[0] = [ln 2 * sqrt 2, 0]``, length 2 -> scores
    ``[ln 2, 0]`` -> weights ``[2/3, 1/3]`` (the padded third row gets 0) -> ``[2/3, 1/3]``.
    """

    def __init__(self, scale: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = bool(scale)
        self.pool = WeightedSequencePooling(normalize=True, name="masked_softmax_sum")

    def build(self, inputs_shape, query_shape, lengths_shape=None):
        if inputs_shape[-1] is not None and query_shape[-1] is not None and inputs_shape[-1] != query_shape[-1]:
            raise ValueError(f"QueryAttentionPooling needs a query as wide as the sequence, received sequence "
                             f"shape {tuple(inputs_shape)} and query shape {tuple(query_shape)}")
        self.built = True

    def call(self, inputs: Any, query: Any, lengths: Any = None) -> Any:
        scores = ops.squeeze(ops.matmul(inputs, ops.expand_dims(query, -1)), -1)  # [B, L]: B mat-vec products
        if self.scale:
            scores = scores / ops.sqrt(ops.cast(ops.shape(inputs)[-1], inputs.dtype))
        return self.pool(inputs, scores, lengths=lengths)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None  # the sequence axis is pooled away

    def compute_output_shape(self, inputs_shape, query_shape, lengths_shape=None):
        return (inputs_shape[0], inputs_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="matchkit")
class VocabularyAttentionPooling(keras.layers.Layer):
    """:class:`QueryAttentionPooling` of the sequence ``rows[ids]``, computed over the ``V`` rows of the table
    instead of the ``L`` positions.

    The same function as ``QueryAttentionPooling(scale)(take(rows, ids, axis=0), query, lengths)``: each
    table row gets the score ``<q[b], rows[v]> / sqrt(D)`` (one ``[B, D] x [D, V]`` product), each position
    the score of its id; the softmax weights of the valid positions are summed per id into ``[B, V]``,
    whose product with ``rows`` is the pooled vector. No ``[B, L, D]`` tensor is formed, forward or
    backward, so for a table with fewer rows than the sequence has positions (SDM's 19 genres against a
    long-term history of 50) this is the cheaper form.

    Args:
        scale: divide the scores by ``sqrt(D)``.

    Call args:
        rows: float ``[V, D]``, the table (e.g. its Embedding called on :class:`~matchkit.features.inputs.RowIds`).
        ids: int ``[B, L]``, row indices in ``[0, V)``.
        query: float ``[B, D]``.
        lengths: optional int ``[B]`` or ``[B, 1]``; the first ``length`` positions are valid. None: all are.

    Returns:
        ``[B, D]``. A row with no valid position is all zeros (never NaN).
    """

    def __init__(self, scale: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale = bool(scale)

    def build(self, rows_shape, ids_shape, query_shape, lengths_shape=None):
        if rows_shape[-1] is not None and query_shape[-1] is not None and rows_shape[-1] != query_shape[-1]:
            raise ValueError(f"VocabularyAttentionPooling needs a query as wide as the table rows, received rows "
                             f"shape {tuple(rows_shape)} and query shape {tuple(query_shape)}")
        self.built = True

    def call(self, rows: Any, ids: Any, query: Any, lengths: Any = None) -> Any:
        row_scores = ops.matmul(query, ops.transpose(rows))  # [B, V]
        if self.scale:
            row_scores = row_scores / ops.sqrt(ops.cast(ops.shape(rows)[-1], rows.dtype))
        ids = ops.cast(ids, "int32")
        weights = masked_softmax(ops.take_along_axis(row_scores, ids, axis=1), valid_mask(ids, lengths))  # [B, L]
        return ops.matmul(sum_per_table_row(weights, ids, ops.shape(rows)[0]), rows)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None

    def compute_output_shape(self, rows_shape, ids_shape, query_shape, lengths_shape=None):
        return (ids_shape[0], rows_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}
