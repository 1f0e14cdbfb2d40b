"""SelfAttentiveInterests against numpy, with padding, and its config round trip."""

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
        logits = (np.tanh((x[row, :n] + pos[:n]) @ w1) @ w2).T  # [K, n]
        a = np.exp(logits - logits.max(1, keepdims=True))
        a /= a.sum(1, keepdims=True)
        np.testing.assert_allclose(got[row], a @ x[row, :n], rtol=1e-4, atol=1e-5)
    assert got.shape == (3, 3, 4)


def test_config_round_trip_and_bad_arguments():
    x = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32)
    assert_config_round_trip(SelfAttentiveInterests(2, 5, seed=3), x, np.array([4, 1]))
    with pytest.raises(ConfigError, match="hidden_units should be a positive integer, received hidden_units=0"):
        SelfAttentiveInterests(2, 0)
