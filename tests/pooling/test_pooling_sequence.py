"""SequencePooling against numpy: sum / mean / max over the first `length` positions."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from matchkit.errors import ConfigError, RegistryError
from matchkit.pooling import POOLINGS, SequencePooling

B, L, D = 4, 5, 3
RNG = np.random.default_rng(0)
X = RNG.normal(size=(B, L, D)).astype("float32")
LENGTHS = np.array([0, 1, 3, L], dtype="int32")  # empty, single, partial, full


def reference(x, lengths, mode):
    out = np.zeros((x.shape[0], x.shape[2]), dtype="float32")
    for b, n in enumerate(np.minimum(lengths, x.shape[1])):
        if n == 0:
            continue  # empty sequence -> zeros
        rows = x[b, :n]
        out[b] = {"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0)}[mode]
    return out


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("shape", [(B,), (B, 1)])
def test_lengths_match_numpy(mode, shape):
    out = SequencePooling(mode)(X, lengths=LENGTHS.reshape(shape))
    assert out.shape == (B, D)
    np.testing.assert_allclose(out.numpy(), reference(X, LENGTHS, mode), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_mask_path_and_no_mask(mode):
    mask = np.arange(L)[None, :] < LENGTHS[:, None]
    out = SequencePooling(mode)(X, mask=mask)
    np.testing.assert_allclose(out.numpy(), reference(X, LENGTHS, mode), rtol=1e-5, atol=1e-6)
    full = SequencePooling(mode)(X)
    np.testing.assert_allclose(full.numpy(), reference(X, np.full(B, L), mode), rtol=1e-5, atol=1e-6)


def test_lengths_win_over_mask_and_are_clipped():
    out = SequencePooling("mean")(X, lengths=np.array([9, 9, 9, 9]), mask=np.zeros((B, L), bool))
    np.testing.assert_allclose(out.numpy(), X.mean(1), rtol=1e-5)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_empty_rows_have_finite_gradients(mode):
    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        out = SequencePooling(mode)(x, lengths=LENGTHS)
        loss = tf.reduce_sum(out)
    grad = tape.gradient(loss, x).numpy()
    assert np.isfinite(out.numpy()).all() and np.isfinite(grad).all()
    assert (grad[0] == 0).all()  # row 0 is empty


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_jit_compile(mode):
    layer = SequencePooling(mode)
    fn = tf.function(lambda x, n: layer(x, lengths=n), jit_compile=True)
    np.testing.assert_allclose(fn(X, LENGTHS).numpy(), reference(X, LENGTHS, mode), rtol=1e-5, atol=1e-6)


def test_get_config_round_trip():
    layer = SequencePooling("max", name="pool_hist")
    clone = SequencePooling.from_config(layer.get_config())
    assert clone.mode == "max" and clone.name == "pool_hist"
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, SequencePooling) and restored.mode == "max"


def test_bad_mode():
    with pytest.raises(ConfigError, match="received mode='median'"):
        SequencePooling("median")


def test_functional_save_load(tmp_path):
    seq = keras.Input((L, D), name="seq")
    n = keras.Input((), dtype="int32", name="n")
    mask = keras.Input((L,), dtype="bool", name="mask")
    pooled = keras.layers.Concatenate()(
        [SequencePooling("mean")(seq, lengths=n), SequencePooling("max")(seq, mask=mask)]
    )
    model = keras.Model({"seq": seq, "n": n, "mask": mask}, keras.layers.Dense(2)(pooled))
    feed = {"seq": X, "n": LENGTHS, "mask": np.arange(L)[None, :] < LENGTHS[:, None]}
    path = tmp_path / "pool.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded(feed).numpy(), model(feed).numpy())


def test_registry_builds_each_mode():
    for mode in ("sum", "mean", "max"):
        layer = POOLINGS.get(mode)(name=f"p_{mode}")  # build(..., name=) clashes with Registry.build's own `name`
        assert isinstance(layer, SequencePooling) and layer.mode == mode
    assert {"sum", "mean", "max", "weighted"} <= set(POOLINGS.names())


def test_registry_unknown_lists_names():
    with pytest.raises(RegistryError, match="did you mean 'mean'.*available: max, mean, sum, weighted"):
        POOLINGS.get("meen")
