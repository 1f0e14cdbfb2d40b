"""Structured configs (dataclasses registered in Hydra's ConfigStore) that type-check ``conf/``."""

from matchkit.config.schema import register_configs

__all__ = ["register_configs"]
