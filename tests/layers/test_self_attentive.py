"""SelfAttentiveInterests against numpy, with padding, and its config round trip."""

import keras
import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.layers import SelfAttentiveInterests
from layer_helpers import assert_config_round_trip


def test_matches_numpy_with_padding():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4)).astype(np.float32)
    lengths = np.array([5, 2, 0], np.int32)
    layer = SelfAttentiveInterests(3, 6, seed=0)
    got = np.asarray(layer(x, lengths))
    pos, w1, w2 = (v.numpy() for v in (layer.positions, layer.w1, layer.w2))
    for row in range(3):
        n = lengths[row]
        if n == 0:
            np.testing.assert_array_equal(got[row], 0)  # no history: zeros, not NaN
            continue
        logits = w2 @ np.tanh((x[row, :n] + pos[:n]) @ w1).T  # [K, n]
        a = np.exp(logits - logits.max(1, keepdims=True))
        a /= a.sum(1, keepdims=True)
        np.testing.assert_allclose(got[row], a @ x[row, :n], rtol=1e-4, atol=1e-5)
    assert got.shape == (3, 3, 4)


def test_w2_is_kept_as_k_by_h_and_starts_as_the_transposed_glorot_draw():
    layer = SelfAttentiveInterests(3, 7, seed=5)
    layer(np.zeros((1, 4, 2), np.float32), np.array([4]))
    assert layer.w2.shape == (3, 7)
    np.testing.assert_array_equal(layer.w2.numpy(), np.asarray(keras.initializers.GlorotNormal(seed=7)((7, 3))).T)


def test_config_round_trip_and_bad_arguments():
    x = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32)
    assert_config_round_trip(SelfAttentiveInterests(2, 5, seed=3), x, np.array([4, 1]))
    with pytest.raises(ConfigError, match="hidden_units should be a positive integer, received hidden_units=0"):
        SelfAttentiveInterests(2, 0)


@pytest.mark.parametrize("jit", [False, True])
def test_gradients_equal_autodiff_of_the_plain_formula(jit):
    """The hand-written backward of ``attention_logits`` gives autodiff's gradients, for every weight and input."""
    import tensorflow as tf

    rng = np.random.default_rng(2)
    x = tf.Variable(rng.standard_normal((4, 6, 5)).astype(np.float32))
    lengths = tf.constant([6, 3, 1, 0], tf.int32)
    layer = SelfAttentiveInterests(3, 7, seed=0)
    layer(x, lengths)
    target = tf.constant(rng.standard_normal((4, 3, 5)).astype(np.float32))
    variables = [x, layer.positions, layer.w1, layer.w2]

    def plain(inputs):
        logits = tf.einsum("kh,blh->bkl", layer.w2, tf.tanh((inputs + layer.positions) @ layer.w1))
        valid = tf.sequence_mask(lengths, 6)[:, None, :]
        weights = tf.where(valid, tf.nn.softmax(tf.where(valid, logits, -1e9)), 0.0)
        return weights @ inputs

    @tf.function(jit_compile=jit)
    def grads():
        with tf.GradientTape(persistent=True) as tape:
            got = tf.reduce_sum(layer(x, lengths) * target)
            want = tf.reduce_sum(plain(x) * target)
        return tape.gradient(got, variables), tape.gradient(want, variables)

    got, want = grads()
    for name, g, w in zip(["inputs", "positions", "w1", "w2"], got, want):
        assert float(tf.reduce_max(tf.abs(w))) > 0, name
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_any_batch_size_gives_the_rows_of_the_full_batch_under_xla(rows):
    """The layer attends per half of the batch: odd, single-row and even batches agree with the full one."""
    import tensorflow as tf

    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 5, 4)).astype(np.float32)
    lengths = np.array([5, 2, 0, 1, 4, 3], np.int32)
    layer = SelfAttentiveInterests(2, 8, seed=1)
    full = np.asarray(layer(x, lengths))
    compiled = tf.function(layer, jit_compile=True)
    got = np.asarray(compiled(tf.constant(x[-rows:]), tf.constant(lengths[-rows:])))
    np.testing.assert_allclose(got, full[-rows:], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_per_table_row_form_gives_the_positional_values_and_gradients(jit):
    """With the table and ids, and more positions than rows, W1^T e is computed per row: same function."""
    import tensorflow as tf

    rng = np.random.default_rng(5)
    rows = tf.Variable(rng.standard_normal((4, 5)).astype(np.float32))
    ids = tf.constant(rng.integers(0, 4, (3, 6)).astype(np.int32))  # 18 positions, 4 rows, ids repeat
    lengths = tf.constant([6, 4, 0], tf.int32)  # row 1: ids 0, 0, 1, 2
    layer = SelfAttentiveInterests(2, 7, seed=0)
    target = tf.constant(rng.standard_normal((3, 2, 5)).astype(np.float32))
    layer(tf.gather(rows, ids), lengths)
    variables = [rows, layer.positions, layer.w1, layer.w2]

    @tf.function(jit_compile=jit)
    def both():
        with tf.GradientTape(persistent=True) as tape:
            seq = tf.gather(rows, ids)
            per_row, positional = layer(seq, lengths, rows, ids), layer(seq, lengths)
            losses = [tf.reduce_sum(out * target) for out in (per_row, positional)]
        return per_row, positional, [[tf.convert_to_tensor(g) for g in tape.gradient(loss, variables)]
                                     for loss in losses]

    per_row, positional, (got, want) = both()
    np.testing.assert_allclose(per_row.numpy(), positional.numpy(), rtol=1e-5, atol=1e-6)
    for name, g, w in zip(["rows", "positions", "w1", "w2"], got, want):
        assert float(tf.reduce_max(tf.abs(w))) > 0, name
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("jit", [False, True])
def test_rows_of_halves_gives_the_lookups_and_their_summed_gradient(jit):
    """Both halves' rows, and the table gradient autodiff gives for two gathers, ids repeating within and
    across the halves (an empty half included)."""
    import tensorflow as tf

    from matchkit.layers.self_attentive import rows_of_halves

    rng = np.random.default_rng(2)
    table = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32))
    first = tf.constant([[0, 4, 0], [2, 2, 1]], tf.int32)
    for second in (tf.constant([[4, 4, 3]], tf.int32), tf.zeros((0, 3), tf.int32)):
        weights = [tf.constant(rng.standard_normal((*ids.shape, 3)).astype(np.float32)) for ids in (first, second)]

        @tf.function(jit_compile=jit)
        def both(second=second, weights=weights):
            with tf.GradientTape(persistent=True) as tape:
                got = rows_of_halves(table, first, second)
                want = (tf.gather(table, first), tf.gather(table, second))
                losses = [sum(tf.reduce_sum(r * w) for r, w in zip(rows, weights)) for rows in (got, want)]
            return got, want, [tf.convert_to_tensor(tape.gradient(loss, table)) for loss in losses]

        got, want, (g, w) = both()
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert float(tf.reduce_max(tf.abs(w))) > 0
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-6)
