"""OmegaConf resolvers the configs under ``conf/`` use; registered by ``register_configs``.

``${mk.sub:a,b}`` is ``a - b`` (e.g. SDM's long-history length
``${mk.sub:${samples.seq_len},${samples.short_len}}``); OmegaConf has no arithmetic of its own.
"""

from __future__ import annotations

from omegaconf import OmegaConf


def _sub(a, b):
    return a - b


RESOLVERS = {"mk.sub": _sub}


def register_resolvers() -> None:
    """Register every resolver of :data:`RESOLVERS` (idempotent)."""
    for name, fn in RESOLVERS.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn)
