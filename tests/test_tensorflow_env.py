"""Importing matchkit before TensorFlow turns TensorFlow's oneDNN custom kernels off, unless the user chose."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ON = "oneDNN custom operations are on"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def tensorflow_log(code: str, **env: str) -> str:
    """What a fresh interpreter running ``code`` prints at TensorFlow's INFO level."""
    clean = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    clean.update(TF_CPP_MIN_LOG_LEVEL="0", CUDA_VISIBLE_DEVICES="", **env)
    done = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def tensorflow_alone() -> str:
    log = tensorflow_log("import tensorflow")
    if ON not in log:
        pytest.skip("this TensorFlow build has no oneDNN custom operations to turn off")
    return log


def test_importing_matchkit_first_turns_onednn_kernels_off(tensorflow_alone):
    log = tensorflow_log("import matchkit, os, tensorflow; print(os.environ['TF_ENABLE_ONEDNN_OPTS'])")
    assert ON not in log
    assert "0" in log.splitlines()


def test_an_explicit_setting_wins(tensorflow_alone):
    assert ON in tensorflow_log("import matchkit, tensorflow", TF_ENABLE_ONEDNN_OPTS="1")


def test_benchmarks_epoch_timer_imports_matchkit_first(tensorflow_alone):
    """A benchmark that imports ``epoch_timer`` before anything else still times matchkit as its CLI runs."""
    assert ON not in tensorflow_log(f"import sys; sys.path.insert(0, {str(BENCHMARKS)!r}); import epoch_timer")
