"""FM in matching form: each side's factor sum is its vector, so the score is an inner product."""

from __future__ import annotations

from matchkit.errors import ConfigError
from matchkit.features.inputs import EmbeddingTables, build_inputs
from matchkit.losses import SampledSoftmaxLoss
from matchkit.models import MODELS
from matchkit.models.base import ModelContext, RetrievalModel
from matchkit.models.towers import finish_tower, softmax_step, sum_of_embeddings


@MODELS.register("fm")
class FM(RetrievalModel):
    """Factorization Machine (Rendle 2010) reduced to what retrieval can serve from an index.

    Called with a :class:`ModelContext` and the ``model`` config. User vector ``u = sum_f e_f`` over the user
    columns (the pooled history is one field), item vector ``v = sum_g e_g`` over the item columns, so
    ``<u, v> = sum_{f, g} <e_f, e_g>``: every user-item cross term of FM. The user-user and item-item terms
    and the first-order terms are left out (constant per user they do not change a user's ranking; per
    item they would need a bias the index cannot add). No DNN: every column must share one embedding_dim.
    Loss: softmax over the sampler's negatives (in-batch as DSSM by default); with ``l2_normalize``
    (DeepMatch >= 0.3) both sums are unit length and the logits are ``cosine / temperature``.
    """

    def __init__(self, context: ModelContext, l2_normalize=True, temperature=0.05, l2_reg_embedding=0.0,
                 logq_correction=True, remove_accidental_hits=True):
        super().__init__(context)
        tables = EmbeddingTables(context.user_columns + context.item_columns, seed=context.seed,
                                 l2_reg=l2_reg_embedding)
        towers = {}
        for side, columns in (("user", context.user_columns), ("item", context.item_columns)):
            inputs = build_inputs(columns)
            towers[side] = finish_tower(f"{side}_tower", inputs, sum_of_embeddings(inputs, columns, tables, side),
                                        l2_normalize)
        self.user_tower, self.item_tower = towers["user"], towers["item"]
        widths = (self.user_tower.output.shape[-1], self.item_tower.output.shape[-1])
        if widths[0] != widths[1]:
            raise ConfigError(f"fm needs the user and item features to share one embedding_dim, received "
                              f"{widths[0]} (user) and {widths[1]} (item)")
        if self.item_col not in self.item_input_names:
            raise ConfigError(f"the item tower must have the item id column '{self.item_col}' among "
                              f"features.item, received {self.item_input_names}")
        self.loss = SampledSoftmaxLoss(temperature, logq_correction=logq_correction,
                                       remove_accidental_hits=remove_accidental_hits)

    def compute_loss(self, batch, sampler, seed, training=True):
        return softmax_step(self, self.loss, batch, sampler, seed, training)
