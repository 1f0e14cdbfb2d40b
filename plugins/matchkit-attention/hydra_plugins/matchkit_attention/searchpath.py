"""Puts matchkit-attention's configs on Hydra's search path. Imports only Hydra (never TensorFlow)."""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class MatchkitAttentionSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append(provider="matchkit-attention", path="pkg://matchkit_attention.conf")
