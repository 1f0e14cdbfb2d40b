"""Masked sum / mean / max pooling over the sequence axis."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.pooling import POOLINGS

MODES = ("sum", "mean", "max")


def valid_mask(inputs: Any, lengths: Any = None, mask: Any = None) -> Any:
    """Bool ``[B, L]``: which of the ``L`` positions of ``inputs`` ``[B, L, ...]`` are valid.

    ``lengths`` (int ``[B]`` or ``[B, 1]``) marks the first ``length`` positions valid, clipped to
    ``[0, L]``; it wins over ``mask`` (bool ``[B, L]``). With neither, every position is valid.
    """
    steps = ops.shape(inputs)[1]
    if lengths is not None:
        lengths = ops.clip(ops.reshape(ops.cast(lengths, "int32"), (-1,)), 0, steps)
        return ops.less(ops.expand_dims(ops.arange(steps, dtype="int32"), 0), ops.expand_dims(lengths, 1))
    if mask is not None:
        return ops.cast(ops.reshape(mask, ops.shape(inputs)[:2]), "bool")
    return ops.ones(ops.shape(inputs)[:2], dtype="bool")


@keras.saving.register_keras_serializable(package="matchkit")
class SequencePooling(keras.layers.Layer):
    """Pools the valid positions of a padded sequence.

    Args:
        mode: ``"sum"``, ``"mean"`` (masked sum divided by the true length) or ``"max"``.

    Call args:
        inputs: float ``[B, L, D]``.
        lengths: optional int ``[B]`` or ``[B, 1]``; the first ``length`` positions are valid
            (clipped to ``[0, L]``).
        mask: optional bool ``[B, L]``, used only when ``lengths`` is None. With neither, all
            positions are valid.

    Returns:
        ``[B, D]``. A row with no valid position is all zeros for every mode (never NaN or -inf).
    """

    def __init__(self, mode: str = "mean", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ConfigError(f"SequencePooling mode must be one of {', '.join(MODES)}, received mode={mode!r}")
        self.mode = mode

    def call(self, inputs: Any, lengths: Any = None, mask: Any = None) -> Any:
        valid = valid_mask(inputs, lengths, mask)
        weights = ops.expand_dims(ops.cast(valid, inputs.dtype), -1)  # [B, L, 1]
        count = ops.sum(weights, axis=1)  # [B, 1]
        if self.mode == "max":
            # -inf never reaches the output or a gradient: empty rows are replaced by zeros below.
            lowest = ops.full_like(inputs, float("-inf"))
            pooled = ops.max(ops.where(ops.expand_dims(valid, -1), inputs, lowest), axis=1)
            return ops.where(count > 0, pooled, ops.zeros_like(pooled))
        total = ops.sum(inputs * weights, axis=1)
        if self.mode == "sum":
            return total
        return total / ops.maximum(count, 1.0)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None  # the sequence axis is pooled away

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "mode": self.mode}


@POOLINGS.register("sum")
def sum_pooling(**kwargs: Any) -> SequencePooling:
    """``SequencePooling(mode="sum")``."""
    return SequencePooling(mode="sum", **kwargs)


@POOLINGS.register("mean")
def mean_pooling(**kwargs: Any) -> SequencePooling:
    """``SequencePooling(mode="mean")``."""
    return SequencePooling(mode="mean", **kwargs)


@POOLINGS.register("max")
def max_pooling(**kwargs: Any) -> SequencePooling:
    """``SequencePooling(mode="max")``."""
    return SequencePooling(mode="max", **kwargs)
