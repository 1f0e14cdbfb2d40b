"""In-batch negatives: every other positive of the batch is a negative for each row."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from matchkit.samplers import SAMPLERS
from matchkit.samplers.base import Sampler, check_item_counts, log_probs, reject_unknown


@SAMPLERS.register("inbatch")
class InBatchSampler(Sampler):
    """Negatives are the batch's own positives: ``neg_ids = positive_ids`` (``N = B``).

    An item's chance to be an in-batch negative is proportional to its share of training interactions,
    so ``logq = log(count / total)``; with ``item_counts=None`` the correction is off (``logq = 0``).
    Items with count 0 get the smallest positive count's logq. Pair it with a loss that masks
    accidental hits: the row's own item, and any duplicate of it in the batch, is among the negatives.

    Args:
        item_counts: ``int [n_items + 1]`` training interactions per id (index 0 = padding), or ``None``.
    """

    in_batch = True

    def __init__(self, item_counts: np.ndarray | None = None, **unknown: Any) -> None:
        super().__init__(name="inbatch_sampler")
        reject_unknown("inbatch", unknown, ("item_counts",))
        if item_counts is None:
            self.logq_table = None
        else:
            counts = check_item_counts(item_counts, "inbatch", need_positive=True)
            self.logq_table = tf.constant(log_probs(counts))

    def sample(self, positive_ids: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        del seed
        ids = tf.cast(positive_ids, tf.int32)
        if self.logq_table is None:
            logq = tf.zeros(tf.shape(ids), tf.float32)
        else:
            logq = tf.gather(self.logq_table, ids)
        return ids, logq, logq
