"""UnrolledLSTM: keras.layers.LSTM(return_sequences=True), written step by step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.layers import UnrolledLSTM
from layer_helpers import assert_config_round_trip

RNG = np.random.default_rng(4)
X = RNG.normal(size=(6, 5, 3)).astype("float32")


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_matches_numpy():
    layer = UnrolledLSTM(4)
    out = np.asarray(layer(X))
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])  # forget bias 1
    h = c = np.zeros((6, 4), "float32")
    for t in range(5):
        i, f, g, o = np.split(X[:, t] @ kernel + h @ recurrent + bias, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        np.testing.assert_allclose(out[:, t], h, rtol=1e-5, atol=1e-6)


def test_equals_keras_lstm_with_the_same_weights_outputs_and_gradients():
    ours, theirs = UnrolledLSTM(4), keras.layers.LSTM(4, return_sequences=True, unroll=True)
    ours(X), theirs(X)
    weights = [w + RNG.normal(scale=0.3, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    x = tf.constant(X)
    upstream = tf.constant(RNG.normal(size=(6, 5, 4)).astype("float32"))

    def grads(layer):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = layer(x)
            loss = tf.reduce_sum(out * upstream)
        return out, tape.gradient(loss, [x, *layer.trainable_weights])

    (out_ours, g_ours), (out_theirs, g_theirs) = grads(ours), grads(theirs)
    np.testing.assert_allclose(out_ours, out_theirs, rtol=1e-5, atol=1e-6)
    assert len(g_ours) == len(g_theirs) == 4
    for a, b in zip(g_ours, g_theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_needs_a_positive_integer_width_and_a_static_length():
    with pytest.raises(ConfigError, match="positive integer"):
        UnrolledLSTM(0)
    with pytest.raises(ValueError, match="static sequence length"):
        UnrolledLSTM(4)(keras.Input(shape=(None, 3)))


def test_get_config_round_trip():
    assert_config_round_trip(UnrolledLSTM(4, kernel_initializer=keras.initializers.GlorotUniform(seed=3),
                                          name="lstm"), X)


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_each_row_is_its_own_recurrence_for_any_batch_size(rows):
    layer = UnrolledLSTM(4)
    full = np.asarray(layer(X))
    compiled = tf.function(layer, jit_compile=True)
    np.testing.assert_allclose(np.asarray(compiled(tf.constant(X[:rows]))), full[:rows], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(X[-rows:])), full[-rows:], rtol=1e-5, atol=1e-6)
