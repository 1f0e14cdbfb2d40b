"""Uniform negatives over every real item."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf

from matchkit.samplers import SAMPLERS
from matchkit.samplers.base import Sampler, check_sampled_args


@SAMPLERS.register("uniform")
class UniformSampler(Sampler):
    """``num_sampled`` ids drawn uniformly with replacement from ``1..n_items`` (never padding 0).

    Every id has ``logq = log(1 / n_items)``, so log-Q correction only shifts all logits equally.

    Args:
        num_sampled: negatives per batch (``N``), a positive integer.
        item_counts: ``[n_items + 1]`` array; only its length is used.
    """

    def __init__(self, num_sampled: int | None = None, item_counts: np.ndarray | None = None,
                 **unknown: Any) -> None:
        super().__init__(name="uniform_sampler")
        self.num_sampled, counts = check_sampled_args("uniform", num_sampled, item_counts, unknown)
        self.n_items = counts.shape[0] - 1
        self.logq = -math.log(self.n_items)

    def sample(self, positive_ids: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        neg_ids = tf.random.stateless_uniform(
            [self.num_sampled], seed, minval=1, maxval=self.n_items + 1, dtype=tf.int32
        )
        neg_logq = tf.fill([self.num_sampled], tf.constant(self.logq, tf.float32))
        pos_logq = tf.fill(tf.shape(positive_ids), tf.constant(self.logq, tf.float32))
        return neg_ids, neg_logq, pos_logq
