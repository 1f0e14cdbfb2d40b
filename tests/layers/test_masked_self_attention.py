"""MaskedSelfAttention is keras.layers.MultiHeadAttention with a key mask (+ residual, LayerNorm), in numpy too."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.layers import MaskedSelfAttention
from layer_helpers import assert_config_round_trip

B, L, D, H = 4, 5, 8, 2
RNG = np.random.default_rng(1)
X = RNG.normal(size=(B, L, D)).astype("float32")
LENGTHS = np.array([1, 3, 5, 2], dtype="int32")


def built(num_heads=H, seed=0, use_bias=True):
    layer = MaskedSelfAttention(num_heads, seed=seed, use_bias=use_bias)
    layer(X, LENGTHS)
    # non-trivial biases and LayerNorm parameters, so that the checks below cover them
    layer.set_weights([w + RNG.normal(scale=0.1, size=w.shape).astype("float32") for w in layer.get_weights()])
    return layer


def reference(layer, x, lengths):
    """The layer's formula in numpy, with its own weights (zero biases where it has none)."""
    w_qkv, b_qkv = (layer.qkv.get_weights() + [np.zeros(3 * D, "float32")])[:2]
    w_out, b_out = (layer.output_dense.get_weights() + [np.zeros(D, "float32")])[:2]
    gamma, beta = layer.norm.get_weights()
    d = D // layer.num_heads
    out = np.zeros_like(x)
    for b in range(x.shape[0]):
        n = min(lengths[b], x.shape[1])
        q, k, v = np.split(x[b] @ w_qkv + b_qkv, 3, axis=-1)  # [L, D] each, heads side by side
        heads = []
        for h in range(layer.num_heads):
            part = slice(h * d, (h + 1) * d)
            scores = q[:, part] @ k[:n, part].T / np.sqrt(d)  # [L, n]: only the valid keys
            a = np.exp(scores - scores.max(axis=1, keepdims=True))
            heads.append((a / a.sum(axis=1, keepdims=True)) @ v[:n, part])
        y = x[b] + np.concatenate(heads, axis=-1) @ w_out + b_out
        mean, var = y.mean(-1, keepdims=True), y.var(-1, keepdims=True)
        out[b] = (y - mean) / np.sqrt(var + layer.norm.epsilon) * gamma + beta
    return out


@pytest.mark.parametrize("use_bias", [True, False])
def test_matches_numpy(use_bias):
    layer = built(use_bias=use_bias)
    assert len(layer.get_weights()) == (6 if use_bias else 4)  # q/k/v and output kernels (+ biases), LayerNorm
    np.testing.assert_allclose(np.asarray(layer(X, LENGTHS)), reference(layer, X, LENGTHS), rtol=1e-4, atol=1e-5)


def test_equals_keras_multi_head_attention_with_the_same_weights():
    layer = built()
    mha = keras.layers.MultiHeadAttention(H, D // H)
    mha.build((B, L, D), (B, L, D))
    w_qkv, b_qkv = layer.qkv.get_weights()
    w_out, b_out = layer.output_dense.get_weights()
    kernels = np.split(w_qkv.reshape(D, 3, H, D // H), 3, axis=1)
    biases = np.split(b_qkv.reshape(3, H, D // H), 3, axis=0)
    mha.set_weights([kernels[0][:, 0], biases[0][0], kernels[1][:, 0], biases[1][0], kernels[2][:, 0], biases[2][0],
                     w_out.reshape(H, D // H, D), b_out])
    key_mask = np.broadcast_to((np.arange(L)[None, :] < LENGTHS[:, None])[:, None, :], (B, L, L))
    expected = layer.norm(X + mha(X, X, attention_mask=key_mask))
    np.testing.assert_allclose(np.asarray(layer(X, LENGTHS)), np.asarray(expected), rtol=1e-4, atol=1e-5)

    # and the same gradients: the key bias gets zero in both (the softmax removes it), the rest agree
    upstream = RNG.normal(size=(B, L, D)).astype("float32")
    with tf.GradientTape(persistent=True) as tape:
        ours = tf.reduce_sum(layer(X, LENGTHS) * upstream)
        theirs = tf.reduce_sum(layer.norm(X + mha(X, X, attention_mask=key_mask)) * upstream)
    d_kernel, d_bias = (np.asarray(g) for g in tape.gradient(ours, [layer.qkv.kernel, layer.qkv.bias]))
    mha_grads = [np.asarray(g) for g in tape.gradient(theirs, mha.trainable_variables[:6])]
    np.testing.assert_allclose(d_kernel.reshape(D, 3, H, D // H),
                               np.stack([mha_grads[0], mha_grads[2], mha_grads[4]], axis=1), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(d_bias.reshape(3, H, D // H), np.stack(mha_grads[1::2]), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(d_bias[D:2 * D], 0.0)


def test_padded_positions_do_not_reach_valid_outputs():
    layer = built()
    noisy = X.copy()
    for b, n in enumerate(LENGTHS):
        noisy[b, n:] = 50.0
    valid = np.arange(L)[None, :] < LENGTHS[:, None]
    np.testing.assert_allclose(np.asarray(layer(noisy, LENGTHS))[valid], np.asarray(layer(X, LENGTHS))[valid],
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("use_bias", [True, False])
def test_empty_rows_are_finite_with_finite_gradients_under_xla(use_bias):
    layer = built(use_bias=use_bias)
    x = tf.constant(X)

    @tf.function(jit_compile=True)
    def run():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, tf.zeros([B], tf.int32))
            loss = tf.reduce_sum(y ** 2)
        return y, tape.gradient(loss, [x] + layer.trainable_variables)

    y, grads = run()
    assert np.isfinite(y.numpy()).all() and all(np.isfinite(g.numpy()).all() for g in grads)


@pytest.mark.parametrize("kwargs,text", [({"num_heads": 0}, "num_heads=0"), ({"num_heads": 3}, "num_heads=3"),
                                         ({"dropout": 1.0}, "dropout=1.0")])
def test_bad_arguments(kwargs, text):
    with pytest.raises(ConfigError, match=text):
        MaskedSelfAttention(**kwargs)(X, LENGTHS)


def test_get_config_round_trip():
    assert_config_round_trip(MaskedSelfAttention(4, dropout=0.1, seed=3, name="sa"), X, LENGTHS)
    assert_config_round_trip(MaskedSelfAttention(2, seed=3, use_bias=False, name="sa"), X, LENGTHS)


@pytest.mark.parametrize("rows", [1, 3])
def test_each_row_attends_alone_for_any_batch_size_with_or_without_lengths(rows):
    layer = built()
    compiled = tf.function(layer, jit_compile=True)
    np.testing.assert_allclose(np.asarray(compiled(tf.constant(X[:rows]), tf.constant(LENGTHS[:rows]))),
                               reference(layer, X[:rows], LENGTHS[:rows]), rtol=1e-4, atol=1e-5)
    full = np.full(rows, L, "int32")
    np.testing.assert_allclose(np.asarray(layer(X[-rows:])), reference(layer, X[-rows:], full), rtol=1e-4, atol=1e-5)
