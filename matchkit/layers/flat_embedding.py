"""An embedding table kept as one flat variable."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="matchkit")
class FlatEmbedding(keras.layers.Layer):
    """``int [...] -> float [..., D]``: the rows of a ``[V, D]`` embedding table, as ``keras.layers.Embedding``.

    The table is stored as one ``[V * D]`` variable and viewed as ``[V, D]`` (:attr:`embeddings`) for the
    lookup. The function, the initial values (the initializer is called with ``(V, D)``), the L2 penalty
    and the gradient are those of ``keras.layers.Embedding``. XLA on CPU emits the optimizer's update of a
    narrow 2-D variable (``[6041, 16]``) as a loop 2-3x slower per element than over the same variable
    flat. :class:`~matchkit.features.EmbeddingTables` keeps the tables narrower than 64 this way.

    Args:
        input_dim: ``V``, the number of rows; output_dim: ``D``; embeddings_initializer,
        embeddings_regularizer: as ``keras.layers.Embedding``.
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.embeddings_regularizer = keras.regularizers.get(embeddings_regularizer)

    def build(self, input_shape=None):
        rows = (self.input_dim, self.output_dim)

        def initializer(shape, dtype=None):
            return ops.reshape(self.embeddings_initializer(rows, dtype=dtype), shape)

        self.flat_embeddings = self.add_weight(name="embeddings", shape=(self.input_dim * self.output_dim,),
                                               initializer=initializer, regularizer=self.embeddings_regularizer)

    @property
    def embeddings(self):
        """``[V, D]``: the table."""
        return ops.reshape(self.flat_embeddings, (self.input_dim, self.output_dim))

    def call(self, inputs):
        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": keras.regularizers.serialize(self.embeddings_regularizer)}
