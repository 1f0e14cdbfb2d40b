"""Serving rows: a user's features as of their latest interaction, built like the sample builder's rows."""

import dataclasses

import numpy as np

from matchkit.data.builder import build_samples
from matchkit.datasets.synthetic import Synthetic
from matchkit.export.serving import latest_user_rows, seen_items


def test_latest_rows_equal_test_rows_once_a_later_interaction_is_added():
    # The builder's test row of a user holds out their last item. Append one later interaction per user:
    # the new test rows then hold the user's full history, which is what latest_user_rows returns.
    table = Synthetic(n_users=60, n_items=40, interactions_per_user=(1, 30), seed=3).load()
    users = np.unique(table.users)
    later = dataclasses.replace(
        table, users=np.concatenate([table.users, users]),
        items=np.concatenate([table.items, np.ones_like(users)]),
        timestamps=np.concatenate([table.timestamps, np.full(len(users), table.timestamps.max() + 1)]),
        ratings=None)
    test = build_samples(later, seq_len=7, hist_features=("movie_id", "genres")).test
    codes, rows = latest_user_rows(table, seq_len=7, hist_features=("movie_id", "genres"))
    np.testing.assert_array_equal(codes, users)
    np.testing.assert_array_equal(test["user_id"], codes)
    for name in ("user_id", "gender", "zip", "hist_movie_id", "hist_genres", "hist_len"):
        np.testing.assert_array_equal(rows[name], test[name], err_msg=name)
    assert rows["hist_len"].max() == 7 and rows["hist_len"].min() >= 1


def test_seen_items_are_each_users_distinct_items():
    table = Synthetic(n_users=30, n_items=25, seed=1).load()
    codes = np.array([2, 5, 30], np.int32)
    ptr, items = seen_items(table, codes)
    assert ptr[0] == 0 and len(ptr) == 4 and ptr[-1] == len(items)
    for i, user in enumerate(codes):
        np.testing.assert_array_equal(items[ptr[i]:ptr[i + 1]], np.unique(table.items[table.users == user]))


def test_latest_rows_with_short_len_have_the_builders_short_long_layout():
    table = Synthetic(n_users=40, n_items=30, interactions_per_user=(1, 12), seed=5).load()
    _, plain = latest_user_rows(table, seq_len=7)
    codes, rows = latest_user_rows(table, seq_len=7, short_len=3)
    for f in ("movie_id", "genres"):
        np.testing.assert_array_equal(rows[f"short_{f}"], plain[f"hist_{f}"][:, :3])
        np.testing.assert_array_equal(rows[f"long_{f}"], plain[f"hist_{f}"][:, 3:])
    np.testing.assert_array_equal(rows["short_hist_len"], np.minimum(plain["hist_len"], 3))
    np.testing.assert_array_equal(rows["long_hist_len"], np.maximum(plain["hist_len"] - 3, 0))
    assert (rows["long_hist_len"] == 0).any() and (rows["long_hist_len"] == 4).any()
    # and the same columns as the builder's test rows of a table with one more interaction per user
    later = dataclasses.replace(
        table, users=np.concatenate([table.users, codes]), items=np.concatenate([table.items, np.ones_like(codes)]),
        timestamps=np.concatenate([table.timestamps, np.full(len(codes), table.timestamps.max() + 1)]), ratings=None)
    test = build_samples(later, seq_len=7, short_len=3).test
    for name in ("short_movie_id", "long_genres", "short_hist_len", "long_hist_len"):
        np.testing.assert_array_equal(rows[name], test[name], err_msg=name)
