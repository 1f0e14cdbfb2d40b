"""DSSM: two DNN towers over feature columns, L2-normalised outputs, score = dot / temperature."""

from __future__ import annotations

import keras
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.features.inputs import EmbeddingTables, build_inputs, concat_features
from matchkit.layers import DNN, L2Normalize
from matchkit.losses import LogisticLoss, SampledSoftmaxLoss
from matchkit.models import MODELS
from matchkit.models.base import ModelContext, RetrievalModel

LOSS_TYPES = ("softmax", "logistic")


def build_tower(name, columns, tables, units, activation, output_activation, dropout, use_bn, l2_reg,
                seed) -> keras.Model:
    """Functional tower: feature dict -> concatenated embeddings -> DNN -> L2-normalised ``[B, units[-1]]``."""
    inputs = build_inputs(columns)
    x = concat_features(inputs, columns, tables)
    x = DNN(units, activation=activation, output_activation=output_activation, dropout=dropout, use_bn=use_bn,
            l2_reg=l2_reg, seed=seed, name=f"{name}_dnn")(x)
    return keras.Model(inputs, L2Normalize(name=f"{name}_l2")(x), name=name)


@MODELS.register("dssm")
class DSSM(RetrievalModel):
    """Deep Structured Semantic Model (Huang et al. 2013) in its two-tower retrieval form.

    Called with a :class:`ModelContext` and the ``model`` config. Loss:
    ``softmax`` — sampled/in-batch softmax over the sampler's negatives with optional log-Q correction and
    accidental-hit removal; ``logistic`` — sigmoid cross-entropy on labelled pairs (``samples.negsample``).
    ``hist_negatives = H > 0`` adds each row's ``H`` most recent history items as negatives of that row
    alone (a user does not rate a movie twice, so the next item is never one of them); this teaches the
    model to rank what comes next above what the user has already seen.
    Both towers end in ``L2Normalize``, so ``user @ item`` is a cosine and the loss divides it by
    ``temperature``.
    """

    def __init__(self, context: ModelContext, user_dnn_units=(128, 64, 32), item_dnn_units=(64, 32),
                 activation="relu", output_activation=None, dropout=0.0, use_bn=False, l2_reg_embedding=0.0,
                 l2_reg_dnn=0.0, temperature=0.05, loss_type="softmax", logq_correction=True,
                 remove_accidental_hits=True, hist_negatives=0):
        super().__init__(context)
        if loss_type not in LOSS_TYPES:
            raise ConfigError(f"model.loss_type should be one of {', '.join(LOSS_TYPES)}, received '{loss_type}'")
        if list(user_dnn_units)[-1:] != list(item_dnn_units)[-1:]:
            raise ConfigError("the last of model.user_dnn_units and model.item_dnn_units must be equal (the "
                              f"vector width), received {list(user_dnn_units)} and {list(item_dnn_units)}")
        tables = EmbeddingTables(context.user_columns + context.item_columns, seed=context.seed,
                                 l2_reg=l2_reg_embedding)
        common = dict(activation=activation, output_activation=output_activation, dropout=dropout,
                      use_bn=use_bn, l2_reg=l2_reg_dnn)
        self.user_tower = build_tower("user_tower", context.user_columns, tables, user_dnn_units,
                                      seed=context.seed, **common)
        self.item_tower = build_tower("item_tower", context.item_columns, tables, item_dnn_units,
                                      seed=context.seed + 1000, **common)
        if self.item_col not in self.item_input_names:
            raise ConfigError(f"the item tower must have the item id column '{self.item_col}' among "
                              f"features.item, received {self.item_input_names}")
        if hist_negatives < 0:
            raise ConfigError(f"model.hist_negatives should be >= 0, received hist_negatives={hist_negatives}")
        self.hist_negatives = int(hist_negatives)
        self.hist_col = f"hist_{self.item_col}"
        if self.hist_negatives and self.hist_col not in self.user_input_names:
            raise ConfigError(f"model.hist_negatives needs the user feature '{self.hist_col}'; "
                              f"the user tower has {self.user_input_names}")
        self.loss_type = loss_type
        self.needs_negsample = loss_type == "logistic"
        if loss_type == "softmax":
            self.loss = SampledSoftmaxLoss(temperature, logq_correction=logq_correction,
                                           remove_accidental_hits=remove_accidental_hits)
        else:
            self.loss = LogisticLoss(temperature)

    def compute_loss(self, batch, sampler, seed, training=True):
        user = self.user_tower(self.user_inputs(batch), training=training)
        item = self.item_tower(self.item_inputs(batch), training=training)
        if self.loss_type == "logistic":
            return self.loss(user, item, batch["label"])
        pos_ids = batch[self.item_col]
        sampler.update(pos_ids)
        neg_ids, neg_logq, pos_logq = sampler.sample(pos_ids, seed)
        if sampler.in_batch:
            neg = item
        else:
            neg = self.item_tower(self.item_inputs_for(neg_ids), training=training)
        if not self.hist_negatives:
            return self.loss(user, item, pos_ids, neg, neg_ids, pos_logq, neg_logq)
        hist = batch[self.hist_col][:, : self.hist_negatives]  # [B, H], most recent first
        flat = self.item_tower(self.item_inputs_for(tf.reshape(hist, [-1])), training=training)
        hist_emb = tf.reshape(flat, [tf.shape(hist)[0], tf.shape(hist)[1], -1])
        return self.loss(user, item, pos_ids, neg, neg_ids, pos_logq, neg_logq,
                         row_neg_emb=hist_emb, row_neg_ids=hist)
