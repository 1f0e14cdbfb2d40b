"""QueryAttentionPooling against numpy and a hand-worked case: softmax of <q, x_l> / sqrt(D) over valid l."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from matchkit.layers import QueryAttentionPooling
from layer_helpers import assert_config_round_trip

B, L, D = 5, 4, 3
RNG = np.random.default_rng(0)
X = RNG.normal(size=(B, L, D)).astype("float32")
Q = RNG.normal(size=(B, D)).astype("float32")
LENGTHS = np.array([0, 1, 2, 4, 9], dtype="int32")  # empty, single, partial, full, longer than L (clipped)


def reference(x, q, lengths, scale=True):
    out = np.zeros((x.shape[0], x.shape[2]), np.float32)
    for b, n in enumerate(np.minimum(lengths, x.shape[1])):
        if n == 0:
            continue  # nothing to attend to -> zeros
        scores = x[b, :n] @ q[b] / (np.sqrt(x.shape[2]) if scale else 1.0)
        w = np.exp(scores - scores.max())
        out[b] = (w / w.sum()) @ x[b, :n]
    return out


@pytest.mark.parametrize("scale", [True, False])
def test_matches_numpy_with_masking(scale):
    out = QueryAttentionPooling(scale=scale)(X, Q, LENGTHS)
    np.testing.assert_allclose(np.asarray(out), reference(X, Q, LENGTHS, scale), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(out)[0], 0.0)


def test_hand_worked_example():
    # scores <q, x_l> / sqrt(2) = ln 2, 0 (the third, padded row would score 5 ln 2): weights 2/3, 1/3
    x = np.array([[[1, 0], [0, 1], [5, 5]]], np.float32)
    q = np.array([[np.log(2) * np.sqrt(2), 0]], np.float32)
    out = QueryAttentionPooling()(x, q, np.array([2], np.int32))
    np.testing.assert_allclose(np.asarray(out), [[2 / 3, 1 / 3]], rtol=1e-5)


def test_padding_values_do_not_matter_and_no_lengths_means_all_valid():
    noisy = X.copy()
    for b, n in enumerate(LENGTHS):
        noisy[b, n:] = 100.0
    layer = QueryAttentionPooling()
    np.testing.assert_allclose(np.asarray(layer(noisy, Q, LENGTHS)), np.asarray(layer(X, Q, LENGTHS)), atol=1e-6)
    full = np.full(B, L, np.int32)
    np.testing.assert_allclose(np.asarray(layer(X, Q)), reference(X, Q, full), rtol=1e-5, atol=1e-6)


def test_empty_row_has_finite_gradient_under_xla():
    layer = QueryAttentionPooling()
    x, q = tf.constant(X), tf.constant(Q)

    @tf.function(jit_compile=True)
    def grads():
        with tf.GradientTape() as tape:
            tape.watch([x, q])
            y = tf.reduce_sum(layer(x, q, tf.constant(LENGTHS)) ** 2)
        return tape.gradient(y, [x, q])

    gx, gq = grads()
    assert np.isfinite(gx.numpy()).all() and np.isfinite(gq.numpy()).all()
    np.testing.assert_array_equal(gq.numpy()[0], 0.0)  # the empty row does not depend on its query


def test_query_width_must_match():
    with pytest.raises(ValueError, match="query as wide as the sequence"):
        QueryAttentionPooling()(X, Q[:, :2], LENGTHS)


def test_get_config_round_trip():
    assert_config_round_trip(QueryAttentionPooling(scale=False, name="pool"), X, Q, LENGTHS)


def test_functional_save_load(tmp_path):
    x = keras.Input((L, D))
    q = keras.Input((D,))
    n = keras.Input((), dtype="int32")
    model = keras.Model([x, q, n], QueryAttentionPooling()(x, q, n))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded([X, Q, LENGTHS])), reference(X, Q, LENGTHS), rtol=1e-5, atol=1e-6)
