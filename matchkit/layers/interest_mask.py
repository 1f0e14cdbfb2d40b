"""How many of its ``K`` interest vectors a user has, and serving vectors that respect it."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="matchkit")
class InterestMask(keras.layers.Layer):
    """History lengths ``[B]`` -> float ``[B, K]``, 1 for the interests a user has.

    Fixed: all ``K``. ``dynamic=True`` (MIND): ``max(1, min(K, floor(log2(length))))`` interests.
    """

    def __init__(self, n_interests: int, dynamic: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.n_interests, self.dynamic = int(n_interests), bool(dynamic)

    def call(self, lengths):
        lengths = ops.reshape(ops.cast(lengths, "float32"), (-1, 1))
        count = ops.full_like(lengths, float(self.n_interests))
        if self.dynamic:
            log2 = ops.floor(ops.log(ops.maximum(lengths, 1.0)) / ops.log(2.0) + 1e-6)
            count = ops.clip(log2, 1.0, float(self.n_interests))
        slots = ops.arange(self.n_interests, dtype="float32")[None, :]
        return ops.cast(slots < count, "float32")

    def compute_output_shape(self, lengths_shape):
        return (lengths_shape[0], self.n_interests)

    def get_config(self):
        return {**super().get_config(), "n_interests": self.n_interests, "dynamic": self.dynamic}


@keras.saving.register_keras_serializable(package="matchkit")
class ServingInterests(keras.layers.Layer):
    """``interests [B, K, D]``, ``mask [B, K]`` -> ``[B, K, D]`` where each interest a user lacks is a copy
    of their first one, so a fixed-shape output can be searched and merged by maximum score unchanged."""

    def call(self, interests, mask):
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        return ops.where(keep, interests, interests[:, :1, :])

    def compute_output_shape(self, interests_shape, mask_shape=None):
        return interests_shape
