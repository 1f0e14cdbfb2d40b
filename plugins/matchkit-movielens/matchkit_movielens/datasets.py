"""The CSV releases of MovieLens (GroupLens): ``ratings.csv`` + ``movies.csv``, downloaded when missing.

Each release is a :class:`~matchkit.datasets.tabular.Tabular` dataset with a fixed column mapping: users
``userId``, items ``movieId`` (features ``user_id``, ``movie_id``), ``timestamp``, ``rating``, item titles,
and the ``|``-separated genres as the multi-valued item feature ``genres`` ``[n_items + 1, max_genres]``.
"""

from __future__ import annotations

import os
from pathlib import Path

from matchkit.data.download import ensure_release
from matchkit.data.table import InteractionTable
from matchkit.datasets import DATASETS
from matchkit.datasets.ml1m import data_root
from matchkit.datasets.tabular import Tabular
from matchkit.errors import ConfigError

BASE_URL = "https://files.grouplens.org/datasets/movielens"
FILES = ("ratings.csv", "movies.csv")
COLUMNS = {"user": "userId", "item": "movieId", "timestamp": "timestamp", "rating": "rating", "title": "title"}


class MovieLensCSV:
    """One CSV release of MovieLens, read from ``<data root>/<release>/``.

    Args:
        data_dir: data root (default ``$MATCHKIT_DATA``, else ``~/.cache/matchkit``).
        download: fetch and unpack ``<release>.zip`` from GroupLens when files are missing.
        max_genres: width of the ``genres`` feature (a movie's genres in file order, cut or 0-padded).
        min_rating: keep ratings of at least this (None keeps all, as for ML-1M).
        min_user_interactions: then drop users with fewer ratings.
        url / md5: where the archive comes from and its published MD5 (None: not checked).

    ``load()`` returns the InteractionTable: user feature ``user_id``; item features ``movie_id``,
    ``genres`` (int32 ``[n_items + 1, max_genres]``); titles in ``item_titles``.
    """

    RELEASE = ""
    MD5: str | None = None

    def __init__(self, data_dir: str | os.PathLike | None = None, download: bool = True, max_genres: int = 10,
                 min_rating: float | None = None, min_user_interactions: int = 0, url: str | None = None,
                 md5: str | None = "published") -> None:
        self.root = data_root(data_dir)
        self.folder = self.root / self.RELEASE
        self.download = bool(download)
        self.url = url or f"{BASE_URL}/{self.RELEASE}.zip"
        self.md5 = self.MD5 if md5 == "published" else md5
        if isinstance(max_genres, bool) or not isinstance(max_genres, int) or max_genres < 1:
            raise ConfigError(f"dataset.max_genres must be a positive integer, received max_genres={max_genres!r}")
        self.table = Tabular(
            interactions=self.folder / "ratings.csv", items=self.folder / "movies.csv", columns=COLUMNS,
            item_attributes=["genres"], multi_valued={"genres": {"sep": "|", "maxlen": max_genres}},
            user_col="user_id", item_col="movie_id", min_rating=min_rating,
            min_user_interactions=min_user_interactions)

    def data_files(self) -> list[Path]:
        """The files :meth:`load` reads."""
        return [self.folder / f for f in FILES]

    def ensure_files(self) -> Path:
        """The folder holding ``ratings.csv`` and ``movies.csv``, downloading them first if needed and allowed."""
        return ensure_release(self.folder, FILES, url=self.url, archive=self.root / f"{self.RELEASE}.zip",
                              release=self.RELEASE, download=self.download, md5=self.md5,
                              how_to_point=f"point the data root at the folder that holds {self.RELEASE}/ "
                                           "(env var MATCHKIT_DATA or dataset.data_dir)")

    def load(self) -> InteractionTable:
        self.ensure_files()
        table = self.table.load()
        table.source = f"MovieLens {self.RELEASE} ({self.folder})"
        return table


@DATASETS.register("ml20m")
class ML20M(MovieLensCSV):
    """MovieLens 20M (20,000,263 ratings, 138,493 users, 26,744 rated movies; 1995-2015)."""

    RELEASE = "ml-20m"
    MD5 = "cd245b17a1ae2cc31bb14903e1204af3"


@DATASETS.register("ml25m")
class ML25M(MovieLensCSV):
    """MovieLens 25M (25,000,095 ratings, 162,541 users, 59,047 rated movies; 1995-2019)."""

    RELEASE = "ml-25m"
    MD5 = "6b51fb2759a8657d3bfcbfc42b592ada"


@DATASETS.register("ml_latest_small")
class MLLatestSmall(MovieLensCSV):
    """MovieLens latest-small (about 100k ratings, 610 users); GroupLens updates it, so no checksum."""

    RELEASE = "ml-latest-small"
