"""Entry point (group ``matchkit.plugins``): importing it registers the pooling ``attention``."""

from matchkit_attention.pooling import SelfAttentionPooling  # noqa: F401  (registers "attention")
