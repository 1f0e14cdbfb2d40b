"""Job records and the sweep summary table, on job directories made by hand (no training)."""

import csv
import json
import os
import time
from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf

from matchkit.errors import ConfigError
from matchkit.sweep import SweepSummaryCallback, collect_jobs, rank_jobs, record_failure, write_summary
from matchkit.sweep.summary import varying_overrides, write_job_record


def job_dir(root, num, overrides, metrics=None, error=None):
    """A finished job: metrics.json (success) or error.txt (failure), then its job.json."""
    d = root / str(num)
    d.mkdir(parents=True)
    if metrics is not None:
        (d / "metrics.json").write_text(json.dumps({**metrics, "loss": [1.0, 0.5], "epochs": 2}))
    if error is not None:
        record_failure(d, error)
    write_job_record(d, num, overrides, failed=False, started=None)
    return d


@pytest.fixture
def sweep(tmp_path):
    job_dir(tmp_path, 0, ["lr=0.1", "seed=1"], {"hr@50": 0.30, "ndcg@50": 0.20})
    job_dir(tmp_path, 1, ["lr=0.01", "seed=1"], {"hr@50": 0.40, "ndcg@50": 0.10})
    job_dir(tmp_path, 2, ["lr=-1", "seed=1"], error=ConfigError("learning_rate must be > 0, received -1"))
    job_dir(tmp_path, 3, ["lr=0.001", "seed=1"], {"hr@50": float("nan"), "ndcg@50": 0.3})
    return tmp_path


def test_records_say_ok_or_failed_with_the_reason(sweep):
    jobs = collect_jobs(sweep)
    assert [(j.num, j.status) for j in jobs] == [(0, "ok"), (1, "ok"), (2, "failed"), (3, "ok")]
    assert jobs[2].error == "ConfigError: learning_rate must be > 0, received -1"
    assert jobs[0].metrics == {"hr@50": 0.30, "ndcg@50": 0.20, "epochs": 2}  # lists such as loss are left out
    assert (sweep / "2" / "error.txt").read_text() == "ConfigError: learning_rate must be > 0, received -1\n"


def test_a_bug_keeps_its_traceback_and_a_job_without_metrics_failed(tmp_path):
    try:
        {}["missing"]
    except KeyError as exc:
        path = record_failure(tmp_path / "a", exc)
    assert path.read_text().startswith("KeyError: 'missing'\n") and "Traceback" in path.read_text()
    (tmp_path / "b").mkdir()
    write_job_record(tmp_path / "b", 7, ["x=1"], failed=False, started=None)
    [job] = collect_jobs(tmp_path / "b")
    assert (job.num, job.status, job.error) == (7, "failed", "the job wrote no metrics.json")


def test_ranked_best_first_then_missing_metric_then_failed(sweep):
    jobs = collect_jobs(sweep)
    assert [j.num for j in rank_jobs(jobs, "hr@50")] == [1, 0, 3, 2]
    assert [j.num for j in rank_jobs(jobs, "hr@50", mode="min")] == [0, 1, 3, 2]
    assert [j.num for j in rank_jobs(jobs, "ndcg@50")] == [3, 0, 1, 2]
    with pytest.raises(ConfigError, match="received mode='best'"):
        rank_jobs(jobs, "hr@50", mode="best")


def test_varying_and_common_overrides(sweep):
    assert varying_overrides(collect_jobs(sweep)) == (["lr"], ["seed=1"])


def test_summary_files(sweep):
    text = write_summary(sweep, collect_jobs(sweep), "hr@50", columns=["ndcg@50"])
    with open(sweep / "sweep_summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["rank", "job", "status", "lr", "hr@50", "ndcg@50", "epochs", "overrides", "dir", "error"]
    assert [(r["rank"], r["job"], r["lr"], r["status"]) for r in rows] == [
        ("1", "1", "0.01", "ok"), ("2", "0", "0.1", "ok"), ("3", "3", "0.001", "ok"), ("4", "2", "-1", "failed")]
    assert rows[0]["overrides"] == "lr=0.01 seed=1" and rows[3]["error"].startswith("ConfigError")
    assert (sweep / "sweep_summary.md").read_text() == text
    assert "4 job(s), 1 failed, best first by hr@50 (max)" in text and "Common overrides: seed=1" in text
    assert "| rank | job | status | lr | hr@50 | ndcg@50 | error |" in text
    assert "| 1 | 1 | ok | 0.01 | 0.4000 | 0.1000 |  |" in text
    assert "| 3 | 3 | ok | 0.001 | nan | 0.3000 |  |" in text


def test_stale_jobs_of_an_earlier_sweep_are_left_out(sweep):
    old = time.time() - 3600
    os.utime(sweep / "0" / "job.json", (old, old))
    assert [j.num for j in collect_jobs(sweep, since=time.time() - 60)] == [1, 2, 3]


def test_callback_records_jobs_and_writes_the_summary(tmp_path, capsys):
    from hydra.core.utils import JobReturn, JobStatus
    from hydra.types import RunMode

    def config(num=None):
        job = {"num": num} if num is not None else {}
        return OmegaConf.create({"eval": {"headline": "hr@50"}, "hydra": {
            "mode": RunMode.MULTIRUN, "sweep": {"dir": str(tmp_path)}, "job": job,
            "runtime": {"output_dir": str(tmp_path / str(num))}}})

    callback = SweepSummaryCallback()
    callback.on_multirun_start(config())
    for num, temperature in ((0, "0.1"), (1, "0.2")):
        callback.on_job_start(config(num), task_function=None)
        (tmp_path / str(num)).mkdir()
        (tmp_path / str(num) / "metrics.json").write_text(json.dumps({"hr@50": 0.1 * (num + 1)}))
        callback.on_job_end(config(num), JobReturn(overrides=[f"t={temperature}"], status=JobStatus.COMPLETED))
    crashed = JobReturn(overrides=["t=0.3"], status=JobStatus.FAILED, _return_value=RuntimeError("boom"))
    (tmp_path / "2").mkdir()
    callback.on_job_start(config(2), task_function=None)
    callback.on_job_end(config(2), crashed)
    callback.on_multirun_end(config())
    out = capsys.readouterr().out
    assert "3 job(s), 1 failed, best first by hr@50 (max)" in out and "RuntimeError: boom" in out
    with open(tmp_path / "sweep_summary.csv", newline="") as f:
        assert [r["t"] for r in csv.DictReader(f)] == ["0.2", "0.1", "0.3"]


def test_callback_ignores_single_runs(tmp_path):
    cfg = OmegaConf.create({"hydra": {"mode": "RUN", "runtime": {"output_dir": str(tmp_path)}, "job": {"num": 0}}})
    SweepSummaryCallback().on_job_end(cfg, SimpleNamespace(status=None, overrides=[]))
    assert not (tmp_path / "job.json").exists()
    with pytest.raises(ValueError, match="received mode='top'"):
        SweepSummaryCallback(mode="top")
