"""Negatives drawn by item frequency raised to a distortion power (word2vec / DeepMatch style)."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.samplers import SAMPLERS
from matchkit.samplers.base import Sampler, check_sampled_args, draw_from_cdf, log_probs


@SAMPLERS.register("frequency")
class FrequencySampler(Sampler):
    """``num_sampled`` ids drawn with replacement with probability ``∝ count ** distortion``.

    The semantics of TF's ``fixed_unigram_candidate_sampler(unique=False)``: ``distortion=1`` is the
    plain unigram, smaller values flatten it (0.75 as in word2vec). Items with count 0 are never drawn;
    as positives they get the smallest drawable item's logq so the correction stays finite.

    Args:
        num_sampled: negatives per batch (``N``), a positive integer.
        item_counts: ``int [n_items + 1]`` training interactions per id (index 0 = padding), not all 0.
        distortion: exponent in ``(0, 1]``.
    """

    def __init__(self, num_sampled: int | None = None, item_counts: np.ndarray | None = None,
                 distortion: float = 0.75, **unknown: Any) -> None:
        super().__init__(name="frequency_sampler")
        self.num_sampled, counts = check_sampled_args(
            "frequency", num_sampled, item_counts, unknown, extra=("distortion",), need_positive=True
        )
        if isinstance(distortion, bool) or not isinstance(distortion, (int, float, np.number)) \
                or not 0.0 < float(distortion) <= 1.0:
            raise ConfigError(f"distortion should be in (0, 1], received distortion={distortion!r}")
        self.distortion = float(distortion)
        weights = counts ** self.distortion
        self.cdf = tf.constant(np.cumsum(weights / weights.sum()), tf.float32)
        self.logq_table = tf.constant(log_probs(weights))

    def sample(self, positive_ids: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        neg_ids = draw_from_cdf(self.cdf, self.num_sampled, seed)
        pos_logq = tf.gather(self.logq_table, tf.cast(positive_ids, tf.int32))
        return neg_ids, tf.gather(self.logq_table, neg_ids), pos_logq
