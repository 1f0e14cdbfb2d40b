"""``benchmarks/speed_vs_deepmatch.py`` without DeepMatch or ML-1M: each model's same-setup overrides compose
into DeepMatch's shapes, and ``--seq-len`` is refused for the models whose setup it cannot change."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module

from matchkit.config import register_configs

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPT = BENCHMARKS / "speed_vs_deepmatch.py"


@pytest.fixture(scope="module")
def speed():
    sys.path.insert(0, str(BENCHMARKS))  # the script imports its sibling epoch_timer
    try:
        spec = importlib.util.spec_from_file_location("speed_vs_deepmatch", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCHMARKS))


def composed(overrides):
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        return compose("config", overrides=overrides)


@pytest.mark.parametrize("seq_len", [50, 10])
def test_same_setups_are_deepmatchs_shapes(speed, seq_len):
    for model, (experiment, fixed) in speed.PAIRS.items():
        if fixed is not None and seq_len != speed.SEQ_LEN:
            continue
        cfg = composed([f"+experiment={experiment}", *speed.same_setup(model, seq_len)])
        widths = {f.name: f.embedding_dim for f in cfg.features.item}
        assert widths["movie_id"] == 32, (model, widths)
        sequences = [f for f in cfg.features.user if f.type == "varlen_sparse"]
        if model == "ncf":  # DeepMatch's NCF: profile and item id only
            assert not sequences and list(widths) == ["movie_id"]
            continue
        assert {f.embedding_dim for f in sequences} == {32}, model
        if model == "sdm":  # 5 recent items, then 50
            assert (cfg.samples.short_len, cfg.samples.seq_len) == (5, 55)
        else:
            assert cfg.samples.seq_len == seq_len, model


def test_seq_len_is_refused_for_a_fixed_setup():
    done = subprocess.run([sys.executable, str(SCRIPT), "--deepmatch-python", sys.executable, "--models", "mind",
                           "sdm", "ncf", "--seq-len", "10"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "leave out sdm ncf" in done.stderr and "Traceback" not in done.stderr


def test_missing_data_folder_is_a_short_error():
    env = {k: v for k, v in os.environ.items() if k != "MATCHKIT_DATA"}
    done = subprocess.run([sys.executable, str(SCRIPT), "--deepmatch-python", sys.executable, "--models", "mind"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert "set MATCHKIT_DATA" in done.stderr and "Traceback" not in done.stderr
