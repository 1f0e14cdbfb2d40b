"""InterestGate: g * short + (1 - g) * long with g = sigmoid(Dense([query, short, long]))."""

import numpy as np
import pytest

from matchkit.layers import InterestGate
from layer_helpers import assert_config_round_trip

RNG = np.random.default_rng(2)
QUERY = RNG.normal(size=(6, 5)).astype("float32")
SHORT = RNG.normal(size=(6, 4)).astype("float32")
LONG = RNG.normal(size=(6, 4)).astype("float32")


def test_matches_numpy_and_mixes_per_dimension():
    layer = InterestGate(seed=0)
    out = np.asarray(layer(QUERY, SHORT, LONG))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (5 + 4 + 4, 4)
    g = 1 / (1 + np.exp(-(np.concatenate([QUERY, SHORT, LONG], axis=1) @ kernel + bias)))
    np.testing.assert_allclose(out, g * SHORT + (1 - g) * LONG, rtol=1e-5, atol=1e-6)
    low, high = np.minimum(SHORT, LONG), np.maximum(SHORT, LONG)
    assert ((out >= low - 1e-6) & (out <= high + 1e-6)).all()  # a convex mix, dimension by dimension


def test_saturated_gate_picks_one_side():
    layer = InterestGate()
    layer(QUERY, SHORT, LONG)
    kernel, bias = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.full_like(bias, 30.0)])  # g = 1: short only
    np.testing.assert_allclose(np.asarray(layer(QUERY, SHORT, LONG)), SHORT, atol=1e-6)
    layer.set_weights([np.zeros_like(kernel), np.full_like(bias, -30.0)])  # g = 0: long only
    np.testing.assert_allclose(np.asarray(layer(QUERY, SHORT, LONG)), LONG, atol=1e-6)


def test_short_and_long_must_share_a_width():
    with pytest.raises(ValueError, match="one width"):
        InterestGate()(QUERY, SHORT, LONG[:, :3])


def test_get_config_round_trip():
    assert_config_round_trip(InterestGate(seed=5, name="gate"), QUERY, SHORT, LONG)
