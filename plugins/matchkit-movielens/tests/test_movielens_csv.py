"""The MovieLens CSV datasets on small generated files: columns, multi-valued genres, filters, errors."""

import numpy as np
import pandas as pd
import pytest

from matchkit.datasets import DATASETS
from matchkit.errors import DataError
from matchkit_movielens.datasets import ML20M, ML25M, MLLatestSmall
from matchkit_movielens.sample import write_sample_release


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_sample_release(root, "ml-latest-small", n_users=40, n_movies=80, seed=1)
    return root


def test_registered_under_their_names():
    assert DATASETS.get("ml20m") is ML20M and DATASETS.get("ml25m") is ML25M
    assert DATASETS.get("ml_latest_small") is MLLatestSmall
    assert ML25M.MD5 == "6b51fb2759a8657d3bfcbfc42b592ada" and MLLatestSmall.MD5 is None
    assert ML25M(data_dir="x").url == "https://files.grouplens.org/datasets/movielens/ml-25m.zip"


def test_load_encodes_ratings_and_multi_valued_genres(root):
    folder = root / "ml-latest-small"
    ratings, movies = pd.read_csv(folder / "ratings.csv"), pd.read_csv(folder / "movies.csv")
    table = MLLatestSmall(data_dir=str(root), download=False, max_genres=6).load()
    assert table.user_col == "user_id" and table.item_col == "movie_id"
    assert table.n_interactions == len(ratings)
    assert table.n_users == ratings.userId.nunique() and table.n_items == ratings.movieId.nunique()
    genres = table.item_features["genres"]
    assert genres.shape == (table.n_items + 1, 6) and genres.dtype == np.int32 and (genres[0] == 0).all()
    # each item's row holds its genres in file order, then zeros
    vocab = table.vocabularies["genres"]
    by_id = movies.set_index("movieId")
    for code in (1, 5, table.n_items):
        raw = table.vocabularies["movie_id"][code]
        expected = by_id.loc[raw, "genres"].split("|")
        assert [vocab[c] for c in genres[code] if c] == expected
        assert table.item_titles[code] == by_id.loc[raw, "title"]
    assert table.ratings is not None and set(np.unique(table.ratings)) <= set(np.arange(1, 11) / 2)
    assert table.vocab_sizes["genres"] == len(vocab)
    assert "MovieLens ml-latest-small" in table.source


def test_min_rating_and_narrow_genres(root):
    ratings = pd.read_csv(root / "ml-latest-small" / "ratings.csv")
    table = MLLatestSmall(data_dir=str(root), download=False, max_genres=1, min_rating=4.0).load()
    assert table.n_interactions == int((ratings.rating >= 4.0).sum())
    assert table.item_features["genres"].shape[1] == 1


def test_missing_files_without_download_say_where(tmp_path):
    with pytest.raises(DataError) as info:
        ML20M(data_dir=str(tmp_path), download=False).load()
    assert "ratings.csv, movies.csv" in str(info.value) and str(tmp_path / "ml-20m") in str(info.value)


def test_download_fetches_and_unpacks_the_archive(tmp_path):
    import zipfile

    src = write_sample_release(tmp_path / "src", "ml-25m", n_users=5, n_movies=20)
    archive = tmp_path / "ml-25m.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in ("ratings.csv", "movies.csv"):
            zf.write(src / f, f"ml-25m/{f}")
    root = tmp_path / "root"
    table = ML25M(data_dir=str(root), url=archive.as_uri(), md5=None).load()
    assert table.n_users == 5 and (root / "ml-25m" / "ratings.csv").is_file()


def test_sample_release_shape(tmp_path):
    folder = write_sample_release(tmp_path, n_users=3, n_movies=10)
    movies = pd.read_csv(folder / "movies.csv")
    assert list(movies.columns) == ["movieId", "title", "genres"] and "(no genres listed)" in set(movies.genres)
    assert list(pd.read_csv(folder / "ratings.csv").columns) == ["userId", "movieId", "rating", "timestamp"]
