"""exact_topk against brute force, seen-item exclusion, and the faiss paths."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.evaluation.topk import build_faiss_index, exact_topk, faiss_search, merge_interests


def random_data(users=57, items=203, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((users, dim), dtype=np.float32),
            rng.standard_normal((items, dim), dtype=np.float32))


def brute_force(users, items, k, mask=None):
    scores = users @ items.T
    if mask is not None:
        scores[mask] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, 1), order


@pytest.mark.parametrize("batch_size", [1, 10, 1024])
def test_equals_brute_force(batch_size):
    users, items = random_data()
    scores, ids = exact_topk(users, items, 25, batch_size=batch_size)
    want_scores, want_ids = brute_force(users, items, 25)
    np.testing.assert_array_equal(ids, want_ids)  # continuous random scores: no ties
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6)
    assert scores.dtype == np.float32 and ids.shape == (57, 25)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_exclusion_and_item_ids():
    users, items = random_data()
    rng = np.random.default_rng(1)
    mask = rng.random((57, 203)) < 0.3
    pairs = np.argwhere(mask)
    rng.shuffle(pairs)  # any order
    item_ids = np.arange(203) + 1000
    scores, ids = exact_topk(users, items, 40, exclude=pairs, item_ids=item_ids, batch_size=16)
    want_scores, want_cols = brute_force(users, items, 40, mask)
    np.testing.assert_array_equal(ids, want_cols + 1000)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6)
    assert not mask[np.arange(57)[:, None], ids - 1000].any()


def test_fewer_items_left_than_k_pads_with_minus_one():
    users = np.ones((2, 1), np.float32)
    items = np.array([[3.0], [2.0], [1.0]], np.float32)
    scores, ids = exact_topk(users, items, 3, exclude=np.array([[0, 0], [0, 2]]))
    np.testing.assert_array_equal(ids, [[1, -1, -1], [0, 1, 2]])
    assert np.isneginf(scores[0, 1:]).all()


def test_k_errors():
    users, items = random_data(items=30)
    with pytest.raises(ConfigError, match="K larger than the number of items: k=31, n_items=30"):
        exact_topk(users, items, 31)
    with pytest.raises(ConfigError, match="k should be a positive integer, received k=0"):
        exact_topk(users, items, 0)
    with pytest.raises(ValueError, match="exclude pairs should be"):
        exact_topk(users, items, 5, exclude=np.array([[0, 30]]))
    with pytest.raises(ValueError, match="8 dims but item_emb has 4"):
        exact_topk(users, items[:, :4], 5)


def test_faiss_flat_agrees_with_exact():
    users, items = random_data(seed=3)
    scores, ids = exact_topk(users, items, 20)
    f_scores, f_ids = faiss_search(build_faiss_index(items, "flat"), users, 20)
    np.testing.assert_array_equal(f_ids, ids)
    np.testing.assert_allclose(f_scores, scores, rtol=1e-5, atol=1e-5)
    with pytest.raises(ConfigError, match="K larger than the number of items"):
        faiss_search(build_faiss_index(items), users, 204)


def test_faiss_item_ids_and_hnsw_recall():
    users, items = random_data(users=100, items=2000, dim=16, seed=4)
    _, ids = exact_topk(users, items, 10)
    _, mapped = faiss_search(build_faiss_index(items, "flat", item_ids=np.arange(2000) + 1), users, 10)
    np.testing.assert_array_equal(mapped, ids + 1)
    _, approx = faiss_search(build_faiss_index(items, "hnsw", hnsw_m=16), users, 10)
    overlap = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(approx, ids)])
    assert overlap > 0.9
    with pytest.raises(ConfigError, match="unknown faiss index kind 'ivf'"):
        build_faiss_index(items, "ivf")


def multi_interest_data(users=31, interests=3, items=97, dim=6, seed=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((users, interests, dim), dtype=np.float32),
            rng.standard_normal((items, dim), dtype=np.float32))


def test_several_interests_score_an_item_by_the_best_one():
    users, items = multi_interest_data()
    best = (users @ items.T).max(axis=1)  # [U, I]
    order = np.argsort(-best, axis=1, kind="stable")[:, :20]
    scores, ids = exact_topk(users, items, 20, batch_size=7)
    np.testing.assert_array_equal(ids, order)
    np.testing.assert_allclose(scores, np.take_along_axis(best, order, 1), rtol=1e-6)
    # one interest is the plain case
    np.testing.assert_array_equal(exact_topk(users[:, :1], items, 20)[1], exact_topk(users[:, 0], items, 20)[1])


def test_faiss_searches_every_interest_and_merges_by_max():
    users, items = multi_interest_data()
    index = build_faiss_index(items, kind="flat", item_ids=np.arange(100, 197))
    scores, ids = faiss_search(index, users, 15)
    want_scores, want_cols = exact_topk(users, items, 15)
    np.testing.assert_array_equal(ids, want_cols + 100)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5)
    assert all(len(set(row)) == 15 for row in ids.tolist())  # an item found by two interests appears once


def test_merge_interests_keeps_each_id_once_at_its_best_score():
    scores = np.array([[0.9, 0.5, 0.1, 0.8, 0.7, 0.2]], np.float32)
    ids = np.array([[4, 2, 7, 2, 4, -1]])  # two interests' results side by side; -1 = none
    s, i = merge_interests(scores, ids, 4)
    np.testing.assert_array_equal(i, [[4, 2, 7, -1]])
    np.testing.assert_allclose(s, [[0.9, 0.8, 0.1, -np.inf]])
