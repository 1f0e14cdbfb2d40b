"""Every ML-1M experiment on the real MovieLens-1M for one epoch (needs $MATCHKIT_DATA)."""

import json
import os
import subprocess
import sys

import pytest


EXPERIMENTS = ["dssm_ml1m", "youtubednn_ml1m", "sdm_ml1m", "mind_ml1m", "comirec_sa_ml1m", "comirec_dr_ml1m",
               "ncf_ml1m", "fm_ml1m"]
TRAIN_ROWS = 988064  # one per training position (design.md §3)
NEGSAMPLE = {"ncf_ml1m": 4}  # pointwise experiments add this many labelled negatives per positive


def test_every_ml1m_experiment_is_tested():
    from importlib.resources import files

    found = {p.name[:-len(".yaml")] for p in (files("matchkit.conf") / "experiment").iterdir()
             if p.name.endswith("_ml1m.yaml")}
    assert found == set(EXPERIMENTS)


@pytest.mark.slow
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_experiment_runs_one_epoch_on_real_data(experiment, ml1m_data_root, tmp_path):
    run_dir = tmp_path / "run"
    env = {**os.environ, "MATCHKIT_DATA": str(ml1m_data_root)}
    proc = subprocess.run(
        [sys.executable, "-m", "matchkit", f"+experiment={experiment}", "trainer.epochs=1",
         f"hydra.run.dir={run_dir}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["n_test"] == 6040 and metrics["n_items"] == 3657
    assert metrics["n_train"] == TRAIN_ROWS * (1 + NEGSAMPLE.get(experiment, 0))
    assert metrics["epochs"] == 1 and len(metrics["epoch_seconds"]) == 1
    for key in ("hr@50", "recall@50", "ndcg@50", "mrr@50", "hr@50_filtered", "ndcg@100_filtered"):
        assert 0.0 <= metrics[key] <= 1.0
    # one epoch already retrieves far better than chance (50 / 3657 = 0.014)
    assert metrics["hr@50"] > 0.1
    assert metrics["recall@50"] == metrics["hr@50"]
    for name in ("user_tower.keras", "item_tower.keras", "item_embeddings.npz", "items.faiss"):
        assert (run_dir / name).stat().st_size > 0
    assert proc.stdout.strip().splitlines()[-1].startswith("done: hr@50=")
