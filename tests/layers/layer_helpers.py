"""Shared checks of the custom layers' tests."""

import keras
import numpy as np


def assert_config_round_trip(layer, *args):
    """``from_config(get_config())`` gives a layer that, with the same weights, computes the same outputs."""
    layer(*args)  # build
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    clone(*args)  # build
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(*args)), np.asarray(layer(*args)), rtol=1e-5, atol=1e-6)
    registered = keras.saving.get_registered_object(f"matchkit>{type(layer).__name__}")
    assert registered is type(layer)
