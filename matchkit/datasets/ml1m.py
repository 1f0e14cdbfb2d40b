"""MovieLens-1M (GroupLens): ``users.dat``, ``ratings.dat``, ``movies.dat`` merged and encoded (design.md §3)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from matchkit.data.download import ensure_release
from matchkit.data.encode import make_table
from matchkit.data.table import InteractionTable
from matchkit.datasets import DATASETS
from matchkit.errors import ConfigError, DataError

ML1M_URL = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"
ML1M_SHA256: str | None = None  # not known offline; the published MD5 below is checked instead
ML1M_MD5 = "c4d9eecfca2ab87c1945afe126590906"
FILES = ("users.dat", "ratings.dat", "movies.dat")
ENCODING = "iso-8859-1"
USER_FEATURES = ("gender", "age", "occupation", "zip")

# (field names, which are integers) per file, in file order.
LAYOUT = {
    "users.dat": (("UserID", "Gender", "Age", "Occupation", "Zip-code"), (True, False, True, True, False)),
    "movies.dat": (("MovieID", "Title", "Genres"), (True, False, False)),
    "ratings.dat": (("UserID", "MovieID", "Rating", "Timestamp"), (True, True, True, True)),
}


def data_root(data_dir: str | os.PathLike | None = None) -> Path:
    """``data_dir``, else ``$MATCHKIT_DATA``, else ``~/.cache/matchkit``."""
    root = data_dir if data_dir is not None else os.environ.get("MATCHKIT_DATA") or "~/.cache/matchkit"
    return Path(root).expanduser()


@DATASETS.register("ml1m")
class ML1M:
    """MovieLens-1M from ``<data root>/ml-1m/``, downloaded from GroupLens when missing.

    Args:
        data_dir: data root (default ``$MATCHKIT_DATA``, else ``~/.cache/matchkit``).
        download: fetch and unpack ``ml-1m.zip`` into the data root when files are missing.
        genres: ``"first"`` (the first genre of each movie's ``|`` list, design.md §3) or ``"all"``
            (``item_features["genres"]`` int32 ``[n_items + 1, max_genres]``, 0-padded).
        min_user_interactions: drop users with fewer ratings before encoding (0 keeps all).
        url / sha256 / md5: where the archive comes from and its checksums (``None`` skips one).

    ``load()`` returns the :class:`InteractionTable`: user features ``user_id, gender, age, occupation,
    zip``; item features ``movie_id, genres``; each coded 1..n over the users/movies present in the
    ratings; ``vocabularies`` map codes back to raw values (e.g. MovieIDs) and ``item_titles`` holds titles.
    """

    def __init__(self, data_dir: str | os.PathLike | None = None, download: bool = True, genres: str = "first",
                 min_user_interactions: int = 0, url: str = ML1M_URL, sha256: str | None = ML1M_SHA256,
                 md5: str | None = ML1M_MD5) -> None:
        if genres not in ("first", "all"):
            raise ConfigError(f"dataset.genres must be 'first' or 'all', received genres={genres!r}")
        if not isinstance(min_user_interactions, int) or min_user_interactions < 0:
            raise ConfigError("min_user_interactions must be a non-negative integer, received "
                              f"min_user_interactions={min_user_interactions!r}")
        self.root = data_root(data_dir)
        self.folder = self.root / "ml-1m"
        self.download, self.genres, self.min_user_interactions = bool(download), genres, min_user_interactions
        self.url, self.sha256, self.md5 = url, sha256, md5

    def ensure_files(self) -> Path:
        """The folder holding the three files, downloading them first if needed and allowed."""
        return ensure_release(self.folder, FILES, url=self.url, archive=self.root / "ml-1m.zip", release="ml-1m",
                              download=self.download, sha256=self.sha256, md5=self.md5,
                              how_to_point="point the data root at the folder that holds ml-1m/ (env var "
                                           "MATCHKIT_DATA or config key dataset.data_dir)")

    def data_files(self) -> list[Path]:
        """The files :meth:`load` reads (for the run record's checksums)."""
        return [self.folder / f for f in FILES]

    def load(self) -> InteractionTable:
        folder = self.ensure_files()
        users = read_dat(folder / "users.dat")
        movies = read_dat(folder / "movies.dat")
        ratings = read_ratings(folder / "ratings.dat")
        genre_lists = [g.split("|") for g in movies[2]]
        if self.genres == "first":
            item_attrs, item_multi = {"genres": np.array([g[0] for g in genre_lists], dtype=object)}, {}
        else:
            item_attrs, item_multi = {}, {"genres": genre_lists}
        return make_table(
            user_col="user_id", item_col="movie_id",
            users=ratings[:, 0], items=ratings[:, 1], timestamps=ratings[:, 3], ratings=ratings[:, 2],
            user_ids=np.asarray(users[0], dtype=np.int64),
            user_attrs={name: np.asarray(col, dtype=np.int64 if isinstance(col[0], int) else object)
                        for name, col in zip(USER_FEATURES, users[1:])},
            item_ids=np.asarray(movies[0], dtype=np.int64), item_attrs=item_attrs, item_multi=item_multi,
            item_titles=movies[1], min_user_interactions=self.min_user_interactions,
            source=f"MovieLens-1M ({folder})",
            user_origin=f"users.dat ({folder / 'users.dat'})", item_origin=f"movies.dat ({folder / 'movies.dat'})")


def _fix(path: Path) -> str:
    return (f"Fix or remove that line, or delete {path.parent} and let matchkit download a fresh copy "
            "(dataset.download=true)")


def read_dat(path: Path, text: str | None = None) -> list[list]:
    """Columns of a ``::``-separated ML-1M file (plain Python; also used to pinpoint bad lines).

    Integer fields (see ``LAYOUT``) become ``int``; blank lines are skipped. A line with the wrong number
    of fields or a non-integer where an integer belongs raises DataError naming the file and 1-based line.
    """
    names, is_int = LAYOUT[path.name]
    if text is None:
        text = path.read_bytes().decode(ENCODING)
    cols: list[list] = [[] for _ in names]
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("::")
        if len(fields) != len(names):
            raise DataError(f"{path} line {lineno}: expected {len(names)} '::'-separated fields "
                            f"({'::'.join(names)}), found {len(fields)}: {line[:80]!r}. {_fix(path)}")
        for col, value, as_int, name in zip(cols, fields, is_int, names):
            if as_int:
                try:
                    value = int(value)
                except ValueError:
                    raise DataError(f"{path} line {lineno}: {name} must be an integer, found {value!r}. "
                                    f"{_fix(path)}") from None
            col.append(value)
    if not cols[0]:
        raise DataError(f"{path} has no data lines; {_fix(path)}")
    return cols


def read_ratings(path: Path) -> np.ndarray:
    """int64 ``[n, 4]`` (UserID, MovieID, Rating, Timestamp) from ``ratings.dat``.

    Fast path: pandas' C parser with ``sep=':'`` keeps the even fields; field counts are checked on the
    raw bytes. Anything unexpected falls back to :func:`read_dat`, which names the offending line.
    """
    raw = path.read_bytes()
    try:
        frame = pd.read_csv(io.BytesIO(raw), sep=":", header=None, usecols=[0, 2, 4, 6], engine="c",
                            dtype=np.int64)
        rows = frame.to_numpy()
        if len(rows) and raw.count(b"::") == 3 * len(rows) and raw.count(b":") == 6 * len(rows):
            return rows
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError):
        pass
    return np.array(read_dat(path, raw.decode(ENCODING)), dtype=np.int64).T.copy()
