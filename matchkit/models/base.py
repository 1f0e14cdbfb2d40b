"""What every retrieval model provides to the trainer, the evaluator and the exporter."""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf


@dataclass
class ModelContext:
    """What a model builder gets besides its own config.

    Attributes:
        user_columns / item_columns: built feature columns of each tower (``matchkit.features``).
        item_features: name -> array ``[n_items + 1]`` (or ``[n_items + 1, k]``) of every item's features,
            indexed by encoded item id; lets a model embed arbitrary item ids (sampled negatives, the corpus).
        item_col: name of the item id feature.
        item_counts: int64 ``[n_items + 1]`` training interactions per item.
        seed: base seed for initialisers and dropout.
    """

    user_columns: list
    item_columns: list
    item_features: dict[str, np.ndarray]
    item_col: str
    item_counts: np.ndarray
    seed: int = 0
    extra: dict = field(default_factory=dict)


class RetrievalModel:
    """Base class: a user tower and an item tower mapping features to vectors of the same width.

    Subclasses build ``self.user_tower`` and ``self.item_tower`` (Keras models taking a dict of feature
    tensors, returning ``[B, D]``) and implement :meth:`compute_loss`.
    """

    user_tower: keras.Model
    item_tower: keras.Model
    #: ``True`` when training rows need sampled pointwise negatives (``samples.negsample > 0``).
    needs_negsample: bool = False

    def __init__(self, context: ModelContext):
        self.context = context
        self.item_col = context.item_col
        self._item_tables = None

    @property
    def user_input_names(self) -> list[str]:
        return list(self.user_tower.input.keys())

    @property
    def item_input_names(self) -> list[str]:
        return list(self.item_tower.input.keys())

    @property
    def input_names(self) -> list[str]:
        """Every column a training batch must hold (inputs of both towers, plus ``label`` when pointwise)."""
        names = dict.fromkeys(self.user_input_names + self.item_input_names)
        if self.needs_negsample:
            names["label"] = None
        return list(names)

    @property
    def trainable_variables(self) -> list:
        seen, out = set(), []
        for v in self.user_tower.trainable_variables + self.item_tower.trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    def regularization_loss(self):
        losses = list(self.user_tower.losses) + list(self.item_tower.losses)
        return tf.add_n(losses) if losses else tf.constant(0.0)

    def item_inputs_for(self, item_ids):
        """Item-tower inputs for arbitrary encoded item ids ``[N]`` (gathered from the item feature tables)."""
        if self._item_tables is None:
            with tf.init_scope():  # eager constants, usable from every traced function
                self._item_tables = {n: tf.constant(self.context.item_features[n]) for n in self.item_input_names}
        return {n: tf.gather(t, item_ids) for n, t in self._item_tables.items()}

    def user_inputs(self, batch: dict) -> dict:
        return {n: batch[n] for n in self.user_input_names}

    def item_inputs(self, batch: dict) -> dict:
        return {n: batch[n] for n in self.item_input_names}

    def compute_loss(self, batch: dict, sampler, seed, training: bool = True):
        """Scalar training loss of one batch (regularisation excluded). ``seed``: int32 ``[2]``."""
        raise NotImplementedError

    def embed_items(self, item_ids: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """float32 ``[N, D]`` item vectors for encoded ids ``[N]``."""
        out = [self.item_tower(self.item_inputs_for(item_ids[i:i + batch_size]), training=False).numpy()
               for i in range(0, len(item_ids), batch_size)]
        return np.concatenate(out).astype(np.float32)

    def embed_users(self, columns: dict[str, np.ndarray], batch_size: int = 8192) -> np.ndarray:
        """float32 ``[U, D]`` user vectors for a split's columns (one row per user)."""
        n = len(next(iter(columns.values())))
        out = []
        for i in range(0, n, batch_size):
            feed = {k: tf.constant(columns[k][i:i + batch_size]) for k in self.user_input_names}
            out.append(self.user_tower(feed, training=False).numpy())
        return np.concatenate(out).astype(np.float32)
