"""Bring your own data: interactions, and optional user / item attribute tables, from CSV or Parquet files.

Everything is set in the config (``conf/dataset/tabular.yaml``): the files, which of their columns hold
the user, item, timestamp and rating, and which attribute columns become features. See the README,
"Your own data".
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from matchkit.data.encode import make_table
from matchkit.data.table import InteractionTable
from matchkit.datasets import DATASETS
from matchkit.errors import ConfigError, DataError

FORMATS = ("auto", "csv", "parquet")
ROLES = ("user", "item", "timestamp", "rating", "title")
PARQUET_SUFFIXES = (".parquet", ".pq")


@DATASETS.register("tabular")
class Tabular:
    """Interactions (one row each) and optional attribute tables, encoded into an InteractionTable.

    Args:
        interactions: path of the interactions file (``.csv``, ``.tsv``, ``.parquet``; ``.gz`` CSVs too).
        users / items: optional attribute tables with one row per user / item, keyed by the same id
            column name as in the interactions. Without one, the listed attributes are read from the
            interactions file (each id's first row).
        columns: file column names by role: ``user``, ``item`` (required), ``timestamp`` (None: the
            interactions are in time order in the file), ``rating`` (optional), ``title`` (optional, items).
        user_attributes / item_attributes: attribute columns that become categorical features, under
            their column names.
        multi_valued: item attribute -> ``{sep, maxlen}``: a string of ``sep``-separated values that
            becomes an int32 ``[n_items + 1, maxlen]`` feature (cut or 0-padded to ``maxlen``).
        user_col / item_col: feature names of the user and item ids (what features and
            ``samples.hist_features`` refer to).
        format: ``auto`` (by file suffix), ``csv`` or ``parquet`` (needs pyarrow).
        sep: CSV field separator (``.tsv`` files default to a tab).
        min_rating: keep interactions rated at least this (needs ``columns.rating``).
        min_user_interactions: then drop users with fewer interactions.
    """

    def __init__(self, interactions: str | os.PathLike | None = None, users: str | os.PathLike | None = None,
                 items: str | os.PathLike | None = None, columns: Mapping[str, str | None] | None = None,
                 user_attributes: Sequence[str] = (), item_attributes: Sequence[str] = (),
                 multi_valued: Mapping[str, Mapping[str, Any]] | None = None, user_col: str = "user_id",
                 item_col: str = "item_id", format: str = "auto", sep: str = ",", min_rating: float | None = None,
                 min_user_interactions: int = 0) -> None:
        if not interactions:
            raise ConfigError("dataset=tabular needs dataset.interactions=<path of a CSV or Parquet file>")
        if format not in FORMATS:
            raise ConfigError(f"dataset.format must be one of {', '.join(FORMATS)}, received format={format!r}")
        cols = {"user": "user_id", "item": "item_id", "timestamp": "timestamp", **dict(columns or {})}
        unknown = sorted(set(cols) - set(ROLES))
        if unknown:
            raise ConfigError(f"dataset.columns has unknown role(s) {unknown}; roles: {', '.join(ROLES)}")
        if min_rating is not None and not cols.get("rating"):
            raise ConfigError("dataset.min_rating needs dataset.columns.rating (the rating column's name)")
        self.multi_valued = {k: dict(v) for k, v in (multi_valued or {}).items()}
        stray = [k for k in self.multi_valued if k not in item_attributes]
        if stray:
            raise ConfigError(f"dataset.multi_valued names {stray[0]!r}, which is not in dataset.item_attributes")
        for name, spec in self.multi_valued.items():
            maxlen = spec.get("maxlen")
            if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
                raise ConfigError(f"dataset.multi_valued.{name}.maxlen must be a positive integer, "
                                  f"received maxlen={maxlen!r}")
        if not isinstance(min_user_interactions, int) or min_user_interactions < 0:
            raise ConfigError("dataset.min_user_interactions must be a non-negative integer, received "
                              f"min_user_interactions={min_user_interactions!r}")
        self.paths = {k: Path(p).expanduser() if p else None
                      for k, p in (("interactions", interactions), ("users", users), ("items", items))}
        self.columns = cols
        self.user_attributes, self.item_attributes = list(user_attributes), list(item_attributes)
        self.user_col, self.item_col = user_col, item_col
        self.format, self.sep = format, sep
        self.min_rating, self.min_user_interactions = min_rating, min_user_interactions

    def data_files(self) -> list[Path]:
        """The files :meth:`load` reads."""
        return [p for p in self.paths.values() if p is not None]

    def load(self) -> InteractionTable:
        c = self.columns
        roles = [r for r in ("user", "item", "timestamp", "rating") if c.get(r)]
        item_extra = [c["title"]] if c.get("title") else []
        extra = (self.user_attributes if self.paths["users"] is None else []) + \
                (self.item_attributes + item_extra if self.paths["items"] is None else [])
        frame = self.read("interactions", [c[r] for r in roles] + extra)
        for role in ("user", "item"):
            _no_missing(frame, c[role], self.paths["interactions"], f"dataset.columns.{role}")
        if self.min_rating is not None:
            frame = frame[frame[c["rating"]] >= self.min_rating]
        users, items = frame[c["user"]].to_numpy(), frame[c["item"]].to_numpy()
        user_table = self._entities("users", c["user"], self.user_attributes, frame)
        item_table = self._entities("items", c["item"], self.item_attributes + item_extra, frame)
        users, user_ids = _same_kind(users, user_table[c["user"]].to_numpy())
        items, item_ids = _same_kind(items, item_table[c["item"]].to_numpy())
        multi = {a: _split(item_table[a], s.get("sep", "|")) for a, s in self.multi_valued.items()}
        table = make_table(
            user_col=self.user_col, item_col=self.item_col, users=users, items=items,
            timestamps=self._timestamps(frame), ratings=frame[c["rating"]].to_numpy() if c.get("rating") else None,
            user_ids=user_ids, item_ids=item_ids,
            user_attrs={a: _categorical(user_table[a]) for a in self.user_attributes},
            item_attrs={a: _categorical(item_table[a]) for a in self.item_attributes if a not in multi},
            item_multi=multi, item_titles=item_table[c["title"]].astype(str).to_numpy() if item_extra else None,
            min_user_interactions=self.min_user_interactions, source=f"tabular ({self.paths['interactions']})",
            user_origin=str(self.paths["users"] or self.paths["interactions"]),
            item_origin=str(self.paths["items"] or self.paths["interactions"]))
        for name, spec in self.multi_valued.items():
            table.item_features[name] = _fit_width(table.item_features[name], spec["maxlen"])
        return table

    def read(self, which: str, columns: list[str]) -> pd.DataFrame:
        """Columns of the ``interactions``, ``users`` or ``items`` file; a DataError names what is missing."""
        path = self.paths[which]
        if not path.is_file():
            raise DataError(f"dataset.{which}: {path} is not a file (relative paths start from {Path.cwd()})")
        fmt = self.format if self.format != "auto" else _guess_format(path, which)
        columns = list(dict.fromkeys(columns))
        if fmt == "parquet":
            try:
                import pyarrow.parquet as pq
            except ImportError:
                raise ConfigError(f"reading {path} (Parquet) needs pyarrow: pip install 'matchkit[parquet]'") from None
            available = pq.read_schema(path).names
            _check_columns(path, columns, available)
            return pd.read_parquet(path, columns=columns)
        sep = "\t" if self.sep == "," and ".tsv" in path.suffixes else self.sep
        try:
            available = list(pd.read_csv(path, sep=sep, nrows=0).columns)
            _check_columns(path, columns, available)
            return pd.read_csv(path, sep=sep, usecols=columns, low_memory=False)
        except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
            raise DataError(f"cannot read {path} as CSV (sep={sep!r}): {exc}. Fix the file or set "
                            "dataset.sep / dataset.format") from None

    def _entities(self, which: str, key: str, attributes: list[str], frame: pd.DataFrame) -> pd.DataFrame:
        """One row per id: the attribute table, or each id's first interaction row."""
        if self.paths[which] is None:
            return frame.drop_duplicates(subset=[key])[[key, *attributes]]
        table = self.read(which, [key, *attributes])
        _no_missing(table, key, self.paths[which], f"dataset.columns.{which[:-1]}")
        return table

    def _timestamps(self, frame: pd.DataFrame) -> np.ndarray:
        name = self.columns.get("timestamp")
        if not name:
            return np.arange(len(frame), dtype=np.int64)  # file order is time order
        col = frame[name]
        _no_missing(frame, name, self.paths["interactions"], "dataset.columns.timestamp")
        if pd.api.types.is_numeric_dtype(col):
            return col.to_numpy().astype(np.int64)
        try:
            seconds = (pd.to_datetime(col, utc=True) - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
            return seconds.to_numpy().astype(np.int64)
        except (ValueError, TypeError) as exc:
            raise DataError(f"{self.paths['interactions']}: column {name!r} (dataset.columns.timestamp) holds "
                            f"neither numbers nor dates, e.g. {col.iloc[0]!r}: {exc}") from None


def _guess_format(path: Path, which: str) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if any(s in PARQUET_SUFFIXES for s in suffixes):
        return "parquet"
    if any(s in (".csv", ".tsv", ".txt") for s in suffixes):
        return "csv"
    raise ConfigError(f"cannot tell the format of dataset.{which}={path} from its name; set dataset.format "
                      "to csv or parquet")


def _check_columns(path: Path, wanted: list[str], available: list[str]) -> None:
    for name in wanted:
        if name not in available:
            close = difflib.get_close_matches(name, available, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise DataError(f"{path} has no column {name!r} (named in the dataset config); {hint}"
                            f"its columns: {', '.join(map(str, available))}")


def _no_missing(frame: pd.DataFrame, name: str, path: Path, key: str) -> None:
    missing = frame[name].isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise DataError(f"{path}: {int(missing.sum())} row(s) have no {name!r} ({key}), the first at data row "
                        f"{row + 1}; remove or fill them")


def _same_kind(used: np.ndarray, listed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the interactions and of an attribute table as one comparable kind: integers, else strings."""
    if used.dtype.kind in "iu" and listed.dtype.kind in "iu":
        return used.astype(np.int64), listed.astype(np.int64)
    return used.astype(str).astype(object), listed.astype(str).astype(object)


def _categorical(col: pd.Series) -> np.ndarray:
    """Attribute values ready for encoding: one comparable kind, a missing value as the string ``""``."""
    values = col.to_numpy()
    if values.dtype.kind in "iub":
        return values
    if values.dtype.kind == "f" and not col.isna().any():
        return values
    return col.astype("string").fillna("").to_numpy(dtype=object)


def _split(col: pd.Series, sep: str) -> list[list[str]]:
    return [[v for v in s.split(sep) if v] if isinstance(s, str) else [] for s in col.astype(object)]


def _fit_width(codes: np.ndarray, width: int) -> np.ndarray:
    """``[n, m]`` codes cut or 0-padded to ``[n, width]``."""
    out = np.zeros((codes.shape[0], width), dtype=codes.dtype)
    keep = min(width, codes.shape[1])
    out[:, :keep] = codes[:, :keep]
    return out
