"""An LSTM over a short sequence, written step by step (SDM's short-term session)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.layers.batch_halves import in_batch_halves


@keras.saving.register_keras_serializable(package="matchkit")
class UnrolledLSTM(keras.layers.Layer):
    """``[B, L, d] -> [B, L, units]``: the hidden state after each step of an LSTM that reads the sequence
    from the first position to the last, starting from zero states.

    The function and the weights of ``keras.layers.LSTM(units, return_sequences=True)`` with its defaults:
    ``kernel [d, 4 units]``, ``recurrent_kernel [units, 4 units]``, ``bias [4 units]`` (forget block
    initialised to 1), and per step ``z = x_t kernel + h recurrent_kernel + bias`` split into the input,
    forget, cell and output blocks, ``c = sigmoid(f) c + sigmoid(i) tanh(g)``, ``h = sigmoid(o) tanh(c)``.
    Written as plain tensor operations over the ``L`` steps (``L`` must be static): for SDM's 5-step
    session XLA runs this faster than ``keras.layers.LSTM(unroll=True)``. No mask: a row's padded positions
    must come after its valid ones, so that they never reach the valid outputs.

    Args:
        units: width of the hidden state.
        kernel_initializer, recurrent_initializer: Keras initialisers (names, configs or objects); the
            defaults are keras LSTM's.
    """

    def __init__(self, units: int, kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise ConfigError(f"UnrolledLSTM units should be a positive integer, received units={units!r}")
        self.units = units
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.recurrent_initializer = keras.initializers.get(recurrent_initializer)

    def build(self, inputs_shape):
        if inputs_shape[1] is None:
            raise ValueError(f"UnrolledLSTM needs a static sequence length, received shape {tuple(inputs_shape)}")
        units = self.units
        self.kernel = self.add_weight(name="kernel", shape=(int(inputs_shape[-1]), 4 * units),
                                      initializer=self.kernel_initializer)
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=(units, 4 * units),
                                                initializer=self.recurrent_initializer)

        def forget_bias_one(shape, dtype=None):
            return ops.concatenate([ops.zeros((units,), dtype), ops.ones((units,), dtype),
                                    ops.zeros((2 * units,), dtype)])

        self.bias = self.add_weight(name="bias", shape=(4 * units,), initializer=forget_bias_one)

    def call(self, inputs: Any) -> Any:
        return in_batch_halves(self._recurrence, inputs)

    def _recurrence(self, inputs: Any) -> Any:
        """``[b, L, d] -> [b, L, units]`` for some of the rows (``call`` runs it per half of the batch)."""
        hidden = cell = None
        outputs = []
        for t in range(inputs.shape[1]):
            z = ops.matmul(inputs[:, t], self.kernel) + self.bias  # [b, 4 units]
            if hidden is not None:  # the zero initial state adds nothing
                z = z + ops.matmul(hidden, self.recurrent_kernel)
            i, f, g, o = ops.split(z, 4, axis=-1)
            new = ops.sigmoid(i) * ops.tanh(g)
            cell = new if cell is None else ops.sigmoid(f) * cell + new
            hidden = ops.sigmoid(o) * ops.tanh(cell)
            outputs.append(hidden)
        return ops.stack(outputs, axis=1)

    def compute_output_shape(self, inputs_shape):
        return (inputs_shape[0], inputs_shape[1], self.units)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer)}
