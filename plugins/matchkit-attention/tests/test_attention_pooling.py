"""SelfAttentionPooling: masking by length, output modes, config round trip, save/load, registry."""

import numpy as np
import pytest
import keras
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.features import VarLenSparseFeat, build_columns
from matchkit.pooling import POOLINGS
from matchkit_attention.pooling import SelfAttentionPooling

B, L, D = 4, 6, 8
RNG = np.random.default_rng(0)
X = RNG.normal(size=(B, L, D)).astype("float32")
LENGTHS = np.array([0, 1, 3, L], dtype="int32")  # empty, single, partial, full


def layer(**kwargs):
    keras.utils.set_random_seed(1)
    return SelfAttentionPooling(**kwargs)


def test_shape_and_padding_is_ignored():
    pool = layer(num_heads=2, num_layers=2)
    out = pool(X, lengths=LENGTHS).numpy()
    assert out.shape == (B, D)
    # garbage in the padding must not change anything: it is neither attended to nor pooled
    noisy = X.copy()
    for b, n in enumerate(LENGTHS):
        noisy[b, n:] = 100.0
    np.testing.assert_allclose(pool(noisy, lengths=LENGTHS).numpy(), out, rtol=1e-5, atol=1e-5)


def test_lengths_and_mask_agree_and_empty_row_is_zero():
    pool = layer()
    mask = np.arange(L)[None, :] < LENGTHS[:, None]
    by_length = pool(X, lengths=LENGTHS.reshape(B, 1)).numpy()
    np.testing.assert_allclose(pool(X, mask=mask).numpy(), by_length, rtol=1e-5, atol=1e-6)
    assert (by_length[0] == 0).all()
    assert np.abs(by_length[1:]).sum(axis=1).min() > 0


def test_single_item_history_depends_only_on_that_item():
    pool = layer()
    a = pool(X[1:2], lengths=np.array([1])).numpy()
    other = X[1:2].copy()
    other[0, 1:] = RNG.normal(size=(L - 1, D))
    np.testing.assert_allclose(pool(other, lengths=np.array([1])).numpy(), a, rtol=1e-5, atol=1e-6)


def test_first_output_is_the_most_recent_position():
    mean = layer(readout="mean")
    first = layer(readout="first")
    full = np.full(B, L, dtype="int32")
    m = mean(X, lengths=full).numpy()
    first(X, lengths=full)
    first.set_weights(mean.get_weights())
    f = first(X, lengths=full).numpy()
    assert not np.allclose(m, f)
    # with one valid position, mean and first pool the same single output
    np.testing.assert_allclose(mean(X, lengths=np.ones(B, "int32")).numpy(),
                               first(X, lengths=np.ones(B, "int32")).numpy(), rtol=1e-5, atol=1e-6)


def test_gradients_are_finite_with_empty_rows():
    pool = layer(dropout=0.1)
    x = tf.Variable(X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(pool(x, lengths=LENGTHS, training=True))
    grads = tape.gradient(loss, [x] + pool.trainable_variables)
    assert all(np.isfinite(g.numpy()).all() for g in grads)
    assert (grads[0].numpy()[0] == 0).all()  # the empty row has no influence


def test_xla_compiles():
    pool = layer()
    eager = pool(X, lengths=LENGTHS).numpy()
    compiled = tf.function(lambda x, n: pool(x, lengths=n), jit_compile=True)
    np.testing.assert_allclose(compiled(X, LENGTHS).numpy(), eager, rtol=1e-4, atol=1e-5)


def test_get_config_round_trip():
    pool = layer(num_heads=4, num_layers=2, ff_dim=16, dropout=0.2, readout="first", name="pool_hist")
    pool(X, lengths=LENGTHS)
    config = pool.get_config()
    clone = SelfAttentionPooling.from_config(config)
    assert clone.get_config() == config
    clone(X, lengths=LENGTHS)
    clone.set_weights(pool.get_weights())
    np.testing.assert_allclose(clone(X, lengths=LENGTHS).numpy(), pool(X, lengths=LENGTHS).numpy(), rtol=1e-6)


def test_model_save_and_load(tmp_path):
    seq = keras.Input((L, D), name="seq")
    n = keras.Input((), dtype="int32", name="n")
    model = keras.Model({"seq": seq, "n": n}, layer(num_layers=2, name="pool")(seq, lengths=n))
    inputs = {"seq": X, "n": LENGTHS}
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.get_layer("pool"), SelfAttentionPooling)
    np.testing.assert_allclose(loaded.predict(inputs, verbose=0), model.predict(inputs, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("kwargs,message", [
    ({"num_heads": 0}, "num_heads should be a positive integer, received num_heads=0"),
    ({"num_layers": 1.5}, "num_layers should be a positive integer"),
    ({"dropout": 1.0}, "dropout should be in [0, 1)"),
    ({"readout": "last"}, "readout should be one of mean, first, received readout='last'"),
])
def test_bad_arguments_say_what_was_received(kwargs, message):
    with pytest.raises(ConfigError) as info:
        SelfAttentionPooling(**kwargs)
    assert message in str(info.value)


def test_registered_and_usable_as_a_combiner():
    import matchkit_attention.plugin  # noqa: F401  (what the entry point loads)

    assert isinstance(POOLINGS.build("attention", name="p"), SelfAttentionPooling)
    [column] = build_columns([{"type": "varlen_sparse", "name": "hist_movie_id", "embedding_name": "movie_id",
                               "embedding_dim": D, "maxlen": L, "combiner": "attention",
                               "length_name": "hist_len"}], {"movie_id": 20})
    assert isinstance(column, VarLenSparseFeat) and column.combiner == "attention"
