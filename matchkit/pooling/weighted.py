"""Weighted sum over the valid positions of a sequence, optionally softmax-normalised."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.pooling import POOLINGS
from matchkit.pooling.sequence import valid_mask


@POOLINGS.register("weighted")
@keras.saving.register_keras_serializable(package="matchkit")
class WeightedSequencePooling(keras.layers.Layer):
    """``sum_l w[b, l] * x[b, l, :]`` over the valid positions ``l``.

    Args:
        normalize: if True the weights are softmax-normalised over the valid positions of each row
            (invalid positions get weight 0); otherwise they are used as given.

    Call args:
        inputs: float ``[B, L, D]``.
        weights: float ``[B, L]`` or ``[B, L, 1]``.
        lengths: optional int ``[B]`` or ``[B, 1]``; the first ``length`` positions are valid.
        mask: optional bool ``[B, L]``, used only when ``lengths`` is None.

    Returns:
        ``[B, D]``; a row with no valid position is all zeros (never NaN).
    """

    def __init__(self, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.normalize = bool(normalize)

    def call(self, inputs: Any, weights: Any, lengths: Any = None, mask: Any = None) -> Any:
        valid = valid_mask(inputs, lengths, mask)
        weights = ops.reshape(ops.cast(weights, inputs.dtype), ops.shape(inputs)[:2])
        if self.normalize:
            # invalid logits are -inf (softmax weight 0); an all-invalid row keeps finite logits so that
            # softmax gives no NaN, and is zeroed below
            has_valid = ops.any(valid, axis=1, keepdims=True)
            fill = ops.where(has_valid, ops.full_like(weights, float("-inf")), ops.zeros_like(weights))
            weights = ops.softmax(ops.where(valid, weights, fill), axis=1)
        weights = ops.where(valid, weights, ops.zeros_like(weights))
        return ops.squeeze(ops.matmul(ops.expand_dims(weights, 1), inputs), 1)  # [B, 1, L] x [B, L, D]

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None  # the sequence axis is pooled away

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "normalize": self.normalize}
