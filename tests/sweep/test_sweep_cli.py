"""``python -m matchkit -m ...`` sweeps on tiny synthetic data end with sweep_summary.csv / .md."""

import csv
import os
import subprocess
import sys

import pytest
import yaml

TINY = ["dataset.n_users=80", "dataset.n_items=60", "dataset.interactions_per_user=[5,12]", "samples.seq_len=8",
        "model.user_dnn_units=[16]", "model.item_dnn_units=[16]", "trainer.epochs=1", "trainer.batch_size=64",
        "trainer.jit_compile=false", "trainer.progress=false", "eval.ks=[10,50]", "export.enabled=false"]


def run_sweep(tmp_path, *overrides):
    """Run the sweep; returns ``(process, sweep dir, rows of sweep_summary.csv)``."""
    sweep_dir = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run([sys.executable, "-m", "matchkit", "-m", *TINY, *overrides, f"hydra.sweep.dir={sweep_dir}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(sweep_dir / "sweep_summary.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert (sweep_dir / "sweep_summary.md").read_text().strip() in proc.stdout  # the table is printed
    return proc, sweep_dir, rows


def test_a_failed_job_is_listed_and_the_sweep_goes_on(tmp_path):
    proc, sweep_dir, rows = run_sweep(tmp_path, "model.temperature=-1,0.1")
    assert [(r["job"], r["status"], r["model.temperature"]) for r in rows] == [("1", "ok", "0.1"), ("0", "failed", "-1")]
    assert 0.0 < float(rows[0]["hr@50"]) <= 1.0 and rows[1]["hr@50"] == ""
    assert rows[1]["error"].startswith("ConfigError: ") and "temperature" in rows[1]["error"]
    assert (sweep_dir / "0" / "error.txt").read_text().startswith("ConfigError: ")
    assert not (sweep_dir / "0" / "metrics.json").exists() and (sweep_dir / "1" / "metrics.json").is_file()
    assert "matchkit: job failed: ConfigError" in proc.stderr
    assert "2 job(s), 1 failed, best first by hr@50 (max)" in proc.stdout


@pytest.mark.slow
def test_joblib_launcher_runs_three_jobs_in_parallel(tmp_path):
    _, sweep_dir, rows = run_sweep(tmp_path, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "eval.headline=ndcg@50",
                                   "model.temperature=0.05,0.1,0.2")
    assert sorted(r["model.temperature"] for r in rows) == ["0.05", "0.1", "0.2"]
    assert all(r["status"] == "ok" for r in rows)
    scores = [float(r["ndcg@50"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and list(rows[0])[4] == "ndcg@50"  # ranked by eval.headline
    assert sorted(p.name for p in sweep_dir.iterdir() if p.is_dir()) == ["0", "1", "2"]


@pytest.mark.slow
def test_optuna_sweeper_runs_two_trials(tmp_path):
    _, sweep_dir, rows = run_sweep(tmp_path, "+hparams_search=dssm_optuna", "hydra.sweeper.n_trials=2")
    assert len(rows) == 2 and all(r["status"] == "ok" for r in rows)
    for r in rows:  # the sampled parameters are the varying columns (trainer.batch_size is fixed by TINY)
        assert 0.02 <= float(r["model.temperature"]) <= 0.2
        assert 0.0003 <= float(r["trainer.learning_rate"]) <= 0.01 and "trainer.batch_size" not in r
    best = yaml.safe_load((sweep_dir / "optimization_results.yaml").read_text())
    assert best["best_value"] == pytest.approx(float(rows[0]["hr@50"]))  # the job returned the headline metric
