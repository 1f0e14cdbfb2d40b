"""From columns to tower inputs: Keras inputs, shared embedding tables, embedded and pooled features.

A tower is ``keras.Model(inputs, dnn(concat_features(inputs, columns, tables)))`` with
``inputs = build_inputs(columns)`` and one ``tables = EmbeddingTables(user_columns + item_columns)``
shared by both towers of a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import keras
from keras import ops

from matchkit.errors import ConfigError, RegistryError
from matchkit.features.dense import DenseFeat, DenseTransform
from matchkit.features.sparse import AUTO, SparseFeat
from matchkit.features.varlen_sparse import VarLenSparseFeat
from matchkit.layers.flat_embedding import FlatEmbedding
from matchkit.pooling import POOLINGS
from matchkit.pooling.vocabulary import MODES as VOCABULARY_MODES, VocabularyPooling


def _input_specs(column: Any) -> list[tuple[str, tuple, str]]:
    """``(name, shape without batch, dtype)`` of every input ``column`` reads."""
    if isinstance(column, VarLenSparseFeat):
        specs = [(column.name, (column.maxlen,), column.dtype)]
        if column.length_name is not None:
            specs.append((column.length_name, (), "int32"))
        if column.weight_name is not None:
            specs.append((column.weight_name, (column.maxlen,), "float32"))
        return specs
    if isinstance(column, SparseFeat):
        return [(column.name, (), column.dtype)]
    if isinstance(column, DenseFeat):
        return [(column.name, (column.dimension,), column.dtype)]
    raise ConfigError(f"unsupported feature column {column!r}; expected SparseFeat, VarLenSparseFeat or DenseFeat")


def build_inputs(columns: Iterable[Any]) -> dict[str, keras.KerasTensor]:
    """One ``keras.Input`` per input name the columns read, deduplicated by name.

    Shapes (batch axis first): sparse ``[B]`` (scalar ids), varlen ``[B, maxlen]``, its
    ``length_name`` ``[B]`` int32 and ``weight_name`` ``[B, maxlen]`` float32, dense ``[B, dimension]``.
    Two columns reading the same name with different shape or dtype raise ``ConfigError``.
    """
    specs: dict[str, tuple[tuple, str]] = {}
    for column in columns:
        for name, shape, dtype in _input_specs(column):
            if name in specs and specs[name] != (shape, dtype):
                raise ConfigError(
                    f"input '{name}' is read with shape/dtype {specs[name]} and {(shape, dtype)} "
                    f"(by feature '{column.name}'); make them agree"
                )
            specs[name] = (shape, dtype)
    return {name: keras.Input(shape=shape, dtype=dtype, name=name) for name, (shape, dtype) in specs.items()}


#: tables narrower than this are stored flat (FlatEmbedding): their Adam update ran 1.5-3x slower per element
#: as [V, 16] or [V, 32] under XLA on CPU, and as fast as flat at 64 wide
FLAT_BELOW = 64


class EmbeddingTables(Mapping):
    """One embedding layer (named ``emb_<embedding_name>``) per distinct embedding_name.

    A table narrower than ``FLAT_BELOW`` is a :class:`~matchkit.layers.FlatEmbedding`, whose optimizer update
    XLA runs faster on CPU; a wider one is a ``keras.layers.Embedding``, whose gradients from several lookups
    (the item table's history, target and negatives) are summed as one sparse update. Both take ids and give
    rows, and ``embeddings`` is the ``[V, D]`` table.

    Build it once from the columns of all towers of a model so that shared names share a table.
    ``tables[embedding_name]`` is the layer. The first column of a table sets its initializer and
    trainability; all columns of a table must agree on vocabulary_size and embedding_dim.

    Args:
        columns: columns of every tower (dense columns are skipped).
        seed: base seed of the default N(0, 1e-4) initializers; table ``i`` (in first-seen order)
            uses ``seed + i`` so equal-shaped tables do not start equal.
        l2_reg: L2 factor applied as ``embeddings_regularizer`` to every table (None or 0: none).
    """

    def __init__(self, columns: Iterable[Any], seed: int | None = None, l2_reg: float | None = None) -> None:
        owners: dict[str, SparseFeat] = {}
        for column in columns:
            if not isinstance(column, SparseFeat):
                continue
            if not column.resolved:
                raise ConfigError(
                    f"feature '{column.name}': vocabulary_size is still {AUTO!r}; "
                    "build columns with build_columns(specs, vocab_sizes) or set it"
                )
            first = owners.setdefault(column.embedding_name, column)
            for field in ("vocabulary_size", "embedding_dim"):
                if getattr(first, field) != getattr(column, field):
                    raise ConfigError(
                        f"features '{first.name}' and '{column.name}' share embedding table "
                        f"'{column.embedding_name}' but disagree on {field}: "
                        f"{getattr(first, field)} vs {getattr(column, field)}"
                    )
        regularizer = keras.regularizers.L2(l2_reg) if l2_reg else None
        self._layers = {
            table: (FlatEmbedding if column.embedding_dim < FLAT_BELOW else keras.layers.Embedding)(
                column.vocabulary_size,
                column.embedding_dim,
                embeddings_initializer=column.make_initializer(None if seed is None else seed + i),
                embeddings_regularizer=regularizer,
                trainable=column.trainable,
                name=f"emb_{table}",
            )
            for i, (table, column) in enumerate(owners.items())
        }

    def __getitem__(self, embedding_name: str) -> keras.layers.Layer:
        try:
            return self._layers[embedding_name]
        except KeyError:  # RegistryError is also a KeyError, so Mapping.get / `in` work
            raise RegistryError(
                f"no embedding table '{embedding_name}'; available: {', '.join(self._layers) or '(none)'}"
            ) from None

    def __iter__(self):
        return iter(self._layers)

    def __len__(self) -> int:
        return len(self._layers)


def _get_input(inputs: Mapping[str, Any], name: str, column: Any) -> Any:
    if name not in inputs:
        raise ConfigError(f"feature '{column.name}' reads input '{name}', which is missing; have: {', '.join(inputs)}")
    return inputs[name]


def _ids(inputs: Mapping[str, Any], column: SparseFeat) -> Any:
    """The column's ids, hashed into ``[0, vocabulary_size)`` when ``use_hash`` (padding -> 0)."""
    ids = _get_input(inputs, column.name, column)
    if column.use_hash:
        pad = "" if column.dtype == "string" else 0
        ids = keras.layers.Hashing(column.vocabulary_size, mask_value=pad, name=f"hash_{column.name}")(ids)
    return ids


def _embed_one(inputs: Mapping[str, Any], column: Any, tables: Mapping[str, Any]) -> Any:
    """``[B, dim]`` for one column."""
    if isinstance(column, DenseFeat):
        return DenseTransform(column.transform, name=f"dense_{column.name}")(_get_input(inputs, column.name, column))
    ids = _ids(inputs, column)
    if not isinstance(column, VarLenSparseFeat):
        return tables[column.embedding_name](ids)  # [B, D]
    lengths = _get_input(inputs, column.length_name, column) if column.length_name else None
    mask = None if lengths is not None else ops.not_equal(ids, 0)
    if column.weight_name is None and column.combiner in VOCABULARY_MODES and fewer_rows_than_positions(column):
        rows = _table_rows(column, ids, tables)
        return VocabularyPooling(column.combiner, name=f"pool_{column.name}")(rows, ids, lengths=lengths, mask=mask)
    looked_up = tables[column.embedding_name](ids)
    if column.weight_name is not None:
        pool = POOLINGS.get("weighted")(normalize=column.weight_norm, name=f"pool_{column.name}")
        return pool(looked_up, _get_input(inputs, column.weight_name, column), lengths=lengths, mask=mask)
    pool = POOLINGS.get(column.combiner)(name=f"pool_{column.name}")
    return pool(looked_up, lengths=lengths, mask=mask)


def embed_features(
    inputs: Mapping[str, Any], columns: Iterable[Any], tables: Mapping[str, Any]
) -> dict[str, list]:
    """``group_name -> [tensor [B, dim], ...]`` in column order.

    Sparse: the embedding ``[B, embedding_dim]``. Varlen: the ``[B, maxlen, embedding_dim]`` lookup
    pooled by its combiner over the first ``length_name`` positions (or the non-zero ids), or a
    weighted sum with ``weight_name``; a ``sum`` or ``mean`` column whose table has no more rows than
    ``maxlen`` is pooled per table row instead (:class:`~matchkit.pooling.VocabularyPooling`, the same
    function). Dense: the (transformed) float value ``[B, dimension]``.

    Args:
        inputs: name -> tensor, e.g. from :func:`build_inputs` (symbolic) or a batch (eager).
        columns: the tower's columns.
        tables: an :class:`EmbeddingTables` covering every sparse column.
    """
    groups: dict[str, list] = {}
    for column in columns:
        groups.setdefault(column.group_name, []).append(_embed_one(inputs, column, tables))
    return groups


def concat_features(inputs: Mapping[str, Any], columns: Iterable[Any], tables: Mapping[str, Any]) -> Any:
    """Every group of :func:`embed_features` concatenated: ``[B, sum of dims]``, the usual tower input."""
    tensors = [t for group in embed_features(inputs, columns, tables).values() for t in group]
    if not tensors:
        raise ConfigError("concat_features: no feature columns given")
    return tensors[0] if len(tensors) == 1 else keras.layers.Concatenate(axis=-1)(tensors)


def embed_sequences(inputs: Mapping[str, Any], columns: Iterable[Any], tables: Mapping[str, Any]) -> tuple[Any, Any]:
    """The varlen ``columns`` embedded per position, unpooled: ``(seq [B, L, sum of dims], lengths [B])``.

    For models that read a history position by position (attention, routing). The columns must share
    ``maxlen`` and ``length_name`` (the sample builder's ``hist_<f>`` columns and ``hist_len`` do).
    """
    columns = [c for c in columns if isinstance(c, VarLenSparseFeat)]
    if not columns:
        raise ConfigError("no sequence (varlen_sparse) feature among the columns; add a history such as "
                          "hist_movie_id to features.user")
    layout = {(c.maxlen, c.length_name) for c in columns}
    if len(layout) != 1 or columns[0].length_name is None:
        raise ConfigError("the sequence features must share one maxlen and one length_name (e.g. hist_len), "
                          f"received {[(c.name, c.maxlen, c.length_name) for c in columns]}")
    seqs = [tables[c.embedding_name](_ids(inputs, c)) for c in columns]
    seq = seqs[0] if len(seqs) == 1 else keras.layers.Concatenate(axis=-1)(seqs)
    return seq, _get_input(inputs, columns[0].length_name, columns[0])


@keras.saving.register_keras_serializable(package="matchkit")
class RowIds(keras.layers.Layer):
    """``int32 [V]``: ``0, 1, ..., V - 1``, the ids of every row of a ``V``-row table. Its input only places
    it in a functional graph, so that the table's Embedding called on it gives the live ``[V, D]`` table."""

    def __init__(self, vocabulary_size: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.vocabulary_size = int(vocabulary_size)

    def call(self, inputs: Any) -> Any:
        return ops.arange(self.vocabulary_size, dtype="int32")

    def compute_output_shape(self, inputs_shape):
        return (self.vocabulary_size,)

    def get_config(self) -> dict:
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size}


def fewer_rows_than_positions(column: VarLenSparseFeat) -> bool:
    """Whether the column's table has no more rows than the column has positions (genres against a
    history of 50): then working per table row costs less than per position."""
    return column.vocabulary_size <= column.maxlen


def _table_rows(column: VarLenSparseFeat, ids: Any, tables: Mapping[str, Any]) -> Any:
    """``[V, D]``: the column's whole (live) embedding table, placed in the graph by its ``ids``."""
    return tables[column.embedding_name](RowIds(column.vocabulary_size, name=f"rows_{column.name}")(ids))


def embed_table_rows(inputs: Mapping[str, Any], column: VarLenSparseFeat,
                     tables: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """One varlen ``column`` as ``(rows [V, D], ids [B, L], lengths [B])``: its whole embedding table, its
    (hashed) ids and its lengths, for layers that work per table row rather than per position
    (:class:`~matchkit.layers.VocabularyAttentionPooling`)."""
    if not isinstance(column, VarLenSparseFeat) or column.length_name is None:
        raise ConfigError(f"feature '{column.name}' should be a varlen_sparse column with a length_name")
    ids = _ids(inputs, column)
    return _table_rows(column, ids, tables), ids, _get_input(inputs, column.length_name, column)
