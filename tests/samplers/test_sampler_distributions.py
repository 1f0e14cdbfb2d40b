"""Statistical checks: 200k draws per sampler, compared with the intended distribution by chi-square.

Each check also scores the same draws against a plausible wrong distribution and requires that to be
rejected by a wide margin, so the tolerance is tight enough that a wrong sampler cannot pass.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from matchkit.samplers import SAMPLERS  # noqa: E402

DRAWS = 200_000


def chi2(ids, probs):
    """Pearson statistic of the draws ``ids`` against ``probs [n + 1]`` over ids with probs > 0."""
    observed = np.bincount(ids, minlength=probs.shape[0])
    support = probs > 0
    assert observed[~support].sum() == 0, "drew an id with probability 0"
    expected = probs[support] * ids.size
    return float(((observed[support] - expected) ** 2 / expected).sum()), int(support.sum() - 1)


def limit(dof):
    """About 6 standard deviations above the chi-square mean: a correct sampler fails ~1e-8 of the time."""
    return dof + 6 * np.sqrt(2 * dof)


def draw(sampler, seed, positives=(1,)):
    sample = tf.function(sampler.sample, jit_compile=True)
    return sample(tf.constant(positives, tf.int32), tf.constant(seed, tf.int32))


def test_frequency_follows_count_to_the_distortion():
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 400, size=41).astype(np.int64)
    counts[0] = 0                  # padding
    counts[[5, 17, 30]] = 0        # never seen: never drawn
    sampler = SAMPLERS.build("frequency", item_counts=counts, num_sampled=DRAWS, distortion=0.75)
    ids, neg_logq, _ = (t.numpy() for t in draw(sampler, [11, 12]))
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    stat, dof = chi2(ids, expected)
    assert stat < limit(dof), (stat, dof)
    wrong, _ = chi2(ids, counts / counts.sum())   # plain unigram (distortion 1) must be rejected
    assert wrong > 10 * limit(dof), wrong
    np.testing.assert_allclose(neg_logq, np.log(expected[ids]), rtol=1e-5)


def test_frequency_distortion_one_is_plain_unigram():
    counts = np.array([0, 1, 2, 3, 4, 90], np.int64)
    sampler = SAMPLERS.build("frequency", item_counts=counts, num_sampled=DRAWS, distortion=1.0)
    ids, neg_logq, pos_logq = (t.numpy() for t in draw(sampler, [1, 1], positives=(5, 2)))
    stat, dof = chi2(ids, counts / 100)
    assert stat < limit(dof), stat
    np.testing.assert_allclose(pos_logq, np.log([0.90, 0.02]), rtol=1e-5)


def test_uniform_is_flat_over_real_items():
    n = 60
    sampler = SAMPLERS.build("uniform", item_counts=np.arange(n + 1), num_sampled=DRAWS)
    ids, neg_logq, pos_logq = (t.numpy() for t in draw(sampler, [3, 4], positives=(2, 9, 9)))
    flat = np.r_[0.0, np.full(n, 1 / n)]
    stat, dof = chi2(ids, flat)            # also asserts padding 0 is never drawn
    assert stat < limit(dof), stat
    assert ids.max() == n
    tilted = np.r_[0.0, np.linspace(0.9, 1.1, n)]  # a +-10% tilt must be rejected
    assert chi2(ids, tilted / tilted.sum())[0] > 3 * limit(dof)
    np.testing.assert_allclose(neg_logq, np.log(1 / n), rtol=1e-6)
    np.testing.assert_allclose(pos_logq, np.full(3, np.log(1 / n)), rtol=1e-6)


def test_adaptive_starts_uniform_and_follows_updates():
    n = 20
    sampler = SAMPLERS.build("adaptive", item_counts=np.zeros(n + 1, np.int64), num_sampled=DRAWS)
    ids = draw(sampler, [1, 2])[0].numpy()
    uniform = np.r_[0.0, np.full(n, 1 / n)]
    assert chi2(ids, uniform)[0] < limit(n - 1)

    update = tf.function(sampler.update, jit_compile=True)
    update(tf.constant([3] * 300 + [7] * 100 + [0] * 50, tf.int32))   # padding is not counted
    update(tf.constant([3] * 100 + [19] * 20, tf.int32))
    counts = np.r_[0.0, np.ones(n)]
    counts[3] += 400
    counts[7] += 100
    counts[19] += 20
    np.testing.assert_array_equal(sampler.counts.numpy(), counts)

    ids, neg_logq, pos_logq = (t.numpy() for t in draw(sampler, [5, 6], positives=(3, 19)))
    expected = counts / counts.sum()
    stat, dof = chi2(ids, expected)
    assert stat < limit(dof), stat
    assert chi2(ids, uniform)[0] > 100 * limit(dof)   # the initial distribution must be rejected
    np.testing.assert_allclose(neg_logq, np.log(expected[ids]), rtol=1e-5)
    np.testing.assert_allclose(pos_logq, np.log(expected[[3, 19]]), rtol=1e-5)
    assert not sampler.counts.trainable
