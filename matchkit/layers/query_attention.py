"""Attention pooling of a padded sequence by one query vector per row (SDM's user attention)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

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
