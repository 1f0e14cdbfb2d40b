"""Feature columns (registry kind ``feature``) and the builders that turn them into tower inputs.

``FEATURES`` contract: an entry is called with the keyword arguments of one config spec minus its
``type`` key, and returns a column (a frozen dataclass such as :class:`SparseFeat`). Configs list
columns per tower, e.g.::

    user:
      - {type: sparse, name: user_id, embedding_dim: 16}
      - {type: varlen_sparse, name: hist_movie_id, embedding_name: movie_id, maxlen: 50,
         combiner: mean, length_name: hist_len, embedding_dim: 32}
    item:
      - {type: sparse, name: movie_id, embedding_dim: 32}

and ``build_columns(cfg.user, vocab_sizes)`` turns one list into columns.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matchkit.errors import ConfigError
from matchkit.registry import Registry

FEATURES = Registry(
    "feature",
    "called with the keyword args of one config spec minus 'type'; returns a feature column",
)

from matchkit.features.sparse import AUTO, DEFAULT_GROUP, SparseFeat  # noqa: E402
from matchkit.features.varlen_sparse import VarLenSparseFeat  # noqa: E402
from matchkit.features.dense import TRANSFORMS, DenseFeat, DenseTransform  # noqa: E402
from matchkit.features.inputs import (  # noqa: E402
    EmbeddingTables,
    build_inputs,
    concat_features,
    embed_features,
)


def build_columns(specs: Iterable[Mapping[str, Any]], vocab_sizes: Mapping[str, int] | None = None) -> list:
    """Columns from config specs, with ``vocabulary_size: auto`` filled in.

    Args:
        specs: mappings (dicts or OmegaConf ``DictConfig``) each with a ``type`` key naming a
            ``FEATURES`` entry; the other keys are that entry's arguments.
        vocab_sizes: ``embedding_name -> vocabulary size`` (padding id included) from the dataset;
            an ``"auto"`` vocabulary_size is looked up under the column's embedding_name (which
            defaults to its name).

    Raises:
        ConfigError: a spec without ``type`` or ``name``, an unknown key, a duplicate name, or an
            ``"auto"`` vocabulary_size with no entry in ``vocab_sizes``.
    """
    vocab_sizes = dict(vocab_sizes or {})
    columns, seen = [], set()
    for spec in specs:
        column = _build_one(spec)
        if column.name in seen:
            raise ConfigError(f"feature '{column.name}' is listed twice")
        seen.add(column.name)
        if getattr(column, "vocabulary_size", None) == AUTO:
            key = column.embedding_name
            if key not in vocab_sizes:
                raise ConfigError(
                    f"feature '{column.name}': vocabulary_size is 'auto' but the dataset has no vocabulary "
                    f"named '{key}'; set vocabulary_size or use one of: {', '.join(sorted(vocab_sizes)) or '(none)'}"
                )
            column = column.with_vocabulary_size(vocab_sizes[key])
        columns.append(column)
    return columns


def _plain(value: Any) -> Any:
    """OmegaConf (or other) mappings and sequences as plain dicts and lists, e.g. an initializer spec."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [_plain(v) for v in value]
    return value


def _build_one(spec: Any) -> Any:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"a feature spec must be a mapping with a 'type' key, received {spec!r}")
    kwargs = {str(k): _plain(v) for k, v in spec.items()}
    kind = kwargs.pop("type", None)
    name = kwargs.get("name", "?")
    if kind is None:
        raise ConfigError(f"feature '{name}': spec has no 'type'; available: {', '.join(FEATURES.names())}")
    factory = FEATURES.get(kind)
    if dataclasses.is_dataclass(factory):
        allowed = [f.name for f in dataclasses.fields(factory) if f.init and not f.name.startswith("_")]
        for key in kwargs:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise ConfigError(
                    f"feature '{name}' ({kind}): unknown key '{key}'; {hint}allowed: {', '.join(allowed)}"
                )
        missing = [
            f.name
            for f in dataclasses.fields(factory)
            if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            and f.name not in kwargs
        ]
        if missing:
            raise ConfigError(f"feature '{name}' ({kind}): missing required key(s): {', '.join(missing)}")
    try:  # not FEATURES.build(kind, **kwargs): Registry.build's own `name` parameter clashes with ours
        return factory(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"cannot build feature '{name}' ({kind}): {exc}") from exc


__all__ = [
    "AUTO",
    "DEFAULT_GROUP",
    "FEATURES",
    "TRANSFORMS",
    "DenseFeat",
    "DenseTransform",
    "EmbeddingTables",
    "SparseFeat",
    "VarLenSparseFeat",
    "build_columns",
    "build_inputs",
    "concat_features",
    "embed_features",
]
