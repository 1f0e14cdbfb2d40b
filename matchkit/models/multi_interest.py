"""Base of the models that give each user several vectors, one per interest (MIND, ComiRec).

    item history [B, L] --embed--> [B, L, d] --extract--> [B, K, d] --+
    other user columns --embed, pool, concatenate--> [B, P] -----------+--> JoinedDNN --> user_tower [B, K, D]
    item id [B] --embed--> item_tower [B, D]   (rows of the item-id embedding table)

Training scores each row's user by label-aware attention over its interests, given the target item;
retrieval scores an item by the user's best interest (``matchkit.evaluation.topk``). A subclass builds
the interests from the history in :meth:`MultiInterestModel.extract`.
"""

from __future__ import annotations

import keras

from matchkit.errors import ConfigError
from matchkit.features.inputs import (EmbeddingTables, build_inputs, concat_features, embed_sequences,
                                      embed_table_rows)
from matchkit.features.varlen_sparse import VarLenSparseFeat
from matchkit.layers import DNN, InterestMask, JoinedDNN, L2Normalize, LabelAwareAttention, ServingInterests
from matchkit.losses import SampledSoftmaxLoss
from matchkit.models.base import ModelContext, RetrievalModel
from matchkit.models.towers import item_id_tower, softmax_step


class MultiInterestModel(RetrievalModel):
    """Builds the towers around :meth:`extract` and trains with sampled softmax over label-aware users.

    The history is the varlen user column(s) embedded with the item-id table (``hist_<item_col>``); the
    other user columns (profile, other histories pooled) are joined to every interest in the DNN of
    ``user_dnn_units`` (``activation``, linear last layer of width ``D`` = the item-id embedding_dim), as in
    DeepMatch. ``user_dnn_units=[]`` leaves the interests as extracted (then other columns are refused).

    Args:
        n_interests: ``K``; dynamic_interests: a user with ``n`` history items has
            ``max(1, min(K, floor(log2 n)))`` interests (MIND's dynamic K); the ones they lack are
            masked in training and repeat their first interest at serving.
        label_attention_pow: sharpness ``p`` of the label-aware attention (``softmax(p * u_k . t)``);
            hard_attention: all weight on the best-matching interest instead (ComiRec).
        l2_normalize, temperature, logq_correction, remove_accidental_hits: as in YoutubeDNN.
        l2_reg_embedding: L2 factor on the embedding tables.
    """

    #: the model's name in error messages
    model_name = "multi-interest"
    #: whether :meth:`extract` can use the history's table rows and ids
    reads_table_rows = False

    def __init__(self, context: ModelContext, n_interests=2, dynamic_interests=False, user_dnn_units=(64, 32),
                 activation="relu", label_attention_pow=1.0, hard_attention=False, l2_normalize=True,
                 temperature=0.05, logq_correction=True, remove_accidental_hits=True, l2_reg_embedding=0.0):
        super().__init__(context)
        if isinstance(n_interests, bool) or not isinstance(n_interests, int) or n_interests < 1:
            raise ConfigError(f"model.n_interests should be a positive integer, received n_interests={n_interests!r}")
        self.n_interests = n_interests
        tables = EmbeddingTables(context.user_columns + context.item_columns, seed=context.seed,
                                 l2_reg=l2_reg_embedding)
        self.item_tower, width = item_id_tower(context, tables, l2_normalize, self.model_name)
        history, other = self.split_columns(context.user_columns)
        inputs = build_inputs(context.user_columns)
        seq, lengths = embed_sequences(inputs, history, tables)
        table = None
        if self.reads_table_rows and len(history) == 1 and not history[0].use_hash:  # ids as given: seq == rows[ids]
            table = embed_table_rows(inputs, history[0], tables)[:2]
        interests = self.extract(seq, lengths, width, table)  # [B, K, d]
        interests = self.interest_dnn(interests, concat_features(inputs, other, tables) if other else None,
                                      list(user_dnn_units), activation, width)
        if l2_normalize:
            interests = L2Normalize(name="interests_l2")(interests)
        mask = InterestMask(n_interests, dynamic=dynamic_interests, name="interest_mask")(lengths)
        self.interest_model = keras.Model(inputs, [interests, mask], name="interests")
        self.user_tower = keras.Model(inputs, ServingInterests(name="serving_interests")(interests, mask),
                                      name="user_tower")
        self.label_attention = LabelAwareAttention(label_attention_pow, hard=hard_attention, name="label_attention")
        self.normalize_user = L2Normalize(name="user_l2") if l2_normalize else None
        self.loss = SampledSoftmaxLoss(temperature, logq_correction=logq_correction,
                                       remove_accidental_hits=remove_accidental_hits)

    def split_columns(self, user_columns: list) -> tuple[list, list]:
        """``(history, other)``: the varlen columns embedded with the item-id table, and the rest."""
        item_table = next(c.embedding_name for c in self.context.item_columns if c.name == self.item_col)
        history = [c for c in user_columns if isinstance(c, VarLenSparseFeat) and c.embedding_name == item_table]
        if not history:
            raise ConfigError(f"{self.model_name} extracts interests from the item history: add a varlen_sparse "
                              f"column with embedding_name '{item_table}' (e.g. hist_{self.item_col}) to "
                              f"features.user, received {[c.name for c in user_columns]}")
        return history, [c for c in user_columns if c not in history]

    def interest_dnn(self, interests, other, units: list, activation: str, width: int):
        """``[B, K, D]``: the DNN of each interest joined with the other user features ``[B, P]`` (if any)."""
        if not units:
            if other is not None:
                raise ConfigError(f"model.user_dnn_units is empty, so {self.model_name} can use only the item "
                                  "history; remove the other features.user columns or give user_dnn_units")
            if interests.shape[-1] != width:
                raise ConfigError(f"model.user_dnn_units is empty but the interests are {interests.shape[-1]} wide, "
                                  f"not the '{self.item_col}' embedding_dim {width}")
            return interests
        if units[-1] != width:
            raise ConfigError(f"the last of model.user_dnn_units must equal the '{self.item_col}' embedding_dim "
                              f"({width}), received {units}")
        options = dict(activation=activation, output_activation="linear", seed=self.context.seed, name="interest_dnn")
        if other is not None:
            return JoinedDNN(units, **options)(interests, other)
        return DNN(units, **options)(interests)

    def extract(self, seq, lengths, width: int, table=None):
        """Symbolic ``[B, K, d]`` interests from the embedded history ``seq [B, L, d]`` (``lengths [B]``);
        ``width`` is the item vectors' ``D``. ``table``: ``(rows [V, d], ids [B, L])`` with ``seq == rows[ids]``,
        given to a model with ``reads_table_rows`` whose history is one column, else None."""
        raise NotImplementedError

    def compute_loss(self, batch, sampler, seed, training=True):
        interests, mask = self.interest_model(self.user_inputs(batch), training=training)

        def item_to_user(item):
            user = self.label_attention(interests, item, mask)
            return user if self.normalize_user is None else self.normalize_user(user)

        return softmax_step(self, self.loss, batch, sampler, seed, training, item_to_user=item_to_user)
