"""Helpers of the model-zoo tests: build a model from its config on small synthetic data, train, reload."""

from types import SimpleNamespace

import keras
import numpy as np
import pytest
import tensorflow as tf
from hydra import compose, initialize_config_module

from matchkit.config import register_configs
from matchkit.run import build_model, load_data
from matchkit.training import Trainer

ZOO_SMALL = ["dataset=synthetic", "dataset.n_users=300", "dataset.n_items=150", "samples.seq_len=20",
             "trainer.batch_size=128", "trainer.learning_rate=0.005"]


def _build(overrides):
    """``(table, samples, model, sampler, optimizer)`` of the composed config with ``ZOO_SMALL`` applied."""
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        cfg = compose("config", overrides=list(overrides) + ZOO_SMALL)
    table, samples = load_data(cfg)
    return (table, samples, *build_model(cfg, table, samples, tf.distribute.get_strategy()))


def _fit(model, sampler, optimizer, samples, epochs=2):
    """Per-epoch mean losses of a short eager (no XLA) training run."""
    trainer = Trainer(model, sampler, optimizer, batch_size=128, steps_per_execution=8, jit_compile=False,
                      progress=False, seed=1)
    return [h["loss"] for h in trainer.fit(samples.train.columns, epochs=epochs)]


def _assert_towers_reload(model, table, samples, directory):
    """Both towers save as ``.keras``, reload with ``safe_mode=True`` and give the same vectors."""
    ids = np.arange(1, table.n_items + 1, dtype=np.int32)
    for name, tower, feed in (
        ("item", model.item_tower, model.item_inputs_for(ids)),
        ("user", model.user_tower, {k: samples.test[k] for k in model.user_input_names}),
    ):
        path = directory / f"{name}.keras"
        tower.save(path)
        loaded = keras.saving.load_model(path, safe_mode=True)
        np.testing.assert_allclose(loaded(feed), tower(feed), atol=1e-6)


@pytest.fixture(scope="session")
def zoo():
    """``zoo.build(overrides)``, ``zoo.fit(model, sampler, optimizer, samples)``,
    ``zoo.assert_towers_reload(model, table, samples, tmp_path)``."""
    return SimpleNamespace(build=_build, fit=_fit, assert_towers_reload=_assert_towers_reload)
