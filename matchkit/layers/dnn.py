"""A stack of Dense layers: the body of a tower."""

from __future__ import annotations

import keras
from keras import ops

from matchkit.errors import ConfigError


@keras.saving.register_keras_serializable(package="matchkit")
class DNN(keras.layers.Layer):
    """``[B, D_in] -> [B, units[-1]]``: Dense -> (BatchNorm) -> activation -> (Dropout), per entry of ``units``.

    Args:
        units: widths of the hidden layers, e.g. ``[128, 64, 32]``.
        activation: Keras activation name applied after every layer (also the last, as in DeepMatch).
        dropout: dropout rate after each activation (training only), in [0, 1).
        use_bn: batch normalisation before each activation.
        l2_reg: L2 penalty on the Dense kernels.
        output_activation: activation of the last layer; ``None`` means the same as ``activation``.
        seed: seed of the kernel initialiser and dropout.
    """

    def __init__(self, units, activation="relu", dropout=0.0, use_bn=False, l2_reg=0.0,
                 output_activation=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        units = [int(u) for u in units]
        if not units or any(u <= 0 for u in units):
            raise ConfigError(f"DNN units should be a non-empty list of positive integers, received units={units}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ConfigError(f"dropout should be in [0, 1), received dropout={dropout}")
        self.units = units
        self.activation = activation
        self.dropout = float(dropout)
        self.use_bn = bool(use_bn)
        self.l2_reg = float(l2_reg)
        self.output_activation = output_activation
        self.seed = seed
        reg = keras.regularizers.L2(self.l2_reg) if self.l2_reg > 0 else None
        n = len(units)
        self.dense_layers = [
            keras.layers.Dense(u, kernel_regularizer=reg, use_bias=not self.use_bn,
                               kernel_initializer=keras.initializers.GlorotNormal(
                                   seed=None if seed is None else seed + i),
                               name=f"dense_{i}")
            for i, u in enumerate(units)
        ]
        self.bn_layers = [keras.layers.BatchNormalization(name=f"bn_{i}") for i in range(n)] if self.use_bn else []
        acts = [activation] * (n - 1) + [activation if output_activation is None else output_activation]
        self.activations = [keras.layers.Activation(a, name=f"act_{i}") for i, a in enumerate(acts)]
        self.dropouts = [keras.layers.Dropout(self.dropout, seed=seed, name=f"dropout_{i}")
                         for i in range(n)] if self.dropout > 0 else []

    def build(self, input_shape):
        # Built explicitly (not lazily in call) so that a saved tower reloads its weights.
        shape = tuple(input_shape)
        for i, dense in enumerate(self.dense_layers):
            dense.build(shape)
            shape = shape[:-1] + (dense.units,)
            if self.use_bn:
                self.bn_layers[i].build(shape)
        self.built = True

    def call(self, inputs, training=None):
        x = inputs
        for i, dense in enumerate(self.dense_layers):
            x = self.after_dense(i, dense(x), training)
        return x

    def after_dense(self, i: int, x, training=None):
        """Layer ``i``'s batch normalisation, activation and dropout applied to its Dense output ``x``."""
        if self.use_bn:
            x = self.bn_layers[i](x, training=training)
        x = self.activations[i](x)
        if self.dropouts:
            x = self.dropouts[i](x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units[-1],)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "dropout": self.dropout, "use_bn": self.use_bn, "l2_reg": self.l2_reg,
                "output_activation": self.output_activation, "seed": self.seed}


@keras.saving.register_keras_serializable(package="matchkit")
class JoinedDNN(DNN):
    """``rows [B, K, d]``, ``shared [B, P]`` -> ``[B, K, units[-1]]``: the :class:`DNN` of
    ``concat([rows[:, k], shared])`` for every ``k`` (a multi-interest user's interests, each joined with the
    profile).

    The weights are those of a ``DNN`` on the ``d + P``-wide concatenation, but the first layer is computed
    as ``rows @ W[:d] + (shared @ W[d:])`` broadcast over ``K``: the shared part is multiplied once per row
    of the batch instead of ``K`` times, and the tiled copy is never built.
    """

    def build(self, rows_shape, shared_shape):
        rows_shape, shared_shape = tuple(rows_shape), tuple(shared_shape)
        super().build(rows_shape[:-1] + (int(rows_shape[-1]) + int(shared_shape[-1]),))

    def call(self, rows, shared, training=None):
        first, width = self.dense_layers[0], rows.shape[-1]
        kernel = first.kernel
        x = ops.matmul(rows, kernel[:width]) + ops.expand_dims(ops.matmul(shared, kernel[width:]), 1)
        if first.use_bias:
            x = x + first.bias
        x = self.after_dense(0, x, training)
        for i, dense in enumerate(self.dense_layers[1:], start=1):
            x = self.after_dense(i, dense(x), training)
        return x

    def compute_output_shape(self, rows_shape, shared_shape=None):
        return tuple(rows_shape[:-1]) + (self.units[-1],)
