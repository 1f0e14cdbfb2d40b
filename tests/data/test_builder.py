import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from matchkit.data.builder import build_samples
from matchkit.data.table import InteractionTable
from matchkit.datasets.synthetic import Synthetic
from matchkit.errors import ConfigError

sys.path.insert(0, str(Path(__file__).parent))
from reference_builder import reference_samples  # noqa: E402


def messy_table(seed=0):
    """Synthetic data made awkward: rows shuffled, coarse timestamps (many ties), users with 1-2
    interactions, a repeated (user, item) pair, and a multi-valued item feature ``tags``."""
    table = Synthetic(n_users=60, n_items=80, n_genres=5, interactions_per_user=(1, 30), seed=seed).load()
    rng = np.random.default_rng(seed)
    perm = rng.permutation(table.n_interactions)
    users, items = table.users[perm], table.items[perm]
    timestamps = table.timestamps[perm] // 20_000
    users, items, timestamps = (np.append(a, a[:1]) for a in (users, items, timestamps))
    last_user = users == table.n_users
    keep = ~last_user | (np.cumsum(last_user) == 1)  # the last user keeps a single interaction
    users, items, timestamps = users[keep], items[keep], timestamps[keep]
    tags = rng.integers(1, 7, (table.n_items + 1, 3)).astype(np.int32)
    tags[rng.random(tags.shape) < 0.3] = 0
    tags[0] = 0
    return dataclasses.replace(table, users=users, items=items, timestamps=timestamps,
                               item_features={**table.item_features, "tags": tags},
                               vocab_sizes={**table.vocab_sizes, "tags": 7})


def assert_split_equal(got, want):
    assert set(got.columns) == set(want), "column names differ"
    for name, expected in want.items():
        assert got[name].dtype == expected.dtype, name
        np.testing.assert_array_equal(got[name], expected, err_msg=name)


@pytest.mark.parametrize("seq_len,valid", [(50, False), (50, True), (4, False), (4, True), (1, True)])
def test_matches_reference_row_for_row(seq_len, valid):
    table = messy_table()
    counts = np.bincount(table.users)
    assert counts[1:].min() == 1 and (counts == 2).any() and counts.max() > 4  # seq_len 4 and 1 cut histories
    hist = ("movie_id", "genres", "tags")
    got = build_samples(table, seq_len=seq_len, hist_features=hist, valid=valid)
    want = reference_samples(table, seq_len=seq_len, hist_features=hist, valid=valid)
    assert_split_equal(got.train, want["train"])
    assert_split_equal(got.test, want["test"])
    np.testing.assert_array_equal(got.seen, want["seen"])
    if valid:
        assert_split_equal(got.valid, want["valid"])
        np.testing.assert_array_equal(got.seen_valid, want["seen_valid"])
    else:
        assert got.valid is None and got.seen_valid is None


def tiny_table():
    # user 1: items 1 (t=5), 3 (t=10, row 0), 2 (t=10, row 3), 4 (t=20) -> ties keep table order
    # user 2: items 2 (t=1), 4 (t=2)
    users = np.array([1, 1, 2, 1, 2, 1], np.int32)
    items = np.array([3, 1, 2, 2, 4, 4], np.int32)
    ts = np.array([10, 5, 1, 10, 2, 20], np.int64)
    return InteractionTable(
        user_col="user_id", item_col="movie_id", users=users, items=items, timestamps=ts,
        user_features={"user_id": np.arange(3, dtype=np.int32), "gender": np.array([0, 2, 1], np.int32)},
        item_features={"movie_id": np.arange(5, dtype=np.int32), "genres": np.array([0, 1, 1, 2, 3], np.int32)},
        vocab_sizes={"user_id": 3, "movie_id": 5, "gender": 3, "genres": 4})


def test_tiny_example_by_hand():
    s = build_samples(tiny_table(), seq_len=2)
    # user 1 order: 1, 3, 2, 4. Train: i=1 (target 3, history [1]), i=2 (target 2, history [3, 1]).
    np.testing.assert_array_equal(s.train["movie_id"], [3, 2])
    np.testing.assert_array_equal(s.train["hist_movie_id"], [[1, 0], [3, 1]])
    np.testing.assert_array_equal(s.train["hist_genres"], [[1, 0], [2, 1]])
    np.testing.assert_array_equal(s.train["hist_len"], [1, 2])
    np.testing.assert_array_equal(s.train["gender"], [2, 2])
    np.testing.assert_array_equal(s.train["genres"], [2, 1])
    # Test rows: user 1 target 4, history [2, 3] (cut to 2, hist_len 2); user 2 target 4, history [2].
    np.testing.assert_array_equal(s.test["user_id"], [1, 2])
    np.testing.assert_array_equal(s.test["movie_id"], [4, 4])
    np.testing.assert_array_equal(s.test["hist_movie_id"], [[2, 3], [2, 0]])
    np.testing.assert_array_equal(s.test["hist_len"], [2, 1])
    np.testing.assert_array_equal(s.train["label"], [1, 1])
    assert s.train["label"].dtype == np.float32
    # seen: all but the last interaction of each user.
    np.testing.assert_array_equal(s.seen, [[1, 1], [1, 2], [1, 3], [2, 2]])


def test_valid_takes_second_to_last():
    s = build_samples(tiny_table(), seq_len=3, valid=True)
    # user 1: valid is i=2 (target 2), training only i=1; user 2 has 2 interactions: test row only.
    np.testing.assert_array_equal(s.train["movie_id"], [3])
    np.testing.assert_array_equal(s.valid["movie_id"], [2])
    np.testing.assert_array_equal(s.valid["hist_movie_id"], [[3, 1, 0]])
    np.testing.assert_array_equal(s.test["movie_id"], [4, 4])
    np.testing.assert_array_equal(s.seen_valid, [[1, 1], [1, 3]])


def test_negatives_count_labels_and_never_seen():
    table = messy_table(seed=3)
    k = 3
    plain = build_samples(table, seq_len=6)
    s = build_samples(table, seq_len=6, negsample=k, seed=7)
    n = len(plain.train)
    assert len(s.train) == n * (k + 1)
    label = s.train["label"].reshape(n, k + 1)
    assert (label[:, 0] == 1).all() and (label[:, 1:] == 0).all()
    positives = {name: col[::k + 1] for name, col in s.train.columns.items()}
    assert_split_equal(plain.train, positives)
    for name in list(table.user_features) + ["hist_movie_id", "hist_genres", "hist_len"]:
        col = s.train[name].reshape((n, k + 1) + s.train[name].shape[1:])
        assert (col == col[:, :1]).all(), name
    targets = s.train["movie_id"].reshape(n, k + 1)[:, 1:]
    assert targets.min() >= 1 and targets.max() <= table.n_items
    np.testing.assert_array_equal(s.train["genres"], table.item_features["genres"][s.train["movie_id"]])
    interacted = set(zip(table.users.tolist(), table.items.tolist()))
    users = s.train["user_id"].reshape(n, k + 1)[:, 1:]
    assert not any((u, i) in interacted for u, i in zip(users.ravel().tolist(), targets.ravel().tolist()))
    again = build_samples(table, seq_len=6, negsample=k, seed=7)
    np.testing.assert_array_equal(again.train["movie_id"], s.train["movie_id"])
    assert len(s.test) == len(plain.test) and (s.test["label"] == 1).all()


def test_negatives_uniform_over_unseen_items():
    # user 1 interacted with items 2, 5, 5 (repeat) and 3 of 6 -> negatives uniform over {1, 4, 6}
    table = InteractionTable(
        user_col="u", item_col="i", users=np.array([1, 1, 1, 1], np.int32),
        items=np.array([2, 5, 5, 3], np.int32), timestamps=np.arange(4, dtype=np.int64),
        user_features={"u": np.arange(2, dtype=np.int32)}, item_features={"i": np.arange(7, dtype=np.int32)},
        vocab_sizes={"u": 2, "i": 7})
    s = build_samples(table, hist_features=("i",), negsample=3000)
    negatives = s.train["i"][s.train["label"] == 0]
    counts = np.bincount(negatives, minlength=7)
    assert counts[[0, 2, 3, 5]].sum() == 0
    assert len(negatives) == 2 * 3000 and np.all(np.abs(counts[[1, 4, 6]] - 2000) < 200)


def test_negatives_impossible_when_user_saw_everything():
    # user 1 of the tiny table interacted with all 4 items
    with pytest.raises(ConfigError, match="negsample=1"):
        build_samples(tiny_table(), negsample=1)


@pytest.mark.parametrize("kwargs,text", [
    ({"seq_len": 0}, "seq_len=0"), ({"seq_len": -3}, "seq_len=-3"), ({"seq_len": 2.5}, "seq_len=2.5"),
    ({"negsample": -1}, "negsample=-1"), ({"hist_features": ("title",)}, "'title'"),
    ({"hist_features": "movie_id"}, "list"),
])
def test_bad_arguments(kwargs, text):
    with pytest.raises(ConfigError, match=text):
        build_samples(tiny_table(), **kwargs)


def test_single_interaction_users_give_no_rows():
    table = tiny_table()
    keep = table.users == 2
    table = dataclasses.replace(table, users=table.users[keep][:1], items=table.items[keep][:1],
                                timestamps=table.timestamps[keep][:1])
    s = build_samples(table)
    assert len(s.train) == len(s.test) == 0 and s.seen.shape == (0, 2)
    assert s.train["hist_movie_id"].shape == (0, 50)


@pytest.mark.parametrize("valid", [False, True])
def test_short_long_split_is_a_slice_of_the_history(valid):
    table = messy_table(seed=4)
    hist = ("movie_id", "genres", "tags")
    plain = build_samples(table, seq_len=6, hist_features=hist, valid=valid)
    s = build_samples(table, seq_len=6, hist_features=hist, valid=valid, short_len=2)
    for name in ("train", "test") + (("valid",) if valid else ()):
        got, want = getattr(s, name), getattr(plain, name)
        for col, values in want.columns.items():  # the other columns are unchanged
            np.testing.assert_array_equal(got[col], values, err_msg=col)
        for f in hist:
            np.testing.assert_array_equal(got[f"short_{f}"], want[f"hist_{f}"][:, :2], err_msg=f)
            np.testing.assert_array_equal(got[f"long_{f}"], want[f"hist_{f}"][:, 2:], err_msg=f)
        n = want["hist_len"]
        np.testing.assert_array_equal(got["short_hist_len"], np.minimum(n, 2))
        np.testing.assert_array_equal(got["long_hist_len"], np.maximum(n - 2, 0))
        assert got["short_hist_len"].dtype == got["long_hist_len"].dtype == np.int32
        assert set(got.columns) - set(want.columns) == {f"{p}_{f}" for p in ("short", "long") for f in hist} | {
            "short_hist_len", "long_hist_len"}
    assert (s.train["hist_len"] == 1).any() and (s.train["long_hist_len"] == 0).any()  # shorter than short_len
    assert s.train["long_tags"].shape[1:] == (4, 3)  # a multi-valued feature keeps its last axis


def test_short_long_tiny_example_by_hand():
    s = build_samples(tiny_table(), seq_len=3, short_len=1)
    # user 1 order 1, 3, 2, 4. Train i=1: history [1] -> short [1] (1), long [0, 0] (0);
    # i=2: history [3, 1] -> short [3] (1), long [1, 0] (1).
    np.testing.assert_array_equal(s.train["short_movie_id"], [[1], [3]])
    np.testing.assert_array_equal(s.train["long_movie_id"], [[0, 0], [1, 0]])
    np.testing.assert_array_equal(s.train["short_hist_len"], [1, 1])
    np.testing.assert_array_equal(s.train["long_hist_len"], [0, 1])
    # test rows: user 1 history [2, 3, 1] (3) -> short [2], long [3, 1] (2); user 2 history [2] (1).
    np.testing.assert_array_equal(s.test["long_genres"], [[2, 1], [0, 0]])
    np.testing.assert_array_equal(s.test["long_hist_len"], [2, 0])


@pytest.mark.parametrize("short_len", [3, 4, -1, 1.5, True])
def test_short_len_must_be_below_seq_len(short_len):
    with pytest.raises(ConfigError, match=rf"samples.short_len must be .* < samples.seq_len \(3\), "
                                          rf"received short_len={short_len!r}"):
        build_samples(tiny_table(), seq_len=3, short_len=short_len)
