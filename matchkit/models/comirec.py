"""ComiRec: controllable multi-interest retrieval, by self-attention (SA) or dynamic routing (DR)."""

from __future__ import annotations

from matchkit.errors import ConfigError
from matchkit.layers import CapsuleRouting, SelfAttentiveInterests
from matchkit.models import MODELS
from matchkit.models.base import ModelContext
from matchkit.models.multi_interest import MultiInterestModel

EXTRACTORS = ("sa", "dr")


@MODELS.register("comirec")
class ComiRec(MultiInterestModel):
    """Controllable Multi-Interest Framework for Recommendation (Cen et al. 2020), its retrieval module.

    Called with a :class:`ModelContext` and the ``model`` config. Extracts ``n_interests`` interests from
    the item history with ``extractor``:

    - ``sa``: :class:`~matchkit.layers.SelfAttentiveInterests` (``attention_units`` hidden, ComiRec: 4 d),
      given the history's table rows and ids, so that it can work per table row;
    - ``dr``: :class:`~matchkit.layers.CapsuleRouting` with one map per interest and zero starting logits,
      ``routing_iterations`` rounds.

    They go through the profile-joined DNN of :class:`MultiInterestModel` (as in DeepMatch; ``user_dnn_units=[]``
    and history-only features give the paper's bare form). Training picks, for each row, the interest
    closest to the target (``hard_attention``, as the paper); see :class:`MultiInterestModel`.
    """

    model_name = "comirec"

    def __init__(self, context: ModelContext, extractor="sa", n_interests=4, attention_units=None,
                 routing_iterations=3, hard_attention=True, **kwargs):
        if extractor not in EXTRACTORS:
            raise ConfigError(f"model.extractor should be one of {', '.join(EXTRACTORS)}, received '{extractor}'")
        self.extractor, self.attention_units, self.routing_iterations = extractor, attention_units, routing_iterations
        self.reads_table_rows = extractor == "sa"  # SelfAttentiveInterests works per table row where cheaper
        super().__init__(context, n_interests=n_interests, hard_attention=hard_attention, **kwargs)

    def extract(self, seq, lengths, width, table=None):
        seed = self.context.seed
        if self.extractor == "dr":
            return CapsuleRouting(self.n_interests, width, iterations=self.routing_iterations, shared_map=False,
                                  seed=seed, name="capsule_routing")(seq, lengths)
        units = self.attention_units or 4 * seq.shape[-1]
        return SelfAttentiveInterests(self.n_interests, units, seed=seed, name="self_attentive")(seq, lengths,
                                                                                               *(table or ()))
