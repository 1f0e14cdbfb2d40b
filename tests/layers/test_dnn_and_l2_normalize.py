"""DNN, JoinedDNN and L2Normalize: shapes, hand-worked values and config round trips."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.layers import DNN, JoinedDNN, L2Normalize, ServingInterests
from layer_helpers import assert_config_round_trip


def test_dnn_shapes_activations_and_round_trip():
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    relu = DNN([5, 3], activation="relu", seed=1)
    assert np.asarray(relu(x)).shape == (4, 3) and (np.asarray(relu(x)) >= 0).all()  # ReLU on the last layer too
    linear = DNN([5, 3], activation="relu", output_activation="linear", use_bn=True, dropout=0.1, l2_reg=1e-4,
                 seed=1)
    assert (np.asarray(linear(x)) < 0).any()
    assert_config_round_trip(linear, x)
    with pytest.raises(ConfigError, match=r"received units=\[\]"):
        DNN([])


@pytest.mark.parametrize("use_bn", [False, True])
def test_joined_dnn_is_the_dnn_of_each_row_joined_with_the_shared_part(use_bn):
    rng = np.random.default_rng(2)
    rows = rng.standard_normal((3, 2, 4)).astype(np.float32)  # [B, K, d]
    shared = rng.standard_normal((3, 5)).astype(np.float32)  # [B, P]
    joined = JoinedDNN([6, 3], activation="relu", output_activation="linear", use_bn=use_bn, l2_reg=1e-3, seed=4)
    out = np.asarray(joined(rows, shared))
    assert out.shape == (3, 2, 3)
    plain = DNN([6, 3], activation="relu", output_activation="linear", use_bn=use_bn, l2_reg=1e-3, seed=4)
    concatenated = np.concatenate([rows, np.repeat(shared[:, None, :], 2, axis=1)], axis=-1)
    plain(concatenated)
    assert [w.shape for w in plain.get_weights()] == [w.shape for w in joined.get_weights()]
    plain.set_weights(joined.get_weights())
    np.testing.assert_allclose(out, np.asarray(plain(concatenated)), rtol=1e-5, atol=1e-6)
    # the first kernel is read, not called, yet its L2 penalty still counts
    np.testing.assert_allclose([float(x) for x in joined.losses], [float(x) for x in plain.losses], rtol=1e-6)
    assert len(joined.losses) == 2
    assert_config_round_trip(joined, rows, shared)


def test_l2_normalize_unit_rows_zero_stays_zero_and_round_trip():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    np.testing.assert_allclose(np.asarray(L2Normalize()(x)), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    assert_config_round_trip(L2Normalize(epsilon=1e-10), x)


def test_serving_interests_round_trip():
    interests = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    assert_config_round_trip(ServingInterests(), interests, np.array([[1, 0, 0], [1, 1, 1]], np.float32))
