"""Structured configs of the datasets (stored in Hydra's ConfigStore as ``schema/dataset/<name>``).

Light on purpose: the Hydra search path plugin calls :func:`register_configs` while Hydra sets up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from hydra.core.config_store import ConfigStore

from matchkit.config.schema import DatasetConfig


@dataclass
class MovieLensCSVConfig(DatasetConfig):
    data_dir: Optional[str] = None  # default: $MATCHKIT_DATA, else ~/.cache/matchkit
    download: bool = True
    max_genres: int = 10
    min_rating: Optional[float] = None
    min_user_interactions: int = 0
    url: Optional[str] = None  # null: GroupLens
    md5: Optional[str] = "published"  # "published": the release's published MD5; null: not checked


NAMES = ("ml20m", "ml25m", "ml_latest_small")


def register_configs() -> None:
    cs = ConfigStore.instance()
    for name in NAMES:
        cs.store(group="schema/dataset", name=name, node=MovieLensCSVConfig(name=name))
