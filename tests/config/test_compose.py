"""Every config group option and every experiment composes against the structured schemas."""

import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf
from omegaconf.errors import ValidationError
from hydra.errors import ConfigCompositionException as HydraCompositionError

from matchkit.config import register_configs

GROUPS = ["dataset", "features", "model", "sampler", "trainer", "eval"]


def options(group):
    import importlib.resources

    root = importlib.resources.files("matchkit.conf") / group
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def composed(overrides=()):
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides))


def test_default_config_is_the_offline_synthetic_run():
    cfg = composed()
    assert cfg.dataset.name == "synthetic"
    assert cfg.model.name == "dssm" and cfg.sampler.name == "inbatch"
    OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)


@pytest.mark.parametrize("group,option", [(g, o) for g in GROUPS for o in options(g)])
def test_every_group_option_composes(group, option):
    cfg = composed([f"{group}={option}"])
    OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    if group in ("dataset", "model", "sampler"):
        assert cfg[group].name == option


@pytest.mark.parametrize("experiment", options("experiment"))
def test_every_experiment_composes(experiment):
    cfg = composed([f"+experiment={experiment}"])
    OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)


def test_dssm_ml1m_reference_holds_the_design_setup():
    cfg = composed(["+experiment=dssm_ml1m_reference"])
    assert cfg.dataset.name == "ml1m" and cfg.sampler.name == "inbatch"
    assert list(cfg.model.user_dnn_units) == [128, 64, 32] and list(cfg.model.item_dnn_units) == [64, 32]
    assert cfg.model.temperature == 0.05 and cfg.model.logq_correction and cfg.model.output_activation is None
    assert (cfg.trainer.optimizer, cfg.trainer.batch_size, cfg.trainer.epochs) == ("adam", 256, 20)
    user = {f["name"]: f for f in OmegaConf.to_container(cfg.features.user, resolve=True)}
    assert [user[n]["embedding_dim"] for n in ("user_id", "gender", "age", "occupation", "zip")] == [16] * 5
    assert user["hist_movie_id"]["maxlen"] == 50 and user["hist_movie_id"]["embedding_name"] == "movie_id"
    assert user["hist_genres"]["combiner"] == "mean" and user["hist_genres"]["length_name"] == "hist_len"
    assert [f["name"] for f in cfg.features.item] == ["movie_id", "genres"]


def test_dssm_ml1m_differs_from_the_reference_only_by_its_validated_choices():
    reference = OmegaConf.to_container(composed(["+experiment=dssm_ml1m_reference"]), resolve=True)
    tuned = OmegaConf.to_container(composed(["+experiment=dssm_ml1m"]), resolve=True)
    assert tuned["samples"]["seq_len"] == 3 and tuned["model"]["output_activation"] == "linear"
    for part in (reference, tuned):
        part["samples"].pop("seq_len"), part["model"].pop("output_activation")
        for f in part["features"]["user"]:
            f.pop("maxlen", None)
    assert tuned == reference


@pytest.mark.parametrize("override,message", [
    ("trainer.batch_size=abc", "could not be converted to Integer"),
    ("trainer.batchsize=3", "Key 'batchsize' not in 'TrainerConfig'"),
    ("model.temprature=1", "Key 'temprature' not in 'DSSMConfig'"),
    ("sampler=uniform", None),
])
def test_typos_and_wrong_types_fail_at_composition(override, message):
    if message is None:
        composed([override])
        return
    with pytest.raises((HydraCompositionError, ValidationError)) as info:
        composed([override])
    text = str(info.value) + str(info.value.__cause__)
    assert message in text


def test_unknown_group_option_lists_available():
    with pytest.raises(Exception) as info:
        composed(["sampler=inbach"])
    assert "Could not find 'sampler/inbach'" in str(info.value)
    assert "inbatch" in str(info.value)

