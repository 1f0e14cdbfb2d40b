"""DSSM builds from its config, learns on synthetic data, and its towers reload with safe loading."""

import numpy as np
import pytest
import tensorflow as tf
from hydra import compose, initialize_config_module

from matchkit.config import register_configs
from matchkit.errors import ConfigError
from matchkit.evaluation.evaluator import evaluate
from matchkit.run import build_model, load_data
from matchkit.training import Trainer

SMALL = ["dataset.n_users=300", "dataset.n_items=150", "samples.seq_len=20", "trainer.batch_size=128"]


def config(overrides=()):
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        return compose("config", overrides=SMALL + list(overrides))


@pytest.fixture(scope="module")
def trained():
    cfg = config(["trainer.learning_rate=0.005"])
    table, samples = load_data(cfg)
    strategy = tf.distribute.get_strategy()
    model, sampler, optimizer = build_model(cfg, table, samples, strategy)
    before, _ = evaluate(model, samples.test, samples.seen, "user_id", "movie_id", table.n_items, [10])
    trainer = Trainer(model, sampler, optimizer, batch_size=128, steps_per_execution=16, progress=False, seed=1)
    history = trainer.fit(samples.train.columns, epochs=4)
    after, arrays = evaluate(model, samples.test, samples.seen, "user_id", "movie_id", table.n_items, [10])
    return table, samples, model, history, before, after, arrays


def test_dssm_learns_far_above_random(trained):
    table, samples, model, history, before, after, _ = trained
    losses = [h["loss"] for h in history]
    assert losses[-1] < losses[0] - 0.2
    # The synthetic users never repeat an item, so the filtered protocol is the meaningful one here.
    random_hr = 10 / table.n_items
    assert after["hr@10_filtered"] > 4 * random_hr, (after, random_hr)
    assert after["hr@10_filtered"] > before["hr@10_filtered"] + 0.1


def test_towers_output_unit_vectors_of_one_width(trained):
    _, _, _, _, _, _, arrays = trained
    assert arrays["user_emb"].shape[1] == arrays["item_emb"].shape[1] == 32
    np.testing.assert_allclose(np.linalg.norm(arrays["item_emb"], axis=1), 1.0, rtol=1e-5)


def test_towers_reload_with_safe_loading_and_give_the_same_embeddings(trained, tmp_path, zoo):
    table, samples, model, *_ = trained
    zoo.assert_towers_reload(model, table, samples, tmp_path)


@pytest.mark.parametrize("sampler", ["uniform", "frequency", "adaptive"])
def test_dssm_trains_with_every_sampler(sampler):
    cfg = config([f"sampler={sampler}", "sampler.num_sampled=32"])
    table, samples = load_data(cfg)
    model, smp, opt = build_model(cfg, table, samples, tf.distribute.get_strategy())
    history = Trainer(model, smp, opt, batch_size=128, steps_per_execution=8, jit_compile=False, progress=False).fit(
        samples.train.columns, epochs=2)
    assert np.isfinite(history[-1]["loss"]) and history[-1]["loss"] < history[0]["loss"]


def test_logistic_loss_trains_on_negsample_rows():
    cfg = config(["model.loss_type=logistic", "samples.negsample=2", "model.temperature=0.2"])
    table, samples = load_data(cfg)
    model, smp, opt = build_model(cfg, table, samples, tf.distribute.get_strategy())
    assert model.needs_negsample and "label" in model.input_names
    history = Trainer(model, smp, opt, batch_size=128, steps_per_execution=8, jit_compile=False, progress=False).fit(
        samples.train.columns, epochs=2)
    assert history[-1]["loss"] < history[0]["loss"]


def test_logistic_without_negsample_is_refused():
    cfg = config(["model.loss_type=logistic"])
    table, samples = load_data(cfg)
    with pytest.raises(ConfigError, match="set samples.negsample"):
        build_model(cfg, table, samples, tf.distribute.get_strategy())


def test_unknown_loss_type_is_refused():
    cfg = config(["model.loss_type=hinge"])
    table, samples = load_data(cfg)
    with pytest.raises(ConfigError, match="model.loss_type should be one of softmax, logistic"):
        build_model(cfg, table, samples, tf.distribute.get_strategy())
