"""SDM's gate: a learned per-dimension mix of the short-term and the long-term interest vectors."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="matchkit")
class InterestGate(keras.layers.Layer):
    """``g * short + (1 - g) * long`` with ``g = sigmoid(Dense(D)(concat[query, short, long]))``.

    Args:
        seed: seed of the Dense kernel initialiser.

    Call args:
        query: float ``[B, Q]``, the user-profile vector.
        short: float ``[B, D]``, the short-term interest.
        long: float ``[B, D]``, the long-term interest.

    Returns:
        ``[B, D]``: per dimension a convex combination of ``short`` and ``long``.
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed = seed
        self.dense = None

    def build(self, query_shape, short_shape, long_shape):
        # Built explicitly (not lazily in call) so that a saved tower reloads its weights.
        if tuple(short_shape)[-1] != tuple(long_shape)[-1]:
            raise ValueError(f"InterestGate needs short and long vectors of one width, received shapes "
                             f"{tuple(short_shape)} and {tuple(long_shape)}")
        width = int(short_shape[-1])
        self.dense = keras.layers.Dense(width, activation="sigmoid", name="gate",
                                        kernel_initializer=keras.initializers.GlorotUniform(seed=self.seed))
        self.dense.build((query_shape[0], int(query_shape[-1]) + 2 * width))
        self.built = True

    def call(self, query: Any, short: Any, long: Any) -> Any:
        gate = self.dense(ops.concatenate([query, short, long], axis=-1))
        return gate * short + (1.0 - gate) * long

    def compute_output_shape(self, query_shape, short_shape, long_shape):
        return tuple(short_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}
