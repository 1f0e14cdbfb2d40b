"""Sampled softmax over one positive and shared negatives; in-batch softmax is a special case."""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from matchkit.errors import ConfigError

# Logit given to masked negatives: finite (no NaN from inf - inf) yet exp() underflows to exactly 0.
MASKED_LOGIT = float(np.finfo(np.float32).min) / 100.0


def check_temperature(temperature: Any) -> float:
    """``temperature`` as a float after checking it is a positive number."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) \
            or not float(temperature) > 0.0:
        raise ConfigError(f"temperature should be a positive number, received temperature={temperature!r}")
    return float(temperature)


def weighted_mean(per_row: tf.Tensor, sample_weight: tf.Tensor | None) -> tf.Tensor:
    """``sum(w * loss) / B`` (Keras' ``sum_over_batch_size``); ``w = 1`` when ``sample_weight`` is None."""
    if sample_weight is None:
        return tf.reduce_mean(per_row)
    weights = tf.reshape(tf.cast(sample_weight, per_row.dtype), [-1])
    return tf.reduce_sum(per_row * weights) / tf.cast(tf.size(per_row), per_row.dtype)


class SampledSoftmaxLoss:
    """Softmax cross-entropy of each user against its positive and ``N`` shared negatives.

    ``logits[b] = [<u_b, p_b>, <u_b, n_1>, ..., <u_b, n_N>] / temperature``; with ``logq_correction``
    the log sampling probability is subtracted (``pos_logq[b]`` from column 0, ``neg_logq[j]`` from
    column ``j + 1``); with ``remove_accidental_hits`` every negative whose id equals the row's positive
    id is masked out. The label is column 0. In-batch softmax is ``neg_emb = pos_emb``,
    ``neg_ids = pos_ids``: masking then removes the row's own item and any duplicate of it in the batch.

    Args:
        temperature: positive divisor of the dot products.
        logq_correction: subtract the log sampling probabilities (Yi et al., 2019).
        remove_accidental_hits: mask negatives equal to the row's positive.
    """

    def __init__(self, temperature: float = 0.05, logq_correction: bool = True,
                 remove_accidental_hits: bool = True) -> None:
        self.temperature = check_temperature(temperature)
        self.logq_correction = bool(logq_correction)
        self.remove_accidental_hits = bool(remove_accidental_hits)

    def logits(self, user_emb, pos_emb, pos_ids, neg_emb, neg_ids, pos_logq, neg_logq,
               row_neg_emb=None, row_neg_ids=None) -> tf.Tensor:
        """The corrected and masked ``float32 [B, 1 + N (+ H)]`` logits; column 0 is the positive.

        ``row_neg_emb [B, H, D]`` / ``row_neg_ids int [B, H]`` are optional negatives of each row alone
        (e.g. the user's own history items); they get no log-Q correction, and ids 0 (padding) or equal
        to the row's positive are masked.
        """
        user_emb = tf.cast(user_emb, tf.float32)
        pos = tf.reduce_sum(user_emb * tf.cast(pos_emb, tf.float32), axis=-1, keepdims=True)
        neg = tf.matmul(user_emb, tf.cast(neg_emb, tf.float32), transpose_b=True)
        pos, neg = pos / self.temperature, neg / self.temperature
        if self.logq_correction:
            pos = pos - tf.cast(tf.reshape(pos_logq, [-1, 1]), tf.float32)
            neg = neg - tf.cast(tf.reshape(neg_logq, [1, -1]), tf.float32)
        if self.remove_accidental_hits:
            hit = tf.equal(tf.reshape(tf.cast(pos_ids, tf.int64), [-1, 1]),
                           tf.reshape(tf.cast(neg_ids, tf.int64), [1, -1]))
            neg = tf.where(hit, tf.constant(MASKED_LOGIT, tf.float32), neg)
        if row_neg_emb is None:
            return tf.concat([pos, neg], axis=1)
        row = tf.einsum("bd,bhd->bh", user_emb, tf.cast(row_neg_emb, tf.float32)) / self.temperature
        row_ids = tf.cast(row_neg_ids, tf.int64)
        same = tf.equal(row_ids, tf.reshape(tf.cast(pos_ids, tf.int64), [-1, 1]))
        drop = tf.logical_or(tf.equal(row_ids, 0), same)
        row = tf.where(drop, tf.constant(MASKED_LOGIT, tf.float32), row)
        return tf.concat([pos, neg, row], axis=1)

    def __call__(self, user_emb: tf.Tensor, pos_emb: tf.Tensor, pos_ids: tf.Tensor, neg_emb: tf.Tensor,
                 neg_ids: tf.Tensor, pos_logq: tf.Tensor, neg_logq: tf.Tensor,
                 sample_weight: tf.Tensor | None = None, row_neg_emb: tf.Tensor | None = None,
                 row_neg_ids: tf.Tensor | None = None) -> tf.Tensor:
        """Mean loss, a ``float32`` scalar.

        Args:
            user_emb: ``[B, D]``; pos_emb: ``[B, D]``; pos_ids: ``int [B]``.
            neg_emb: ``[N, D]``; neg_ids: ``int [N]``.
            pos_logq: ``float [B]``; neg_logq: ``float [N]`` (ignored without ``logq_correction``).
            sample_weight: optional ``[B]`` row weights; the result is ``sum(w * loss) / B``.
            row_neg_emb, row_neg_ids: optional per-row negatives, see :meth:`logits`.
        """
        logits = self.logits(user_emb, pos_emb, pos_ids, neg_emb, neg_ids, pos_logq, neg_logq,
                             row_neg_emb, row_neg_ids)
        per_row = tf.reduce_logsumexp(logits, axis=1) - logits[:, 0]
        return weighted_mean(per_row, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "logq_correction": self.logq_correction,
                "remove_accidental_hits": self.remove_accidental_hits}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "SampledSoftmaxLoss":
        return cls(**config)
