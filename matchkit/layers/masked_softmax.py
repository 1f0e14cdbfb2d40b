"""Softmax over the valid entries of an axis."""

from __future__ import annotations

from keras import ops


def masked_softmax(logits, valid, axis: int = -1):
    """Softmax of ``logits`` over ``axis`` among the entries where ``valid`` (bool, broadcastable) holds.

    Invalid entries get weight 0; a slice with no valid entry is all zeros (never NaN).
    """
    valid = ops.broadcast_to(ops.cast(valid, "bool"), ops.shape(logits))
    lowest = ops.full_like(logits, -1e9)
    weights = ops.softmax(ops.where(valid, logits, lowest), axis=axis)
    return ops.where(valid, weights, ops.zeros_like(weights))
