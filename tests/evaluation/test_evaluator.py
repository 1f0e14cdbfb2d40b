import numpy as np

from matchkit.evaluation.evaluator import seen_exclusions


def test_seen_exclusions_maps_users_to_rows_and_keeps_each_target():
    users = np.array([5, 2, 9])          # row 0 is user 5, row 1 user 2, row 2 user 9
    targets = np.array([3, 1, 4])
    seen = np.array([[2, 1], [2, 2], [5, 7], [9, 4], [9, 6], [8, 1]])  # user 8 is not evaluated
    pairs = seen_exclusions(users, targets, seen)
    # user 2 (row 1): item 1 is its target -> kept; item 2 -> column 1. user 5 (row 0): item 7 -> column 6.
    # user 9 (row 2): item 4 is its target -> kept; item 6 -> column 5. user 8 dropped.
    assert sorted(map(tuple, pairs.tolist())) == [(0, 6), (1, 1), (2, 5)]
