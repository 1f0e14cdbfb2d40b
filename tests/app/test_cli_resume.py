"""Crash safety through the CLI: a training subprocess killed mid-run (SIGTERM or SIGKILL) and resumed
with ``trainer.resume=true`` ends with the same metrics as an uninterrupted run."""

import json
import signal
import subprocess
import time

import pytest
from cli_helpers import error_line, results, run_matchkit, start_matchkit

pytestmark = pytest.mark.slow  # ~2-3 minutes: five training subprocesses

# Long enough epochs (~500 one-step chunks) for a signal to land inside one.
RUN = ["dataset.n_users=1000", "dataset.n_items=200", "trainer.epochs=3", "trainer.batch_size=64",
       "trainer.steps_per_execution=1", "export.enabled=false", "seed=7"]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("baseline") / "run"
    proc = run_matchkit(run_dir, *RUN)
    assert proc.returncode == 0, proc.stderr
    return run_dir


def wait_for(path, proc, timeout=600.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.02)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_killed_mid_epoch_then_resumed_matches_uninterrupted(baseline, tmp_path, sig):
    run_dir = tmp_path / "run"
    proc = start_matchkit(run_dir, *RUN)
    wait_for(run_dir / "checkpoints" / "epoch-0001" / "state.json", proc)
    time.sleep(0.3)  # into epoch 2
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=300)
    assert not (run_dir / "metrics.json").exists()
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM
        message = error_line(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
        assert "stopped by SIGTERM with 1 of 3 epochs complete" in message, message
        assert "trainer.resume=true" in message and f"hydra.run.dir={run_dir}" in message
    else:
        assert proc.returncode == -signal.SIGKILL
    done = sorted(p.name for p in (run_dir / "checkpoints").iterdir() if not p.name.startswith("."))
    assert done in (["epoch-0001"], ["epoch-0002"])

    resumed = run_matchkit(run_dir, *RUN, "trainer.resume=true")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resume: continuing after epoch {done[0][-1]}" in resumed.stdout
    assert results(run_dir) == results(baseline)
    record = json.loads((run_dir / "run.json").read_text())
    assert record["resumed_from_epoch"] == int(done[0][-1])


def test_a_second_run_into_a_checkpointed_dir_needs_resume(baseline):
    proc = run_matchkit(baseline, *RUN)
    message = error_line(proc)
    assert "already holds a checkpoint of an earlier run (epoch-0003)" in message
    assert "trainer.resume=true" in message
