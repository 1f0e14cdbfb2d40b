import time

import numpy as np
import pytest

from matchkit.data.builder import build_samples
from matchkit.datasets import DATASETS
from matchkit.datasets.synthetic import Synthetic
from matchkit.errors import ConfigError


@pytest.fixture(scope="module")
def table():
    return Synthetic().load()


def test_registered_and_built_from_config_kwargs():
    assert {"ml1m", "synthetic"} <= set(DATASETS.names())
    data = DATASETS.build("synthetic", n_users=50, n_items=40, n_genres=4, interactions_per_user=[5, 9],
                          popularity_skew=1.0, seed=1)
    assert data.load().n_users == 50


def test_contract(table):
    assert (table.user_col, table.item_col) == ("user_id", "movie_id")
    assert list(table.user_features) == ["user_id", "gender", "age", "occupation", "zip"]
    assert list(table.item_features) == ["movie_id", "genres"]
    assert table.users.dtype == table.items.dtype == np.int32 and table.timestamps.dtype == np.int64
    assert table.n_users == 1000 and 400 < table.n_items <= 500
    assert table.users.min() == 1 and table.users.max() == table.n_users
    assert table.items.min() == 1 and table.items.max() == table.n_items
    features = {**table.user_features, **table.item_features}
    for name, values in features.items():
        size = table.n_users + 1 if name in table.user_features else table.n_items + 1
        assert values.shape == (size,) and values.dtype == np.int32, name
        assert values[0] == 0 and values[1:].min() >= 1, name
        assert values.max() == table.vocab_sizes[name] - 1 == len(table.vocabularies[name]) - 1, name
    np.testing.assert_array_equal(table.user_features["user_id"], np.arange(table.n_users + 1))
    assert table.vocab_sizes["gender"] == 3 and table.vocab_sizes["genres"] == 13
    assert set(table.vocabularies["age"][1:]) <= {1, 18, 25, 35, 45, 50, 56}
    assert table.item_titles.shape == (table.n_items + 1,) and table.item_titles[0] is None
    assert table.ratings.shape == table.users.shape


def test_interaction_counts_and_time_order(table):
    counts = np.bincount(table.users)[1:]
    assert counts.min() >= 15 and counts.max() <= 60 and 30 < counts.mean() < 50
    same_user = table.users[1:] == table.users[:-1]
    assert (np.diff(table.timestamps)[same_user] > 0).all()
    keys = table.users.astype(np.int64) * (table.n_items + 1) + table.items
    assert len(np.unique(keys)) == len(keys)  # no repeated (user, item) pairs


def test_deterministic_per_seed(table):
    again = Synthetic().load()
    for name in ("users", "items", "timestamps"):
        np.testing.assert_array_equal(getattr(again, name), getattr(table, name))
    np.testing.assert_array_equal(again.user_features["zip"], table.user_features["zip"])
    other = Synthetic(seed=1).load()
    assert other.n_interactions != table.n_interactions or (other.items != table.items).any()


def test_fast():
    best = min(_timed(lambda: Synthetic().load()) for _ in range(3))
    assert best < 0.5


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def test_popularity_is_skewed(table):
    counts = np.sort(table.item_counts()[1:])[::-1]
    assert counts[: len(counts) // 10].sum() > 0.3 * counts.sum()


def test_sequences_carry_signal(table):
    genre = table.item_features["genres"][table.items]
    same_user = table.users[1:] == table.users[:-1]
    repeat = (genre[1:] == genre[:-1])[same_user].mean()
    share = np.bincount(genre) / len(genre)
    assert repeat > 0.4 and repeat > 3 * (share ** 2).sum()


@pytest.mark.parametrize("attribute", ["gender", "age", "occupation", "zip"])
def test_user_attributes_relate_to_tastes(table, attribute):
    genre = table.item_features["genres"][table.items]
    values = table.user_features[attribute]
    if attribute == "zip":  # many zips, few users each: compare regions (first digit)
        region = np.array([0] + [int(z[0]) + 1 for z in table.vocabularies["zip"][1:]])
        values = region[values]
    rng = np.random.default_rng(0)
    shuffled = values.copy()
    shuffled[1:] = rng.permutation(values[1:])
    assert _dependence(values[table.users], genre) > 1.5 * _dependence(shuffled[table.users], genre)


def _dependence(a, b):
    """Total variation between the joint distribution of (a, b) and the product of its marginals."""
    joint = np.zeros((a.max() + 1, b.max() + 1))
    np.add.at(joint, (a, b), 1)
    joint /= joint.sum()
    return 0.5 * np.abs(joint - joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)).sum()


def test_builds_samples(table):
    samples = build_samples(table, seq_len=20)
    assert len(samples.test) == table.n_users
    assert len(samples.train) == table.n_interactions - 2 * table.n_users


@pytest.mark.parametrize("kwargs,text", [
    ({"n_users": 0}, "n_users=0"), ({"n_items": -5}, "n_items=-5"), ({"n_genres": 600}, "n_genres=600"),
    ({"interactions_per_user": (9, 3)}, r"interactions_per_user=\(9, 3\)"),
    ({"interactions_per_user": 5}, "interactions_per_user=5"), ({"taste_strength": 1.5}, "taste_strength=1.5"),
    ({"popularity_skew": -1}, "popularity_skew=-1"),
])
def test_bad_arguments(kwargs, text):
    with pytest.raises(ConfigError, match=text):
        Synthetic(**kwargs)
