"""NCF (GMF + MLP) in its two-tower, index-servable form, trained pointwise on labelled pairs."""

from __future__ import annotations

import keras

from matchkit.features.inputs import EmbeddingTables, build_inputs, concat_features
from matchkit.layers import DNN
from matchkit.losses import LogisticLoss
from matchkit.models import MODELS
from matchkit.models.base import ModelContext, RetrievalModel
from matchkit.models.towers import finish_tower


@MODELS.register("ncf")
class NCF(RetrievalModel):
    """Neural Collaborative Filtering (He et al. 2017), two-tower variant.

    Called with a :class:`ModelContext` and the ``model`` config. Each side concatenates its embedded
    columns ``x`` and outputs ``[gmf(x), mlp(x)]``: ``gmf`` a linear map to ``gmf_dim`` (DeepMatch's GMF
    projection), ``mlp`` a DNN of ``mlp_units``. The score ``<u, v> = <gmf_u, gmf_i> + <mlp_u, mlp_i>`` is
    GMF's summed element-wise product plus an inner product of the two MLP towers. The paper's NeuMF fuses
    the two parts with a Dense layer over ``[gmf_u * gmf_i, mlp([x_u, x_i])]``; that needs the user and item
    together and cannot be served from a nearest-neighbour index, hence this variant. GMF and MLP share the
    embedding tables. Loss: sigmoid cross-entropy of ``<u, v> / temperature`` on the rows' ``label``
    (positives plus ``samples.negsample`` sampled negatives each), so ``needs_negsample`` is True.
    """

    needs_negsample = True

    def __init__(self, context: ModelContext, gmf_dim=32, mlp_units=(64, 32), activation="relu",
                 output_activation="linear", dropout=0.0, use_bn=False, l2_reg_embedding=0.0, l2_reg_dnn=0.0,
                 temperature=1.0):
        super().__init__(context)
        tables = EmbeddingTables(context.user_columns + context.item_columns, seed=context.seed,
                                 l2_reg=l2_reg_embedding)
        towers = {}
        for i, (side, columns) in enumerate((("user", context.user_columns), ("item", context.item_columns))):
            name, seed = f"{side}_tower", context.seed + 1000 * i
            inputs = build_inputs(columns)
            x = concat_features(inputs, columns, tables)
            gmf = DNN([gmf_dim], activation="linear", l2_reg=l2_reg_dnn, seed=seed, name=f"{name}_gmf")(x)
            mlp = DNN(mlp_units, activation=activation, output_activation=output_activation, dropout=dropout,
                      use_bn=use_bn, l2_reg=l2_reg_dnn, seed=seed + 100, name=f"{name}_mlp")(x)
            towers[side] = finish_tower(name, inputs, keras.layers.Concatenate(name=f"{name}_out")([gmf, mlp]),
                                        normalize=False)
        self.user_tower, self.item_tower = towers["user"], towers["item"]
        self.loss = LogisticLoss(temperature)

    def compute_loss(self, batch, sampler, seed, training=True):
        del sampler, seed  # the negatives are rows of the batch (label 0)
        user = self.user_tower(self.user_inputs(batch), training=training)
        item = self.item_tower(self.item_inputs(batch), training=training)
        return self.loss(user, item, batch["label"])
