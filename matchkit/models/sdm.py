"""SDM: short-term session and long-term preference interests of a user, fused by a gate."""

from __future__ import annotations

import keras

from matchkit.errors import ConfigError
from matchkit.features.inputs import (EmbeddingTables, build_inputs, concat_features, embed_sequences,
                                      embed_table_rows, fewer_rows_than_positions)
from matchkit.features.varlen_sparse import VarLenSparseFeat
from matchkit.layers import (InterestGate, MaskedSelfAttention, QueryAttentionPooling, UnrolledLSTM,
                             VocabularyAttentionPooling)
from matchkit.losses import SampledSoftmaxLoss
from matchkit.models import MODELS
from matchkit.models.base import ModelContext, RetrievalModel
from matchkit.models.towers import finish_tower, item_id_tower, softmax_step

SHORT_LEN, LONG_LEN = "short_hist_len", "long_hist_len"
FIX = "set samples.short_len (e.g. samples.short_len=5) and use features=movielens_sdm (see +experiment=sdm_ml1m)"


@MODELS.register("sdm")
class SDM(RetrievalModel):
    """Sequential Deep Matching (Lv et al. 2019), as DeepMatch's SDM.

    Called with a :class:`ModelContext` and the ``model`` config. ``D`` is the ``item_col`` embedding_dim.
    The user columns (``features.user``) fall into three parts, found by their ``length_name``:

    - short-term: the varlen columns with ``length_name: short_hist_len`` (``short_<f>`` ``[B, S]``, the S
      most recent items, most recent first; ``samples.short_len = S``);
    - long-term: the varlen columns with ``length_name: long_hist_len`` (``long_<f>`` ``[B, L]``, the items
      before those), each embedding ``D`` wide;
    - profile: every other user column.

    User tower, shapes for a batch of ``B``:

    - query ``[B, D]`` = Dense(D, ``activation``) of the concatenated profile embeddings;
    - short ``s [B, D]``: the short columns looked up per position (shared tables, unpooled), concatenated
      per position ``[B, S, sum d]`` -> Dense(D, ``activation``) -> LSTM(D) (:class:`UnrolledLSTM`) ->
      :class:`MaskedSelfAttention` (``num_heads``, residual + LayerNorm; its projections without biases
      unless ``attention_bias``, as DeepMatch's) -> :class:`QueryAttentionPooling` by
      the query over the ``short_hist_len`` valid positions. The LSTM reads the session most recent first,
      as DeepMatch's SDM does; the valid positions come first, so the padding after them never reaches
      their outputs;
    - long ``p [B, D]``: each long column ``[B, L, D]`` attention-pooled by the query over its
      ``long_hist_len`` valid positions, concatenated -> Dense(D, ``activation``). A column whose table
      has no more rows than ``L`` (genres) is pooled by :class:`VocabularyAttentionPooling`, the same
      function computed per table row;
    - user vector ``[B, D]`` = :class:`InterestGate` ``g * s + (1 - g) * p``, ``g = sigmoid(Dense(D)(
      [query, s, p]))``. A row with an empty history part pools it to zeros (finite vectors).

    The item side is YoutubeDNN's: an item's vector is its row of the item-id embedding table;
    ``item_tower`` is the Keras lookup ``{item_col: int [B]} -> [B, D]``. With ``l2_normalize`` both
    vectors are unit length and the logits are ``cosine / temperature``. Loss: softmax over the
    sampler's negatives (DeepMatch's example: ``frequency``, 255) with optional log-Q correction and
    accidental-hit removal.
    """

    def __init__(self, context: ModelContext, num_heads=2, activation="tanh", dropout=0.0, attention_bias=False,
                 l2_reg_embedding=0.0, l2_normalize=True, temperature=0.05, logq_correction=True,
                 remove_accidental_hits=True):
        super().__init__(context)
        seed = context.seed
        tables = EmbeddingTables(context.user_columns + context.item_columns, seed=seed, l2_reg=l2_reg_embedding)
        self.item_tower, width = item_id_tower(context, tables, l2_normalize, "sdm")
        short, long, profile = _split_columns(context.user_columns, width)
        if isinstance(num_heads, bool) or not isinstance(num_heads, int) or num_heads <= 0 or width % num_heads:
            raise ConfigError(f"model.num_heads must be a positive integer dividing the '{self.item_col}' "
                              f"embedding_dim ({width}), received num_heads={num_heads!r}")
        inputs = build_inputs(context.user_columns)

        def dense(name, i):
            return keras.layers.Dense(width, activation=activation, name=name,
                                      kernel_initializer=keras.initializers.GlorotNormal(seed=seed + i))

        query = dense("user_query", 0)(concat_features(inputs, profile, tables))
        x, short_len = embed_sequences(inputs, short, tables)  # [B, S, sum of dims], [B]
        x = dense("short_input", 1)(x)
        x = UnrolledLSTM(width, name="short_lstm", kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2),
                         recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 3))(x)
        x = MaskedSelfAttention(num_heads, dropout=dropout, seed=seed + 4, use_bias=attention_bias,
                                name="short_self_attention")(x, short_len)
        short_vec = QueryAttentionPooling(name="short_user_attention")(x, query, short_len)
        pooled = []
        for column in long:  # each pooled by the query
            name = f"long_attention_{column.name}"
            if fewer_rows_than_positions(column):  # attend per table row
                rows, ids, long_len = embed_table_rows(inputs, column, tables)
                pooled.append(VocabularyAttentionPooling(name=name)(rows, ids, query, long_len))
            else:
                seq, long_len = embed_sequences(inputs, [column], tables)
                pooled.append(QueryAttentionPooling(name=name)(seq, query, long_len))
        long_vec = dense("long_output", 5)(_concat(pooled, "long_concat"))
        user = InterestGate(seed=seed + 6, name="interest_gate")(query, short_vec, long_vec)
        self.user_tower = finish_tower("user_tower", inputs, user, l2_normalize)
        self.loss = SampledSoftmaxLoss(temperature, logq_correction=logq_correction,
                                       remove_accidental_hits=remove_accidental_hits)

    def compute_loss(self, batch, sampler, seed, training=True):
        return softmax_step(self, self.loss, batch, sampler, seed, training)


def _split_columns(columns, width: int) -> tuple[list, list, list]:
    """``(short, long, profile)`` user columns (see :class:`SDM`), checked."""
    def by_length(name):
        return [c for c in columns if isinstance(c, VarLenSparseFeat) and c.length_name == name]

    short, long = by_length(SHORT_LEN), by_length(LONG_LEN)
    names = [c.name for c in columns]
    for part, found in (("short-term", short), ("long-term", long)):
        if not found:
            length = SHORT_LEN if part == "short-term" else LONG_LEN
            raise ConfigError(f"sdm needs {part} sequence columns in features.user (varlen_sparse with "
                              f"length_name: {length}), received {names}; {FIX}")
    wrong = {c.name: c.embedding_dim for c in long if c.embedding_dim != width}
    if wrong:
        raise ConfigError(f"sdm attends over the long-term columns with the {width}-wide user query, so each must "
                          f"embed {width} wide (the item id embedding_dim), received embedding_dim {wrong}")
    profile = [c for c in columns if c not in short and c not in long]
    if not profile:
        raise ConfigError(f"sdm needs user profile columns (e.g. user_id) besides the sequences, received {names}")
    return short, long, profile


def _concat(tensors: list, name: str):
    return tensors[0] if len(tensors) == 1 else keras.layers.Concatenate(axis=-1, name=name)(tensors)
