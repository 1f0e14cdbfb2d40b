"""The :class:`Sampler` interface and the checks and draws its implementations share.

Id 0 is padding everywhere: it has count 0 and is never drawn. Real items are ``1..n_items``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf

from matchkit.errors import ConfigError


class Sampler(tf.Module):
    """Draws the negatives shared by one training batch, with their log sampling probabilities.

    Subclasses implement :meth:`sample`; :meth:`update` is a no-op unless the distribution is learned.
    Both must run inside ``tf.function(jit_compile=True)``: randomness comes only from ``seed``.
    ``in_batch`` is True when the negatives are the batch's own positives (``neg_ids = positive_ids``),
    so a model can reuse the positives' item embeddings instead of embedding ``neg_ids`` again.
    """

    in_batch: bool = False

    def update(self, positive_ids: tf.Tensor) -> None:
        """Record one batch's positives ``int32 [B]``; called once per step before :meth:`sample`."""
        del positive_ids

    def sample(self, positive_ids: tf.Tensor, seed: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """Negatives for one batch.

        Args:
            positive_ids: ``int32 [B]`` the batch's positive item ids.
            seed: ``int32 [2]`` stateless seed; a different one each step.

        Returns:
            ``neg_ids int32 [N]``, ``neg_logq float32 [N]`` (log probability of drawing each negative)
            and ``pos_logq float32 [B]`` (the same for each positive), for log-Q correction.
        """
        raise NotImplementedError


def check_num_sampled(num_sampled: Any, sampler: str) -> int:
    """``num_sampled`` as an ``int`` after checking it is a positive integer."""
    if num_sampled is None:
        raise ConfigError(f"sampler '{sampler}' needs num_sampled (a positive integer), received none")
    if isinstance(num_sampled, bool) or not isinstance(num_sampled, (int, np.integer)) or num_sampled <= 0:
        raise ConfigError(
            f"num_sampled should be a positive integer, received num_sampled={num_sampled!r}"
        )
    return int(num_sampled)


def reject_unknown(sampler: str, unknown: dict[str, Any], accepted: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` naming any keyword the sampler does not take."""
    if unknown:
        raise ConfigError(
            f"sampler '{sampler}' does not take {', '.join(sorted(unknown))}; "
            f"it accepts: {', '.join(accepted) or '(nothing)'}"
        )


def check_item_counts(item_counts: Any, sampler: str, need_positive: bool = False) -> np.ndarray:
    """``item_counts`` as float64 ``[n_items + 1]`` with the padding entry forced to 0.

    Raises :class:`ConfigError` when it is missing, not 1-D, shorter than 2, negative, or (with
    ``need_positive``) zero for every item.
    """
    if item_counts is None:
        raise ConfigError(
            f"sampler '{sampler}' needs item_counts (training interactions per item id, index 0 = padding)"
        )
    counts = np.asarray(item_counts, dtype=np.float64)
    if counts.ndim != 1 or counts.shape[0] < 2:
        raise ConfigError(
            f"item_counts should be 1-D with n_items + 1 >= 2 entries, received shape {counts.shape}"
        )
    if not np.all(np.isfinite(counts)) or np.any(counts < 0):
        raise ConfigError(f"item_counts should be finite and non-negative, received min {counts.min()}")
    counts = counts.copy()
    counts[0] = 0.0
    if need_positive and not np.any(counts > 0):
        raise ConfigError(f"sampler '{sampler}' needs some item with a positive count; all item_counts are 0")
    return counts


def check_sampled_args(sampler: str, num_sampled: Any, item_counts: Any, unknown: dict[str, Any],
                       extra: tuple[str, ...] = (), need_positive: bool = False) -> tuple[int, np.ndarray]:
    """Checks shared by the samplers that draw ``num_sampled`` ids: ``(num_sampled, counts)``."""
    reject_unknown(sampler, unknown, ("num_sampled", "item_counts", *extra))
    num_sampled = check_num_sampled(num_sampled, sampler)
    return num_sampled, check_item_counts(item_counts, sampler, need_positive=need_positive)


def log_probs(weights: np.ndarray) -> np.ndarray:
    """``log(w / sum(w))`` as float32, with zero weights floored at the smallest positive one.

    The floor keeps log-Q correction finite for an item that can be a positive but is never drawn.
    """
    floor = weights[weights > 0].min()
    return np.log(np.maximum(weights, floor) / weights.sum()).astype(np.float32)


def draw_from_cdf(cdf: tf.Tensor, num: int, seed: tf.Tensor) -> tf.Tensor:
    """``num`` ids drawn with replacement from the unnormalised cumulative weights ``cdf [n + 1]``.

    ``cdf[0]`` must be 0 (padding); id ``i`` is drawn with probability ``(cdf[i] - cdf[i-1]) / cdf[-1]``,
    so a zero-weight id is never drawn. A fixed-depth binary search of gathers: XLA lowers
    ``tf.searchsorted`` to a dense ``[num, n]`` comparison, 10-30x slower at n = 3,707.
    """
    size = cdf.shape[0]
    total = cdf[-1]
    u = tf.random.stateless_uniform([num], seed, dtype=cdf.dtype) * total
    u = tf.minimum(u, tf.math.nextafter(total, tf.zeros_like(total)))
    # Invariant: cdf[lo] <= u < cdf[hi]; the answer is the first id with cdf[id] > u.
    lo = tf.zeros([num], tf.int32)
    hi = tf.fill([num], size - 1)
    for _ in range(max(1, math.ceil(math.log2(size)))):
        mid = (lo + hi) // 2
        right = tf.gather(cdf, mid) > u
        hi = tf.where(right, mid, hi)
        lo = tf.where(right, lo, mid)
    return hi
