"""Puts matchkit-movielens' configs on Hydra's search path and stores their schemas. Never imports TensorFlow."""

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin


class MatchkitMovieLensSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from matchkit_movielens.schema import register_configs

        register_configs()
        search_path.append(provider="matchkit-movielens", path="pkg://matchkit_movielens.conf")
