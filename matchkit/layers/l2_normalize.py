"""L2 normalisation of the last axis."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="matchkit")
class L2Normalize(keras.layers.Layer):
    """``[..., D] -> [..., D]`` with unit L2 norm on the last axis (a zero vector stays zero)."""

    def __init__(self, epsilon: float = 1e-12, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        sq = ops.sum(ops.square(inputs), axis=-1, keepdims=True)
        return inputs * ops.rsqrt(ops.maximum(sq, self.epsilon))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
