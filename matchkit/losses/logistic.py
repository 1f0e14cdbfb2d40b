"""Pointwise logistic loss on (user, item, label) triples."""

from __future__ import annotations

from typing import Any

import tensorflow as tf

from matchkit.losses.retrieval import check_temperature, weighted_mean


class LogisticLoss:
    """Sigmoid cross-entropy of ``<user, item> / temperature`` against a 0/1 (or soft) label.

    Args:
        temperature: positive divisor of the dot products.
    """

    def __init__(self, temperature: float = 1.0) -> None:
        self.temperature = check_temperature(temperature)

    def __call__(self, user_emb: tf.Tensor, item_emb: tf.Tensor, labels: tf.Tensor,
                 sample_weight: tf.Tensor | None = None) -> tf.Tensor:
        """Mean loss, a ``float32`` scalar.

        Args:
            user_emb: ``[B, D]``; item_emb: ``[B, D]``; labels: ``float [B]`` in ``[0, 1]``.
            sample_weight: optional ``[B]`` row weights; the result is ``sum(w * loss) / B``.
        """
        logits = tf.reduce_sum(tf.cast(user_emb, tf.float32) * tf.cast(item_emb, tf.float32), axis=-1)
        per_row = tf.nn.sigmoid_cross_entropy_with_logits(
            labels=tf.reshape(tf.cast(labels, tf.float32), [-1]), logits=logits / self.temperature
        )
        return weighted_mean(per_row, sample_weight)

    def get_config(self) -> dict[str, Any]:
        return {"temperature": self.temperature}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LogisticLoss":
        return cls(**config)
