"""Model registry.

``MODELS`` entries are called as ``MODELS.build(name, context=ModelContext(...), **model_cfg)`` (the
``model`` config group minus ``name``) and returns a :class:`~matchkit.models.base.RetrievalModel`:
``user_tower`` and ``item_tower`` Keras models mapping a dict of feature tensors to ``[B, D]`` vectors
(multi-interest models: a user tower giving ``[B, K, D]``, see ``multi_interest.py``), and
``compute_loss(batch, sampler, seed, training) -> scalar``.
"""

from matchkit.registry import Registry

MODELS = Registry("model", __doc__)

from matchkit.models import dssm  # noqa: E402,F401  (registers "dssm")
from matchkit.models import fm, ncf, sdm, youtubednn  # noqa: E402,F401  (register "fm", "ncf", "sdm", "youtubednn")
from matchkit.models import comirec, mind  # noqa: E402,F401  (register "comirec", "mind")
from matchkit.models.base import ModelContext, RetrievalModel  # noqa: E402

__all__ = ["MODELS", "ModelContext", "RetrievalModel"]
