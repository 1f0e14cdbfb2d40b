"""YoutubeDNN: a DNN user tower whose output scores against the item-id embedding table itself."""

from __future__ import annotations

from matchkit.errors import ConfigError
from matchkit.features.inputs import EmbeddingTables, build_inputs, concat_features
from matchkit.layers import DNN
from matchkit.losses import SampledSoftmaxLoss
from matchkit.models import MODELS
from matchkit.models.base import ModelContext, RetrievalModel
from matchkit.models.towers import finish_tower, item_id_tower, softmax_step


@MODELS.register("youtubednn")
class YoutubeDNN(RetrievalModel):
    """Deep Neural Networks for YouTube Recommendations (Covington et al. 2016), candidate generation.

    Called with a :class:`ModelContext` and the ``model`` config. User tower: every user column (profile
    features and the pooled history) concatenated, then a DNN of ``user_dnn_units``. The item side has no
    tower of its own: an item's vector is the row of the item-id embedding table (the softmax output
    layer), so ``user_dnn_units[-1]`` must equal that table's width; other item columns are not used.
    ``item_tower`` is still a Keras model ``{item_col: int [B]} -> [B, D]`` (the lookup) so evaluation and
    export treat it like any tower. Loss: softmax over the sampler's negatives (DeepMatch's example:
    ``frequency``, 255) with optional log-Q correction and accidental-hit removal. With ``l2_normalize``
    (DeepMatch >= 0.3) both vectors are unit length and the logits are ``cosine / temperature``.
    """

    def __init__(self, context: ModelContext, user_dnn_units=(64, 32), activation="relu",
                 output_activation="linear", dropout=0.0, use_bn=False, l2_reg_embedding=0.0, l2_reg_dnn=0.0,
                 l2_normalize=True, temperature=0.05, logq_correction=True, remove_accidental_hits=True):
        super().__init__(context)
        tables = EmbeddingTables(context.user_columns + context.item_columns, seed=context.seed,
                                 l2_reg=l2_reg_embedding)
        self.item_tower, width = item_id_tower(context, tables, l2_normalize, "youtubednn")
        if list(user_dnn_units)[-1:] != [width]:
            raise ConfigError(f"the last of model.user_dnn_units must equal the '{self.item_col}' embedding_dim "
                              f"({width}), received {list(user_dnn_units)}")
        inputs = build_inputs(context.user_columns)
        x = DNN(user_dnn_units, activation=activation, output_activation=output_activation, dropout=dropout,
                use_bn=use_bn, l2_reg=l2_reg_dnn, seed=context.seed, name="user_tower_dnn")(
            concat_features(inputs, context.user_columns, tables))
        self.user_tower = finish_tower("user_tower", inputs, x, l2_normalize)
        self.loss = SampledSoftmaxLoss(temperature, logq_correction=logq_correction,
                                       remove_accidental_hits=remove_accidental_hits)

    def compute_loss(self, batch, sampler, seed, training=True):
        return softmax_step(self, self.loss, batch, sampler, seed, training)
