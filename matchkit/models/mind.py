"""MIND: multi-interest extraction by behaviour-to-interest capsule routing."""

from __future__ import annotations

from matchkit.layers import CapsuleRouting
from matchkit.models import MODELS
from matchkit.models.base import ModelContext
from matchkit.models.multi_interest import MultiInterestModel


@MODELS.register("mind")
class MIND(MultiInterestModel):
    """Multi-Interest Network with Dynamic routing (Li et al. 2019).

    Called with a :class:`ModelContext` and the ``model`` config. The item history is routed into
    ``n_interests`` capsules by :class:`~matchkit.layers.CapsuleRouting` with one shared bilinear map
    (``routing_iterations`` rounds); ``dynamic_interests`` is the paper's per-user K. The capsules go through
    the profile-joined DNN and label-aware attention (``label_attention_pow``) of :class:`MultiInterestModel`,
    which also states the serving contract (``user_tower``: ``[B, K, D]``).
    """

    model_name = "mind"

    def __init__(self, context: ModelContext, n_interests=4, routing_iterations=3, label_attention_pow=20.0,
                 **kwargs):
        self.routing_iterations = routing_iterations
        super().__init__(context, n_interests=n_interests, label_attention_pow=label_attention_pow, **kwargs)

    def extract(self, seq, lengths, width, table=None):
        return CapsuleRouting(self.n_interests, width, iterations=self.routing_iterations, shared_map=True,
                              seed=self.context.seed, name="capsule_routing")(seq, lengths)
