"""SparseFeat: one categorical id per example, looked up in an embedding table."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import keras

from matchkit.errors import ConfigError
from matchkit.features import FEATURES

AUTO = "auto"
DEFAULT_GROUP = "default_group"
DEFAULT_INIT_STDDEV = 1e-4  # DeepMatch's init_std


def auto_embedding_dim(vocabulary_size: int) -> int:
    """DeepCTR's rule of thumb: ``int(6 * vocabulary_size ** 0.25)``."""
    return int(6 * vocabulary_size**0.25)


def check_int(column: Any, field: str, value: Any, minimum: int, allow_auto: bool = False) -> Any:
    """``value`` as an int ``>= minimum`` (or ``"auto"`` when allowed); a ConfigError naming the column otherwise."""
    if allow_auto and value == AUTO:
        return AUTO
    if isinstance(value, Integral) and not isinstance(value, bool) and value >= minimum:
        return int(value)
    want = f"an integer >= {minimum}" + (" or 'auto'" if allow_auto else "")
    raise ConfigError(f"{type(column).__name__} '{column.name}': {field} must be {want}, received {field}={value!r}")


@FEATURES.register("sparse")
@dataclass(frozen=True)
class SparseFeat:
    """A categorical feature: a scalar id per example -> one ``[B, embedding_dim]`` embedding.

    Args:
        name: input name.
        vocabulary_size: number of ids including padding id 0 (ids lie in ``[0, vocabulary_size)``),
            or ``"auto"`` to take it from the dataset's vocabulary sizes (see ``build_columns``).
        embedding_dim: table width, or ``"auto"`` = ``int(6 * vocabulary_size ** 0.25)``.
        use_hash: hash raw (string or int) inputs into ``vocabulary_size`` buckets; bucket 0 is kept
            for the padding value (0 or ``""``).
        dtype: input dtype (``"string"`` for raw strings with ``use_hash``).
        embeddings_initializer: None (N(0, 1e-4), seeded by the table), a Keras initializer name, a
            ``{class_name, config}`` dict or an initializer instance.
        embedding_name: table name; columns with the same embedding_name share one table.
            Defaults to ``name``.
        group_name: group this column's embedding is returned under by ``embed_features``.
        trainable: whether the table is trained.
    """

    name: str
    vocabulary_size: int | str = AUTO
    embedding_dim: int | str = AUTO
    use_hash: bool = False
    dtype: str = "int32"
    embeddings_initializer: Any = None
    embedding_name: str | None = None
    group_name: str = DEFAULT_GROUP
    trainable: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ConfigError(f"{type(self).__name__}: name must be a non-empty string, received name={self.name!r}")
        vocab = check_int(self, "vocabulary_size", self.vocabulary_size, 2, allow_auto=True)
        dim = check_int(self, "embedding_dim", self.embedding_dim, 1, allow_auto=True)
        if dim == AUTO and vocab != AUTO:
            dim = auto_embedding_dim(vocab)
        object.__setattr__(self, "vocabulary_size", vocab)  # frozen: set the normalised values once
        object.__setattr__(self, "embedding_dim", dim)
        object.__setattr__(self, "embedding_name", self.embedding_name or self.name)

    @property
    def resolved(self) -> bool:
        """True once vocabulary_size (and so embedding_dim) is a number."""
        return self.vocabulary_size != AUTO

    def with_vocabulary_size(self, vocabulary_size: int) -> "SparseFeat":
        """A copy with ``vocabulary_size`` set (an ``"auto"`` embedding_dim is resolved from it)."""
        return dataclasses.replace(self, vocabulary_size=vocabulary_size)

    def make_initializer(self, seed: int | None = None) -> keras.initializers.Initializer:
        """The table initializer; ``seed`` applies to the default N(0, 1e-4) only."""
        if self.embeddings_initializer is None:
            return keras.initializers.RandomNormal(mean=0.0, stddev=DEFAULT_INIT_STDDEV, seed=seed)
        try:
            return keras.initializers.get(self.embeddings_initializer)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"{type(self).__name__} '{self.name}': bad embeddings_initializer "
                f"{self.embeddings_initializer!r}: {exc}"
            ) from exc
