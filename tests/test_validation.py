"""Early config validation: every out-of-range value names its config key."""

import pytest
from hydra import compose, initialize_config_module

from matchkit.config import register_configs
from matchkit.errors import ConfigError
from matchkit.validation import check_writable, metric_names, validate_config


def config(*overrides):
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_defaults_and_the_experiment_pass():
    validate_config(config())
    validate_config(config("+experiment=dssm_ml1m"))


@pytest.mark.parametrize("override, key", [
    ("trainer.batch_size=0", "trainer.batch_size"),
    ("trainer.steps_per_execution=-1", "trainer.steps_per_execution"),
    ("trainer.epochs=-1", "trainer.epochs"),
    ("trainer.learning_rate=0", "trainer.learning_rate"),
    ("samples.seq_len=0", "samples.seq_len"),
    ("samples.negsample=-2", "samples.negsample"),
    ("model.temperature=-0.1", "model.temperature"),
    ("model.dropout=1.0", "model.dropout"),
    ("sampler=uniform", None),
    ("eval.ks=[0,10]", "eval.ks"),
    ("eval.ks=[]", "eval.ks"),
    ("eval.headline=hr@20", "eval.headline"),
    ("trainer.early_stopping.patience=2", "samples.valid=true"),
    ("trainer.early_stopping.monitor=hr@7", "trainer.early_stopping.monitor"),
])
def test_out_of_range_values_name_their_key(override, key):
    extra = {"sampler=uniform": ["sampler.num_sampled=0"],
             "trainer.early_stopping.monitor=hr@7": ["trainer.early_stopping.patience=1", "samples.valid=true"]}
    cfg = config(override, *extra.get(override, []))
    with pytest.raises(ConfigError, match=(key or "sampler.num_sampled").replace(".", r"\.")):
        validate_config(cfg)


def test_metric_names_follow_eval_ks():
    names = metric_names([5, 20])
    assert {"hr@5", "recall@20", "ndcg@5_filtered", "mrr@20_filtered", "train_seconds"} <= set(names)
    assert "hr@50" not in names


def test_check_writable(tmp_path):
    assert check_writable(tmp_path / "a" / "b").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="cannot write to the output directory"):
        check_writable(tmp_path / "file" / "run")


def test_sdm_features_without_the_short_long_layout_say_to_set_short_len():
    from matchkit.run import load_data
    from matchkit.validation import validate_with_data

    cfg = config("model=sdm", "features=movielens_sdm", "dataset.n_users=50", "dataset.n_items=120",
                 "samples.seq_len=10")
    table, samples = load_data(cfg)
    with pytest.raises(ConfigError, match=r"names the field 'short_movie_id'.*Set samples.short_len"):
        validate_with_data(cfg, table, samples)
