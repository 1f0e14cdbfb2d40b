"""Label-aware attention: the training-time user vector of a multi-interest model."""

from __future__ import annotations

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.layers.masked_softmax import masked_softmax


@keras.saving.register_keras_serializable(package="matchkit")
class LabelAwareAttention(keras.layers.Layer):
    """``interests [B, K, D]``, ``target [B, D]`` -> ``[B, D]``: the interests weighted by how well each
    matches the target item.

    ``s_k = u_k . t``; weights ``softmax_k(pow_p * s_k)`` (MIND's ``pow(s, p)`` sharpening, written so
    that negative scores keep their order), or with ``hard=True`` all weight on the best-matching interest
    (ComiRec). Interests where ``mask`` (``[B, K]``, optional) is 0 get no weight.
    """

    def __init__(self, pow_p: float = 1.0, hard: bool = False, **kwargs):
        super().__init__(**kwargs)
        if float(pow_p) <= 0:
            raise ConfigError(f"LabelAwareAttention pow_p should be positive, received pow_p={pow_p}")
        self.pow_p, self.hard = float(pow_p), bool(hard)

    def call(self, interests, target, mask=None):
        scores = ops.sum(interests * ops.expand_dims(target, 1), axis=-1)  # [B, K]
        valid = ops.ones_like(scores, dtype="bool") if mask is None else ops.cast(mask, "bool")
        if self.hard:
            best = ops.argmax(ops.where(valid, scores, ops.full_like(scores, -1e9)), axis=-1)
            weights = ops.one_hot(best, ops.shape(scores)[1], dtype=interests.dtype)
        else:
            weights = masked_softmax(self.pow_p * scores, valid)
        return ops.sum(ops.expand_dims(weights, -1) * interests, axis=1)

    def compute_output_shape(self, interests_shape, target_shape=None, mask_shape=None):
        return (interests_shape[0], interests_shape[2])

    def get_config(self):
        return {**super().get_config(), "pow_p": self.pow_p, "hard": self.hard}
