"""DenseFeat and its transform layer."""

import keras
import numpy as np
import pytest

from matchkit.errors import ConfigError, RegistryError
from matchkit.features import FEATURES, DenseFeat, DenseTransform


def test_defaults():
    col = DenseFeat("price")
    assert (col.dimension, col.dtype, col.transform, col.group_name) == (1, "float32", None, "default_group")
    assert FEATURES.get("dense") is DenseFeat


def test_validation():
    with pytest.raises(ConfigError, match="DenseFeat 'price': dimension must be an integer >= 1, received dimension=0"):
        DenseFeat("price", dimension=0)
    with pytest.raises(RegistryError, match="DenseFeat 'price': transform: unknown dense transform 'log'.*log1p"):
        DenseFeat("price", transform="log")


def test_transform_layer():
    x = np.array([[0.0, np.e - 1.0]], dtype="float64")
    np.testing.assert_allclose(DenseTransform("log1p")(x).numpy(), [[0.0, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(DenseTransform("signed_log1p")(-x).numpy(), [[0.0, -1.0]], rtol=1e-6)
    ints = DenseTransform()(np.array([[3]], dtype="int32"))
    assert ints.dtype == "float32" and ints.numpy()[0, 0] == 3.0
    clone = DenseTransform.from_config(DenseTransform("log1p", name="d").get_config())
    assert clone.transform == "log1p" and clone.name == "d"
    assert isinstance(keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(clone)), DenseTransform)
