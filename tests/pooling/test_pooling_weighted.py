"""WeightedSequencePooling against numpy, plain and softmax-normalised."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from matchkit.pooling import POOLINGS, WeightedSequencePooling

B, L, D = 4, 5, 3
RNG = np.random.default_rng(1)
X = RNG.normal(size=(B, L, D)).astype("float32")
W = RNG.normal(size=(B, L)).astype("float32")
LENGTHS = np.array([0, 1, 3, L], dtype="int32")


def reference(x, w, lengths, normalize):
    out = np.zeros((x.shape[0], x.shape[2]), dtype="float32")
    for b, n in enumerate(lengths):
        if n == 0:
            continue
        wb = w[b, :n]
        if normalize:
            wb = np.exp(wb - wb.max()) / np.exp(wb - wb.max()).sum()
        out[b] = (x[b, :n] * wb[:, None]).sum(0)
    return out


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("w_shape", [(B, L), (B, L, 1)])
@pytest.mark.parametrize("len_shape", [(B,), (B, 1)])
def test_matches_numpy(normalize, w_shape, len_shape):
    out = WeightedSequencePooling(normalize)(X, W.reshape(w_shape), lengths=LENGTHS.reshape(len_shape))
    np.testing.assert_allclose(out.numpy(), reference(X, W, LENGTHS, normalize), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("normalize", [False, True])
def test_mask_path_and_no_mask(normalize):
    mask = np.arange(L)[None, :] < LENGTHS[:, None]
    out = WeightedSequencePooling(normalize)(X, W, mask=mask)
    np.testing.assert_allclose(out.numpy(), reference(X, W, LENGTHS, normalize), rtol=1e-5, atol=1e-6)
    full = WeightedSequencePooling(normalize)(X, W)
    np.testing.assert_allclose(full.numpy(), reference(X, W, np.full(B, L), normalize), rtol=1e-5, atol=1e-6)


def test_normalized_empty_row_is_zero_with_finite_gradient():
    x, w = tf.Variable(X), tf.Variable(W)
    with tf.GradientTape() as tape:
        out = WeightedSequencePooling(normalize=True)(x, w, lengths=LENGTHS)
        loss = tf.reduce_sum(out)
    gx, gw = tape.gradient(loss, [x, w])
    assert (out.numpy()[0] == 0).all()
    assert np.isfinite(gx.numpy()).all() and np.isfinite(gw.numpy()).all()


@pytest.mark.parametrize("normalize", [False, True])
def test_jit_compile(normalize):
    layer = WeightedSequencePooling(normalize)
    fn = tf.function(lambda x, w, n: layer(x, w, lengths=n), jit_compile=True)
    np.testing.assert_allclose(fn(X, W, LENGTHS).numpy(), reference(X, W, LENGTHS, normalize), rtol=1e-5, atol=1e-6)


def test_get_config_round_trip_and_registry():
    layer = POOLINGS.build("weighted", normalize=True)
    assert isinstance(layer, WeightedSequencePooling)
    clone = WeightedSequencePooling.from_config(layer.get_config())
    assert clone.normalize is True and clone.name == layer.name


def test_functional_save_load(tmp_path):
    seq = keras.Input((L, D), name="seq")
    w = keras.Input((L,), name="w")
    n = keras.Input((), dtype="int32", name="n")
    out = WeightedSequencePooling(normalize=True)(seq, w, lengths=n)
    model = keras.Model({"seq": seq, "w": w, "n": n}, out)
    feed = {"seq": X, "w": W, "n": LENGTHS}
    path = tmp_path / "wpool.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded(feed).numpy(), model(feed).numpy())
