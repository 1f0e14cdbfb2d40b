"""LabelAwareAttention against hand-worked cases."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.layers import LabelAwareAttention
from layer_helpers import assert_config_round_trip

# two users, two interests each, in 2-D
INTERESTS = np.array([[[1.0, 0.0], [0.0, 1.0]],
                      [[1.0, 0.0], [-1.0, 0.0]]], np.float32)
TARGET = np.array([[2.0, 0.0], [-1.0, 0.0]], np.float32)


def test_soft_weights():
    # user 0: scores (2, 0); with p = 0.5 the logits are (1, 0): weights e/(e+1), 1/(e+1)
    # user 1: scores (-1, 1) -> logits (-0.5, 0.5): weights 1/(1+e), e/(1+e)
    out = np.asarray(LabelAwareAttention(pow_p=0.5)(INTERESTS, TARGET))
    e = np.e
    np.testing.assert_allclose(out[0], [e / (e + 1), 1 / (e + 1)], rtol=1e-5)
    np.testing.assert_allclose(out[1], [1 / (1 + e) - e / (1 + e), 0], rtol=1e-5, atol=1e-6)


def test_hard_picks_the_best_interest_and_mask_removes_interests():
    hard = LabelAwareAttention(hard=True)
    np.testing.assert_allclose(np.asarray(hard(INTERESTS, TARGET)), [[1, 0], [-1, 0]])
    mask = np.array([[1, 1], [1, 0]], np.float32)  # user 1 lacks its second interest
    np.testing.assert_allclose(np.asarray(hard(INTERESTS, TARGET, mask)), [[1, 0], [1, 0]])
    soft = np.asarray(LabelAwareAttention(pow_p=3.0)(INTERESTS, TARGET, mask))
    np.testing.assert_allclose(soft[1], [1, 0], rtol=1e-6)  # the only interest left gets all the weight


def test_config_round_trip_and_bad_pow():
    assert_config_round_trip(LabelAwareAttention(pow_p=2.0, hard=False), INTERESTS, TARGET)
    with pytest.raises(ConfigError, match="pow_p should be positive, received pow_p=0"):
        LabelAwareAttention(pow_p=0)
