"""Running ``python -m matchkit`` in a subprocess, as a user would (imported by the tests beside it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# A small synthetic run: ~5.6k training rows, 2 epochs.
SMALL = ["dataset.n_users=200", "dataset.n_items=100", "trainer.epochs=2"]
# Hydra's own records in a run directory; anything else there is an output of matchkit.
HYDRA_RECORDS = {".hydra"}


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update({"TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}, **extra)
    return env


def matchkit_args(run_dir: Path, *overrides: str, module: str = "matchkit") -> list[str]:
    return [sys.executable, "-m", module, *overrides, f"hydra.run.dir={run_dir}"]


def run_matchkit(run_dir: Path, *overrides: str, cwd: Path | None = None, timeout: float = 900,
                 **env: str) -> subprocess.CompletedProcess:
    """Run the CLI with ``overrides`` into ``run_dir`` (cwd: its parent); output captured as text."""
    return subprocess.run(matchkit_args(run_dir, *overrides), cwd=cwd or run_dir.parent, env=cli_env(**env),
                          capture_output=True, text=True, timeout=timeout)


def start_matchkit(run_dir: Path, *overrides: str) -> subprocess.Popen:
    return subprocess.Popen(matchkit_args(run_dir, *overrides), cwd=run_dir.parent, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def outputs(run_dir: Path) -> list[str]:
    """Files matchkit wrote into ``run_dir`` (Hydra's ``.hydra/`` and log files excluded)."""
    if not run_dir.is_dir():
        return []
    return sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*")
                  if p.is_file() and p.relative_to(run_dir).parts[0] not in HYDRA_RECORDS and p.suffix != ".log")


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The ``matchkit: error: ...`` line of a failed run (asserting there is exactly one, and no traceback)."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("matchkit: error: ")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def results(run_dir: Path) -> dict:
    """``metrics.json`` without its wall-clock entries (``*seconds*``): what must repeat exactly."""
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if "seconds" not in k}
