"""Negatives drawn by a unigram distribution learned from the positives seen so far."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from matchkit.samplers import SAMPLERS
from matchkit.samplers.base import Sampler, check_sampled_args, draw_from_cdf


@SAMPLERS.register("adaptive")
class AdaptiveSampler(Sampler):
    """``num_sampled`` ids drawn with replacement with probability ``∝`` a learned count.

    Like TF's ``learned_unigram_candidate_sampler``: ``counts`` is a non-trainable ``float32``
    variable ``[n_items + 1]`` starting at 1 for every real item (all drawable) and 0 for padding;
    :meth:`update` adds one per positive id (padding ignored; under a multi-replica strategy, the ids
    of all replicas); :meth:`sample` draws from, and takes logq from, the current counts. The
    variable is tracked, so checkpoints carry it.

    Args:
        num_sampled: negatives per batch (``N``), a positive integer.
        item_counts: ``[n_items + 1]`` array; only its length is used.
    """

    def __init__(self, num_sampled: int | None = None, item_counts: np.ndarray | None = None,
                 **unknown: Any) -> None:
        super().__init__(name="adaptive_sampler")
        self.num_sampled, counts = check_sampled_args("adaptive", num_sampled, item_counts, unknown)
        self.n_items = counts.shape[0] - 1
        init = np.ones(self.n_items + 1, np.float32)
        init[0] = 0.0
        self.counts = tf.Variable(init, trainable=False, name="adaptive_counts")

    def update(self, positive_ids: tf.Tensor) -> None:
        ids = tf.cast(positive_ids, tf.int32)
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:
            # Every replica adds every replica's ids to its own copy, so the copies stay equal.
            ids = replica.all_gather(ids, axis=0)
        ones = tf.cast(ids > 0, tf.float32)
        self.counts.assign_add(tf.math.unsorted_segment_sum(ones, ids, self.n_items + 1))

    def sample(self, positive_ids: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        counts = self.counts.read_value()
        cdf = tf.cumsum(counts)
        log_table = tf.math.log(tf.maximum(counts, 1.0)) - tf.math.log(cdf[-1])
        neg_ids = draw_from_cdf(cdf, self.num_sampled, seed)
        pos_logq = tf.gather(log_table, tf.cast(positive_ids, tf.int32))
        return neg_ids, tf.gather(log_table, neg_ids), pos_logq
