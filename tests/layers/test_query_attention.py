"""QueryAttentionPooling against numpy and a hand-worked case: softmax of <q, x_l> / sqrt(D) over valid l;
VocabularyAttentionPooling, its per-table-row form, against it (values and gradients)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from matchkit.layers import QueryAttentionPooling, VocabularyAttentionPooling
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


V = 3  # fewer table rows than positions, so ids repeat within a row
ROWS = RNG.normal(size=(V, D)).astype("float32")
IDS = np.array([[0, 1, 2, 0], [1, 2, 0, 1], [2, 2, 1, 0], [0, 1, 1, 2], [2, 0, 2, 1]], "int32")


def _both_with_gradients(scale, jit):
    """Outputs and (rows, query) gradients of the per-row layer and of QueryAttentionPooling of rows[ids]."""
    rows, query, ids, lengths = tf.constant(ROWS), tf.constant(Q), tf.constant(IDS), tf.constant(LENGTHS)
    upstream = tf.constant(RNG.normal(size=(B, D)).astype("float32"))
    per_row, per_position = VocabularyAttentionPooling(scale=scale), QueryAttentionPooling(scale=scale)

    def run(pool):
        @tf.function(jit_compile=jit)
        def f():
            with tf.GradientTape() as tape:
                tape.watch([rows, query])
                out = pool(rows, query)
                y = tf.reduce_sum(out * upstream)
            return [out, *(tf.convert_to_tensor(g) for g in tape.gradient(y, [rows, query]))]
        return [t.numpy() for t in f()]

    return (run(lambda r, q: per_row(r, ids, q, lengths)),
            run(lambda r, q: per_position(tf.gather(r, ids), q, lengths)))


@pytest.mark.parametrize("scale,jit", [(True, False), (False, False), (True, True)])
def test_vocabulary_form_equals_query_attention_over_the_looked_up_rows(scale, jit):
    (out, d_rows, d_query), (ref_out, ref_rows, ref_query) = _both_with_gradients(scale, jit)
    np.testing.assert_allclose(out, reference(ROWS[IDS], Q, LENGTHS, scale), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d_rows, ref_rows, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(d_query, ref_query, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(out[0], 0.0)  # no valid position
    assert np.abs(d_rows).min() > 0  # every row is reached by some id


def test_vocabulary_form_ignores_padding_ids():
    noisy = IDS.copy()
    for b, n in enumerate(LENGTHS):
        noisy[b, n:] = V - 1 - noisy[b, n:]
    layer = VocabularyAttentionPooling()
    np.testing.assert_allclose(np.asarray(layer(ROWS, noisy, Q, LENGTHS)), np.asarray(layer(ROWS, IDS, Q, LENGTHS)),
                               atol=1e-6)


def test_vocabulary_form_query_width_must_match():
    with pytest.raises(ValueError, match="query as wide as the table rows"):
        VocabularyAttentionPooling()(ROWS, IDS, Q[:, :2], LENGTHS)


def test_vocabulary_form_get_config_round_trip():
    assert_config_round_trip(VocabularyAttentionPooling(scale=False, name="pool"), ROWS, IDS, Q, LENGTHS)
