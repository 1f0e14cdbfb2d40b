"""Multi-interest extraction by self-attention (ComiRec-SA)."""

from __future__ import annotations

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.layers.masked_softmax import masked_softmax
from matchkit.pooling.sequence import valid_mask


@keras.saving.register_keras_serializable(package="matchkit")
class SelfAttentiveInterests(keras.layers.Layer):
    """``[B, L, d]`` behaviour embeddings -> ``[B, K, d]``: ``K`` attention-weighted sums of the behaviours.

    ``A = softmax_L(W2^T tanh(W1^T (e_l + p_l)))`` with a trainable position embedding ``p`` (ComiRec-SA);
    interest ``k`` is ``sum_l A_kl e_l`` over the valid positions (zeros for a row without history).

    Args:
        n_interests: ``K``; hidden_units: width of ``W1`` (ComiRec: 4 x d); seed: initialiser seed.

    Call args: ``inputs`` float ``[B, L, d]``; ``lengths`` int ``[B]``.
    """

    def __init__(self, n_interests: int, hidden_units: int, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("n_interests", n_interests), ("hidden_units", hidden_units)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"SelfAttentiveInterests {name} should be a positive integer, received "
                                  f"{name}={value!r}")
        self.n_interests, self.hidden_units, self.seed = n_interests, hidden_units, seed

    def build(self, inputs_shape, lengths_shape=None):
        steps, dim = int(inputs_shape[1]), int(inputs_shape[2])

        def init(i):
            return keras.initializers.GlorotNormal(seed=None if self.seed is None else self.seed + i)

        self.positions = self.add_weight(name="positions", shape=(steps, dim), initializer=init(0))
        self.w1 = self.add_weight(name="w1", shape=(dim, self.hidden_units), initializer=init(1))
        self.w2 = self.add_weight(name="w2", shape=(self.hidden_units, self.n_interests), initializer=init(2))

    def call(self, inputs, lengths):
        hidden = ops.tanh(ops.matmul(inputs + self.positions, self.w1))  # [B, L, H]
        logits = ops.transpose(ops.matmul(hidden, self.w2), (0, 2, 1))  # [B, K, L]
        weights = masked_softmax(logits, valid_mask(inputs, lengths)[:, None, :])
        return ops.matmul(weights, inputs)  # [B, K, d]

    def compute_output_shape(self, inputs_shape, lengths_shape=None):
        return (inputs_shape[0], self.n_interests, inputs_shape[2])

    def get_config(self):
        return {**super().get_config(), "n_interests": self.n_interests, "hidden_units": self.hidden_units,
                "seed": self.seed}
