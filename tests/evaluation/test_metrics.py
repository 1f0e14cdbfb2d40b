"""Ranking metrics on small cases worked out by hand."""

import json

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.evaluation.metrics import (
    compute_metrics,
    hit_rate,
    mrr,
    multi_target_ranks,
    ndcg,
    ndcg_at_k,
    recall,
    recall_at_k,
    target_ranks,
)

# Four users, top-4 lists, one held-out target each:
#   user 0: target 10 at rank 0;  user 1: target 22 at rank 2
#   user 2: target 99 absent;     user 3: target 43 at rank 3
TOPK = np.array([[10, 11, 12, 13], [20, 21, 22, 23], [30, 31, 32, 33], [40, 41, 42, 43]])
TARGETS = np.array([10, 22, 99, 43])
LOG2 = np.log2


def test_target_ranks():
    np.testing.assert_array_equal(target_ranks(TOPK, TARGETS), [0, 2, -1, 3])


def test_target_ranks_ignores_padding_ids():
    # -1 marks "no item" (exact_topk after exclusion); it must not match another row's id.
    topk = np.array([[5, -1], [7, 4]])
    np.testing.assert_array_equal(target_ranks(topk, [4, 4]), [-1, 1])


def test_single_target_metrics_by_hand():
    ranks = target_ranks(TOPK, TARGETS)
    # k=1: only user 0 hits.                       HR = 1/4
    # k=3: users 0 and 1 hit.                      HR = 2/4
    # k=4: users 0, 1, 3 hit.                      HR = 3/4
    assert hit_rate(ranks, 1) == 0.25 and hit_rate(ranks, 3) == 0.5 and hit_rate(ranks, 4) == 0.75
    assert recall(ranks, 3) == 0.5  # one target: recall == HR
    # NDCG@4 = (1/log2(2) + 1/log2(4) + 0 + 1/log2(5)) / 4 = (1 + 0.5 + 0.430677) / 4 = 0.482669
    assert ndcg(ranks, 4) == pytest.approx((1 + 0.5 + 1 / LOG2(5)) / 4)
    assert ndcg(ranks, 4) == pytest.approx(0.482669, abs=1e-6)
    # NDCG@3 drops user 3: (1 + 0.5) / 4 = 0.375
    assert ndcg(ranks, 3) == pytest.approx(0.375)
    # MRR@4 = (1/1 + 1/3 + 0 + 1/4) / 4 = 0.395833; MRR@2 = 1/4
    assert mrr(ranks, 4) == pytest.approx((1 + 1 / 3 + 1 / 4) / 4)
    assert mrr(ranks, 2) == 0.25


def test_compute_metrics_flat_keys_python_floats():
    out = compute_metrics(TOPK, TARGETS, ks=(1, 4), suffix="_filtered")
    assert list(out) == ["hr@1_filtered", "recall@1_filtered", "ndcg@1_filtered", "mrr@1_filtered",
                         "hr@4_filtered", "recall@4_filtered", "ndcg@4_filtered", "mrr@4_filtered"]
    assert all(type(v) is float for v in out.values())
    json.dumps(out)
    assert out["hr@4_filtered"] == 0.75 and out["ndcg@1_filtered"] == 0.25


def test_multi_target_by_hand():
    topk = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    # user 0: targets {2, 4, 50} -> ranks 1, 3, absent;   user 1: targets {5} (listed twice) -> rank 0
    # user 2: no targets -> left out of every mean
    lists = [[2, 4, 50], [5, 5], []]
    ranks, n_targets = multi_target_ranks(topk, lists)
    np.testing.assert_array_equal(n_targets, [3, 1, 0])
    np.testing.assert_array_equal(ranks, [[1, 3, -1], [0, -1, -1], [-1, -1, -1]])
    # Recall@2: user 0 finds 1 of 3, user 1 finds 1 of 1 -> (1/3 + 1) / 2 = 0.666667
    assert recall_at_k(topk, lists, 2) == pytest.approx((1 / 3 + 1) / 2)
    # Recall@4: user 0 finds 2 of 3 -> (2/3 + 1) / 2
    assert recall_at_k(topk, lists, 4) == pytest.approx((2 / 3 + 1) / 2)
    # NDCG@4 user 0: DCG = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
    #               IDCG (3 targets at the top) = 1 + 1/log2(3) + 1/log2(4) = 2.130930 -> 0.498190
    #          user 1: 1.  Mean (0.498190 + 1) / 2 = 0.749095
    assert ndcg_at_k(topk, lists, 4) == pytest.approx(0.749095, abs=1e-6)
    # NDCG@2 user 0: DCG = 1/log2(3); IDCG caps at k = 2 targets: 1 + 1/log2(3) -> 0.386853
    assert ndcg_at_k(topk, lists, 2) == pytest.approx(((1 / LOG2(3)) / (1 + 1 / LOG2(3)) + 1) / 2)
    out = compute_metrics(topk, lists, ks=(4,))
    assert out["recall@4"] == pytest.approx((2 / 3 + 1) / 2)
    assert out["hr@4"] == 1.0                      # both users with targets hit something
    assert out["mrr@4"] == pytest.approx((1 / 2 + 1) / 2)   # best ranks 1 and 0


def test_multi_target_accepts_csr():
    class Csr:  # what scipy.sparse.csr_matrix exposes: row pointers and column (= item id) indices
        indptr = np.array([0, 3, 5, 5])
        indices = np.array([2, 4, 50, 5, 5])

    topk = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])
    assert recall_at_k(topk, Csr(), 4) == recall_at_k(topk, [[2, 4, 50], [5, 5], []], 4)


@pytest.mark.parametrize("k, message", [
    (0, "k should be a positive integer, received k=0"),
    (-2, "received k=-2"),
    (2.0, "received k=2.0"),
    (5, "k=5 is larger than the top-K lists \\(4 items per user\\)"),
])
def test_bad_k(k, message):
    with pytest.raises(ConfigError, match=message):
        compute_metrics(TOPK, TARGETS, ks=(k,))


def test_bad_k_in_single_metrics_and_shapes():
    with pytest.raises(ConfigError, match="received k=0"):
        hit_rate(np.array([0, 1]), 0)
    with pytest.raises(ConfigError, match="larger than the top-K lists"):
        recall_at_k(TOPK, [[1]] * 4, 10)
    with pytest.raises(ValueError, match="targets has 3 entries for 4 top-K rows"):
        target_ranks(TOPK, TARGETS[:3])
    with pytest.raises(ValueError, match="integer array"):
        target_ranks(TOPK.astype(float), TARGETS)


def test_compute_metrics_target_formats_agree():
    # A flat list, an int32 array and one-element lists all mean one target per user.
    want = compute_metrics(TOPK, TARGETS, ks=(4,))
    assert compute_metrics(TOPK, TARGETS.tolist(), ks=(4,)) == want
    assert compute_metrics(TOPK, TARGETS.astype(np.int32), ks=(4,)) == want
    assert compute_metrics(TOPK, [[t] for t in TARGETS], ks=(4,)) == want
