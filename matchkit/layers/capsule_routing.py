"""Behaviour-to-interest dynamic routing (MIND; ComiRec-DR)."""

from __future__ import annotations

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.pooling.sequence import valid_mask


def squash(z, epsilon: float = 1e-9):
    """Capsule squashing of the last axis: ``|z|^2 / (1 + |z|^2) * z / |z|`` (norm below 1, zero stays zero)."""
    sq = ops.sum(ops.square(z), axis=-1, keepdims=True)
    return z * (sq / (1.0 + sq)) * ops.rsqrt(sq + epsilon)


@keras.saving.register_keras_serializable(package="matchkit")
class CapsuleRouting(keras.layers.Layer):
    """``[B, L, d]`` behaviour embeddings -> ``[B, K, D]`` interest capsules by dynamic routing.

    Each behaviour ``e_l`` is mapped to ``h_kl = e_l S`` (``shared_map``, MIND) or ``e_l S_k`` (one map per
    interest, ComiRec-DR). Routing logits ``b [K, L]`` start from fixed N(0, 1) draws (``shared_map``: with
    one map, only the start tells the interests apart) or from zeros, and for ``iterations`` rounds::

        w_kl = softmax_k(b_kl) * valid_l        # each behaviour spreads over the interests
        u_k  = squash(sum_l w_kl h_kl)
        b_kl += h_kl . u_k                      # (not after the last round)

    As in ComiRec, gradients reach ``h`` only through the last round. Padding positions (beyond
    ``lengths``) take no part; a row without history gives zero capsules.

    Args:
        n_interests: ``K``; units: ``D``; iterations: routing rounds (>= 1).
        shared_map: one bilinear map for all interests (MIND) or one per interest (ComiRec-DR).
        seed: seed of the map initialiser and the fixed starting logits.

    Call args: ``inputs`` float ``[B, L, d]``; ``lengths`` int ``[B]`` (valid positions first).
    """

    def __init__(self, n_interests: int, units: int, iterations: int = 3, shared_map: bool = True,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        for name, value, low in (("n_interests", n_interests, 1), ("units", units, 1), ("iterations", iterations, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"CapsuleRouting {name} should be an integer >= {low}, received {name}={value!r}")
        self.n_interests, self.units, self.iterations = n_interests, units, iterations
        self.shared_map, self.seed = bool(shared_map), seed

    def build(self, inputs_shape, lengths_shape=None):
        steps, dim = int(inputs_shape[1]), int(inputs_shape[2])
        width = self.units if self.shared_map else self.units * self.n_interests
        self.kernel = self.add_weight(name="kernel", shape=(dim, width),
                                      initializer=keras.initializers.GlorotNormal(seed=self.seed))
        init = (keras.initializers.RandomNormal(stddev=1.0, seed=None if self.seed is None else self.seed + 1)
                if self.shared_map else "zeros")
        self.initial_logits = self.add_weight(name="initial_logits", shape=(self.n_interests, steps),
                                              initializer=init, trainable=False)

    def call(self, inputs, lengths):
        valid = ops.cast(valid_mask(inputs, lengths), inputs.dtype)[:, None, :]  # [B, 1, L]
        mapped = ops.matmul(inputs, self.kernel)  # [B, L, D] (shared) or [B, L, K * D]
        if self.shared_map:
            pool, agree = "bkl,bld->bkd", "bld,bkd->bkl"
        else:
            shape = ops.shape(inputs)
            mapped = ops.reshape(mapped, (shape[0], shape[1], self.n_interests, self.units))  # [B, L, K, D]
            pool, agree = "bkl,blkd->bkd", "blkd,bkd->bkl"
        fixed = ops.stop_gradient(mapped)
        logits = self.initial_logits[None] * ops.ones_like(valid)  # [B, K, L]
        for i in range(self.iterations):
            weights = ops.softmax(logits, axis=1) * valid  # each behaviour spreads over the interests
            last = i == self.iterations - 1
            capsules = squash(ops.einsum(pool, weights, mapped if last else fixed))  # [B, K, D]
            if not last:
                logits = logits + ops.einsum(agree, fixed, capsules)
        return capsules

    def compute_output_shape(self, inputs_shape, lengths_shape=None):
        return (inputs_shape[0], self.n_interests, self.units)

    def get_config(self):
        return {**super().get_config(), "n_interests": self.n_interests, "units": self.units,
                "iterations": self.iterations, "shared_map": self.shared_map, "seed": self.seed}
