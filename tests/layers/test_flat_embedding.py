"""FlatEmbedding against keras.layers.Embedding: values, initial tables, penalty, gradient steps, saving."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from matchkit.layers import FlatEmbedding
from layer_helpers import assert_config_round_trip

IDS = np.array([[3, 0, 3], [6, 1, 1]], np.int32)  # repeated ids: their gradients add up


def pair(initializer, regularizer=None):
    """A FlatEmbedding and a keras Embedding of ``[7, 4]`` from equal initializers, both built."""
    ours = FlatEmbedding(7, 4, embeddings_initializer=initializer, embeddings_regularizer=regularizer)
    theirs = keras.layers.Embedding(7, 4, embeddings_initializer=initializer, embeddings_regularizer=regularizer)
    ours(IDS), theirs(IDS)
    return ours, theirs


@pytest.mark.parametrize("initializer", [{"class_name": "RandomNormal", "config": {"seed": 3}},
                                         {"class_name": "GlorotUniform", "config": {"seed": 3}}])
def test_starts_as_the_keras_table_and_looks_up_the_same_rows(initializer):
    ours, theirs = pair(initializer)
    assert ours.flat_embeddings.shape == (28,) and ours.embeddings.shape == (7, 4)
    np.testing.assert_array_equal(np.asarray(ours.embeddings), theirs.embeddings.numpy())  # shape-aware glorot too
    for ids in (IDS, IDS.astype(np.int64), IDS[0], np.float32(IDS)):
        np.testing.assert_array_equal(np.asarray(ours(ids)), np.asarray(theirs(ids)))
    assert ours.compute_output_shape((None, 3)) == (None, 3, 4)


@pytest.mark.parametrize("jit", [False, True])
def test_adam_steps_and_l2_penalty_match_the_keras_table(jit):
    ours, theirs = pair({"class_name": "RandomNormal", "config": {"seed": 1}}, keras.regularizers.L2(0.1))
    weights = tf.constant(np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32))

    def trainer(layer):
        optimizer = keras.optimizers.Adam(0.05)

        def step():
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(IDS) * weights) + tf.add_n(layer.losses)
            optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_variables), layer.trainable_variables))
            return loss

        return tf.function(step, jit_compile=True) if jit else step

    ours_step, theirs_step = trainer(ours), trainer(theirs)
    start = theirs.embeddings.numpy()
    for _ in range(3):
        np.testing.assert_allclose(float(ours_step()), float(theirs_step()), rtol=1e-5)
    moved = theirs.embeddings.numpy()
    np.testing.assert_allclose(np.asarray(ours.embeddings), moved, rtol=1e-5, atol=1e-6)
    assert np.abs(moved[2] - start[2]).min() > 1e-2  # the unused row 2 moved too, by the L2 penalty


def test_frozen_table_config_round_trip_and_saving(tmp_path):
    layer = FlatEmbedding(7, 4, embeddings_initializer="glorot_uniform", trainable=False, name="emb")
    assert_config_round_trip(layer, IDS)
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 1
    inputs = keras.Input((3,), dtype="int32")
    model = keras.Model(inputs, layer(inputs))
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_array_equal(np.asarray(reloaded(IDS)), np.asarray(model(IDS)))
