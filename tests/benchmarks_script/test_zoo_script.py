"""``benchmarks/zoo.py`` on the synthetic data: runs over seeds, skips finished runs, reports failures and
writes RESULTS.md with the means of the runs' ``metrics.json``."""

import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ZOO = REPO / "benchmarks" / "zoo.py"
# ~5.6k training rows, one uncompiled epoch, no export: about 10 s a run
SMALL = ["dataset=synthetic", "dataset.n_users=200", "dataset.n_items=100", "trainer.epochs=1",
         "trainer.jit_compile=false", "export.enabled=false"]


def zoo(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, str(ZOO), *args, "--runs-dir", str(root / "runs"),
                           "--out", str(root / "RESULTS.md"), "--", *SMALL],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def table_rows(root: Path, experiment: str) -> tuple[list[str], list[str]]:
    """The cells of ``experiment``'s row in the accuracy table and in the time/command table."""
    lines = [line for line in (root / "RESULTS.md").read_text().splitlines() if line.startswith(f"| `{experiment}` |")]
    assert len(lines) == 2, lines
    return tuple([cell.strip() for cell in line.strip("|").split(" | ")] for line in lines)


def metrics(root: Path, experiment: str, seeds) -> list[dict]:
    return [json.loads((root / "runs" / experiment / f"seed{s}" / "metrics.json").read_text()) for s in seeds]


def check_rows(root: Path, seeds) -> None:
    """The dssm_ml1m rows agree with the mean (and per seed values) of its runs' metrics.json."""
    runs = metrics(root, "dssm_ml1m", seeds)
    accuracy, timing = table_rows(root, "dssm_ml1m")
    assert accuracy[1:3] == ["dssm", ", ".join(map(str, seeds))]
    hr = [m["hr@50"] for m in runs]
    per_seed = ", ".join(f"{v:.4f}" for v in hr)
    assert accuracy[3] == f"{statistics.fmean(hr):.4f} ± {statistics.stdev(hr):.4f} ({per_seed})"
    for cell, key in zip(accuracy[4:9], ["recall@50", "ndcg@50", "hr@50_filtered", "recall@50_filtered",
                                          "ndcg@50_filtered"]):
        assert cell == f"{statistics.fmean(m[key] for m in runs):.4f}", key
    assert accuracy[9] == "0.3555"  # DeepMatch's DSSM notebook
    epoch_seconds = [s for m in runs for s in m["epoch_seconds"]]
    assert timing[1:4] == ["1", f"{statistics.median(epoch_seconds):.1f}",
                           f"{statistics.fmean(m['train_seconds'] for m in runs):.0f}"]
    # the user's command for one seed: the zoo's own bookkeeping overrides left out, no MATCHKIT_DATA (synthetic)
    # when the runs started: one minute, or the range over the seeds
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d( – \d\d:\d\d)?", timing[4]), timing[4]
    assert timing[5] == "`python -m matchkit +experiment=dssm_ml1m seed=1 " + " ".join(SMALL) + "`"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    """Two seeds of dssm_ml1m run by the zoo."""
    root = tmp_path_factory.mktemp("zoo")
    proc = zoo(root, "--experiments", "dssm_ml1m", "--seeds", "1", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("dssm_ml1m seed=") == 2 and proc.stdout.count(": done in ") == 2, proc.stdout
    return root


def test_table_holds_the_means_of_the_runs(root):
    check_rows(root, [1, 2])
    text = (root / "RESULTS.md").read_text()
    assert "Written by `python benchmarks/zoo.py`" in text and "matchkit commit " in text
    assert "200 test users" in text and "all 100 items" in text and "TensorFlow " in text
    assert len(text.splitlines()) < 40 and not list(root.glob("*.partial*"))


def test_second_invocation_skips_finished_runs_and_reports_a_failure(root):
    metrics_json = root / "runs" / "dssm_ml1m" / "seed2" / "metrics.json"
    finished = metrics_json.stat().st_mtime_ns
    # a failing experiment first: the runs after it still go on and the table is still written
    proc = zoo(root, "--experiments", "nosuch_ml1m", "dssm_ml1m", "--seeds", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("[1/2] nosuch_ml1m seed=2: FAILED (exit "), lines
    assert "Could not find 'experiment/nosuch_ml1m'" in proc.stdout  # the failed run's own message
    assert "[2/2] dssm_ml1m seed=2: skipped (metrics.json exists)" in lines
    assert lines[-1].endswith("; 1 run(s) FAILED")
    assert metrics_json.stat().st_mtime_ns == finished
    assert (root / "runs" / "nosuch_ml1m" / "seed2" / "zoo.log").is_file()
    check_rows(root, [1, 2])
    assert "nosuch_ml1m" not in (root / "RESULTS.md").read_text()


def test_only_report_rewrites_the_table_without_running(root):
    (root / "RESULTS.md").unlink()
    proc = zoo(root, "--only-report", "--experiments", "nosuch_ml1m")
    assert proc.returncode == 0 and "seed=" not in proc.stdout, proc.stdout + proc.stderr
    assert table_rows(root, "dssm_ml1m")


def test_default_experiments_are_every_packaged_ml1m_config():
    spec = importlib.util.spec_from_file_location("zoo", ZOO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = sorted(p.stem for p in (REPO / "conf" / "experiment").glob("*_ml1m.yaml"))
    assert module.discover_experiments() == expected and "dssm_ml1m" in expected
    assert "dssm_ml1m_fast" not in expected
    assert module.parse_args(["--seeds", "4", "--", "a=1", "b=2"])[1] == ["a=1", "b=2"]
