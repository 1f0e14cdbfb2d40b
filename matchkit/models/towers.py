"""Pieces shared by the model zoo: finishing a tower, summing field embeddings, the sampled-softmax step.

    inputs = build_inputs(columns)
    x = sum_of_embeddings(inputs, columns, tables, "user")     # or concat_features(...) -> DNN
    tower = finish_tower("user_tower", inputs, x, normalize=True)
"""

from __future__ import annotations

import keras

from matchkit.errors import ConfigError
from matchkit.features.dense import DenseFeat
from matchkit.features.inputs import build_inputs, embed_features
from matchkit.layers import L2Normalize


def finish_tower(name: str, inputs: dict, x, normalize: bool) -> keras.Model:
    """``keras.Model(inputs, x)`` named ``name``, with ``L2Normalize`` (``<name>_l2``) on ``x`` if ``normalize``."""
    if normalize:
        x = L2Normalize(name=f"{name}_l2")(x)
    return keras.Model(inputs, x, name=name)


def sum_of_embeddings(inputs: dict, columns, tables, side: str):
    """``[B, k]``: the sum of every column's (pooled) embedding, FM's factor sum for one side.

    All columns must embed to the same width ``k`` (dense columns are refused: a value is not a factor).
    ``side`` names the side in errors (``user`` / ``item``).
    """
    tensors, widths = [], {}
    for column in columns:
        if isinstance(column, DenseFeat):
            raise ConfigError(f"feature '{column.name}' is dense; the {side} factor sum takes only "
                              "sparse and varlen_sparse columns")
        (tensor,), = embed_features(inputs, [column], tables).values()
        widths[column.name] = tensor.shape[-1]
        tensors.append(tensor)
    if not tensors:
        raise ConfigError(f"the {side} side has no feature columns")
    if len(set(widths.values())) != 1:
        raise ConfigError(f"summing the {side} features needs one embedding width for all of them, received "
                          f"{widths}; give every features.user / features.item column the same embedding_dim")
    return tensors[0] if len(tensors) == 1 else keras.layers.Add(name=f"{side}_factor_sum")(tensors)


def item_id_tower(context, tables, normalize: bool, model_name: str) -> tuple[keras.Model, int]:
    """``(tower, D)``: the item tower of models whose item vectors are rows of the item-id embedding table
    (the softmax output layer): ``{item_col: int [B]} -> [B, D]``, L2-normalised if ``normalize``."""
    id_columns = [c for c in context.item_columns if c.name == context.item_col]
    if not id_columns:
        raise ConfigError(f"{model_name} scores against the '{context.item_col}' embedding table: add that column "
                          f"to features.item, received {[c.name for c in context.item_columns]}")
    inputs = build_inputs(id_columns)
    x = tables[id_columns[0].embedding_name](inputs[context.item_col])
    return finish_tower("item_tower", inputs, x, normalize), id_columns[0].embedding_dim


def softmax_step(model, loss, batch: dict, sampler, seed, training: bool, item_to_user=None):
    """Sampled (or in-batch) softmax loss of one batch for a two-tower ``model``: embeds the batch's users
    and positive items, records the positives with ``sampler``, draws its negatives and embeds them with
    ``model.item_tower`` (reusing the positives' vectors when the sampler is in-batch), then calls
    ``loss`` (a :class:`~matchkit.losses.SampledSoftmaxLoss`).

    ``item_to_user(item [B, D]) -> [B, D]``: the user vectors given the positives' vectors (label-aware
    models); default ``model.user_tower`` on the batch."""
    item = model.item_tower(model.item_inputs(batch), training=training)
    user = (model.user_tower(model.user_inputs(batch), training=training) if item_to_user is None
            else item_to_user(item))
    pos_ids = batch[model.item_col]
    sampler.update(pos_ids)
    neg_ids, neg_logq, pos_logq = sampler.sample(pos_ids, seed)
    neg = item if sampler.in_batch else model.item_tower(model.item_inputs_for(neg_ids), training=training)
    return loss(user, item, pos_ids, neg, neg_ids, pos_logq, neg_logq)
