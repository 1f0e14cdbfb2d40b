"""VocabularyPooling: SequencePooling (sum / mean) of rows[ids], computed per table row; values and gradients."""

import numpy as np
import pytest
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.pooling import SequencePooling, VocabularyPooling

B, L, V, D = 4, 5, 3, 2
RNG = np.random.default_rng(1)
ROWS = RNG.normal(size=(V, D)).astype("float32")
IDS = np.array([[1, 2, 0, 1, 2], [2, 2, 1, 0, 0], [0, 1, 1, 2, 1], [2, 0, 1, 1, 0]], "int32")  # ids repeat
LENGTHS = np.array([0, 1, 4, 9], "int32")  # empty, single, partial, beyond L


@pytest.mark.parametrize("mode", ["sum", "mean"])
@pytest.mark.parametrize("by", ["lengths", "mask", "neither"])
def test_equals_sequence_pooling_of_the_looked_up_rows_values_and_gradients(mode, by):
    rows, ids = tf.constant(ROWS), tf.constant(IDS)
    kwargs = {"lengths": {"lengths": tf.constant(LENGTHS)}, "mask": {"mask": tf.not_equal(ids, 0)},
              "neither": {}}[by]
    upstream = tf.constant(RNG.normal(size=(B, D)).astype("float32"))

    def run(pool):
        with tf.GradientTape() as tape:
            tape.watch(rows)
            out = pool()
            loss = tf.reduce_sum(out * upstream)
        return out.numpy(), tf.convert_to_tensor(tape.gradient(loss, rows)).numpy()

    out, grad = run(lambda: VocabularyPooling(mode)(rows, ids, **kwargs))
    ref_out, ref_grad = run(lambda: SequencePooling(mode)(tf.gather(rows, ids), **kwargs))
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-5, atol=1e-6)
    if by == "lengths":
        np.testing.assert_array_equal(out[0], 0.0)
        np.testing.assert_allclose(out[1], ROWS[2])  # one valid position: its row, for sum and mean


def test_hand_worked_mean_under_xla():
    # row 2 of IDS, first 4 positions: ids 0, 1, 1, 2 -> (rows[0] + 2 rows[1] + rows[2]) / 4
    pool = tf.function(lambda r, i, n: VocabularyPooling("mean")(r, i, lengths=n), jit_compile=True)
    out = pool(tf.constant(ROWS), tf.constant(IDS), tf.constant(LENGTHS)).numpy()
    np.testing.assert_allclose(out[2], (ROWS[0] + 2 * ROWS[1] + ROWS[2]) / 4, rtol=1e-5)


def test_refuses_other_modes_and_round_trips_its_config():
    with pytest.raises(ConfigError, match="sum, mean"):
        VocabularyPooling("max")
    layer = VocabularyPooling("sum", name="pool")
    clone = VocabularyPooling.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_allclose(clone(ROWS, IDS, lengths=LENGTHS), layer(ROWS, IDS, lengths=LENGTHS))
