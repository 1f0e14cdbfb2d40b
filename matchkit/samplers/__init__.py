"""Negative samplers: which items a batch is contrasted against, and how likely each was drawn.

``SAMPLERS.build(name, item_counts=counts, **cfg)`` returns a :class:`~matchkit.samplers.base.Sampler`.
"""

from matchkit.registry import Registry

SAMPLERS = Registry(
    "sampler",
    "called as SAMPLERS.build(name, item_counts=int64 [n_items + 1] (index 0 = padding, count 0) "
    "or None, **cfg); returns a Sampler with update(positive_ids int32 [B]) (once per step, before "
    "sample) and sample(positive_ids int32 [B], seed int32 [2]) -> (neg_ids int32 [N], "
    "neg_logq float32 [N], pos_logq float32 [B]); both run under tf.function(jit_compile=True)",
)

from matchkit.samplers.base import Sampler  # noqa: E402
from matchkit.samplers import adaptive, frequency, inbatch, uniform  # noqa: E402,F401

__all__ = ["SAMPLERS", "Sampler"]
