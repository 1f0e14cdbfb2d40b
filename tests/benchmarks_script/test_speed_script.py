"""``benchmarks/speed_vs_deepmatch.py`` without DeepMatch or ML-1M: each model's same-setup overrides compose
into DeepMatch's shapes, each experiment's options build DeepMatch alike, and ``--seq-len`` is refused where it
cannot apply."""

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


def load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def speed():
    sys.path.insert(0, str(BENCHMARKS))  # the script imports its sibling epoch_timer
    try:
        yield load("speed_vs_deepmatch")
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


@pytest.mark.parametrize("setup", ["experiment", "deepmatch"])
def test_deepmatch_is_built_alike(speed, setup):
    """The options each matchkit config gives ``deepmatch_baseline.py`` parse there into that config's history
    length, item width, DNN units and SDM heads and LSTM layers: the experiment's, or its DeepMatch setup's."""
    baseline = load("deepmatch_baseline").parser()
    for model, (experiment, _) in speed.PAIRS.items():
        cfg = composed([f"+experiment={experiment}", *(speed.same_setup(model) if setup == "deepmatch" else [])])
        args = baseline.parse_args(["--models", model, *speed.deepmatch_options(model, cfg)])
        assert args.item_dim == cfg.features.item[0].embedding_dim, model
        if model == "ncf":  # DeepMatch's NCF reads no history
            continue
        assert args.seq_len == cfg.samples.seq_len - cfg.samples.short_len, model
        assert args.user_dnn == (list(cfg.model.user_dnn_units) if "user_dnn_units" in cfg.model else None), model
        assert args.item_dnn == (list(cfg.model.item_dnn_units) if model == "dssm" else None), model
        assert args.heads == (cfg.model.num_heads if model == "sdm" else 4), model
        assert (args.rnn_layers, args.rnn_dropout) == ((1, 0.0) if model == "sdm" else (2, 0.2)), model
    sdm = baseline.parse_args(speed.deepmatch_options("sdm", composed(["+experiment=sdm_ml1m"])))
    assert (sdm.item_dim, sdm.seq_len) == (64, 50)  # sdm_ml1m: 64-wide items, 5 recent + 50


def test_seq_len_is_refused_with_the_experiments_setup():
    done = subprocess.run([sys.executable, str(SCRIPT), "--deepmatch-python", sys.executable, "--models", "mind",
                           "--setup", "experiment", "--seq-len", "10"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "each experiment's own" in done.stderr and "Traceback" not in done.stderr


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


def test_deepmatch_keeps_tensorflows_defaults():
    """The script's own TensorFlow starts as matchkit's CLI starts it (oneDNN kernels off); the DeepMatch
    processes it starts get the caller's environment as it was, TensorFlow's defaults included."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    code = ("import os, sys; sys.path.insert(0, sys.argv[1]); import speed_vs_deepmatch as s; "
            "print(s.DEEPMATCH_ENV.get('TF_ENABLE_ONEDNN_OPTS'), os.environ.get('TF_ENABLE_ONEDNN_OPTS'))")
    done = subprocess.run([sys.executable, "-c", code, str(BENCHMARKS)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.stdout.split()[-2:] == ["None", "0"], done.stderr[-2000:]
