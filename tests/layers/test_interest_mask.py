"""InterestMask (fixed and MIND's dynamic K) and ServingInterests."""

import numpy as np

from matchkit.layers import InterestMask, ServingInterests
from layer_helpers import assert_config_round_trip


def test_dynamic_k_is_floor_log2_of_the_history_length_within_1_and_k():
    lengths = np.array([0, 1, 2, 3, 4, 7, 8, 50], np.int32)
    # floor(log2 n): -, 0, 1, 1, 2, 2, 3, 5 -> clipped to [1, 4]
    want_counts = [1, 1, 1, 1, 2, 2, 3, 4]
    mask = np.asarray(InterestMask(4, dynamic=True)(lengths))
    np.testing.assert_array_equal(mask.sum(1), want_counts)
    np.testing.assert_array_equal(mask[:, 0], 1)  # every user keeps the first
    np.testing.assert_array_equal(np.asarray(InterestMask(4)(lengths)), 1)
    assert_config_round_trip(InterestMask(3, dynamic=True), lengths)


def test_serving_interests_repeat_the_first_where_masked():
    interests = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    mask = np.array([[1, 1, 0], [1, 0, 0]], np.float32)
    out = np.asarray(ServingInterests()(interests, mask))
    np.testing.assert_array_equal(out[0], [[0, 1], [2, 3], [0, 1]])
    np.testing.assert_array_equal(out[1], [[6, 7], [6, 7], [6, 7]])
