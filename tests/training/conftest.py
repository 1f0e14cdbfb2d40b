"""A small synthetic setup for the training tests: DSSM with the adaptive sampler (it has state to keep)."""

import pytest
from hydra import compose, initialize_config_module

from matchkit.config import register_configs

SMALL = ["dataset.n_users=150", "dataset.n_items=80", "samples.seq_len=10", "sampler=adaptive",
         "sampler.num_sampled=16"]


@pytest.fixture(scope="module")
def small_config():
    """``small_config(*overrides)``: the composed small setup, with ``overrides`` after it."""
    def composed(*overrides):
        register_configs()
        with initialize_config_module("matchkit.conf", version_base="1.3"):
            return compose("config", overrides=[*SMALL, *overrides])
    return composed
