"""CapsuleRouting against a numpy transcription of the routing, masking, and its config round trip."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.layers import CapsuleRouting
from matchkit.layers.capsule_routing import squash
from layer_helpers import assert_config_round_trip


def numpy_routing(x, lengths, kernel, logits0, k, units, iterations, shared):
    """The routing of the layer's docstring, one row at a time."""
    out = []
    for row, n in zip(x, lengths):
        h = row @ kernel  # [L, D] or [L, K * D]
        h = np.repeat(h[None], k, 0) if shared else h.reshape(len(row), k, units).transpose(1, 0, 2)  # [K, L, D]
        b = logits0.copy()
        valid = (np.arange(len(row)) < n).astype(np.float32)
        for i in range(iterations):
            w = np.exp(b) / np.exp(b).sum(0, keepdims=True) * valid  # softmax over the interests
            z = (w[:, :, None] * h).sum(1)
            sq = (z ** 2).sum(-1, keepdims=True)
            u = z * sq / (1 + sq) / np.sqrt(sq + 1e-9)
            b = b + (h * u[:, None, :]).sum(-1)
        out.append(u)
    return np.stack(out)


@pytest.mark.parametrize("shared", [True, False])
def test_matches_numpy_with_padding(shared):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6, 5)).astype(np.float32)
    lengths = np.array([6, 3, 1, 0], np.int32)
    layer = CapsuleRouting(3, 4, iterations=3, shared_map=shared, seed=1)
    got = np.asarray(layer(x, lengths))
    kernel, logits0 = (w.numpy() for w in (layer.kernel, layer.initial_logits))
    want = numpy_routing(x, lengths, kernel, logits0, 3, 4, 3, shared)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert got.shape == (4, 3, 4)
    np.testing.assert_array_equal(got[3], 0)  # no history: zero capsules, not NaN
    assert (np.linalg.norm(got[:3], axis=-1) < 1).all()  # squashed
    # padding does not matter: change what lies beyond each length
    x2 = x.copy()
    x2[1, 3:] = 100.0
    np.testing.assert_allclose(np.asarray(layer(x2, lengths))[1], got[1], rtol=1e-5, atol=1e-6)


def test_start_logits_are_fixed_random_for_shared_map_and_zero_otherwise():
    shared, per_interest = CapsuleRouting(2, 4, seed=3), CapsuleRouting(2, 4, shared_map=False, seed=3)
    x, lengths = np.ones((1, 5, 3), np.float32), np.array([5])
    shared(x, lengths), per_interest(x, lengths)
    assert not shared.initial_logits.trainable and np.abs(shared.initial_logits.numpy()).sum() > 0
    np.testing.assert_array_equal(per_interest.initial_logits.numpy(), 0)
    assert per_interest.kernel.shape == (3, 8)


def test_squash_keeps_direction_and_bounds_the_norm():
    z = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    out = np.asarray(squash(z))
    np.testing.assert_allclose(out[0], np.array([3, 4]) / 5 * 25 / 26, rtol=1e-5)  # |z|=5: 25/26 of unit
    np.testing.assert_array_equal(out[1], 0)


def test_gradient_reaches_the_map_only_through_the_last_round():
    import tensorflow as tf

    layer = CapsuleRouting(2, 3, iterations=2, seed=0)
    x = tf.constant(np.random.default_rng(1).standard_normal((2, 4, 3)), tf.float32)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x, tf.constant([4, 2])))
    grad = tape.gradient(y, layer.kernel)
    assert grad is not None and np.isfinite(grad.numpy()).all()


def test_config_round_trip_and_bad_arguments():
    x, lengths = np.random.default_rng(2).standard_normal((3, 5, 4)).astype(np.float32), np.array([5, 2, 0])
    assert_config_round_trip(CapsuleRouting(2, 3, iterations=2, shared_map=False, seed=4), x, lengths)
    with pytest.raises(ConfigError, match="n_interests should be an integer >= 1, received n_interests=0"):
        CapsuleRouting(0, 3)
