"""Training throughput and evaluation time of every ML-1M experiment on the full MovieLens-1M, at batch
256 (DeepMatch's batch size) whatever the experiment's own (needs $MATCHKIT_DATA).

    MATCHKIT_DATA=../shared/data python -m pytest benchmarks/test_bench_train.py --benchmark-only
    MATCHKIT_DATA=../shared/data python -m pytest benchmarks/test_bench_train.py --benchmark-only -k sdm

Reports seconds per compiled block (``trainer.steps_per_execution`` steps, as a run trains), and from it
rows/s and seconds per ML-1M epoch (in ``extra_info``), plus the whole evaluation (user and item vectors,
exact top-100 for all 6,040 test users).
"""

import os

import numpy as np
import pytest

from matchkit.evaluation.evaluator import evaluate
from epoch_timer import EpochTimer

ROOT = os.environ.get("MATCHKIT_DATA")
pytestmark = pytest.mark.skipif(
    not ROOT or not os.path.isfile(os.path.join(ROOT, "ml-1m", "ratings.dat")),
    reason="set MATCHKIT_DATA to a folder holding ml-1m/")

EXPERIMENTS = ["dssm_ml1m_reference", "dssm_ml1m", "youtubednn_ml1m", "sdm_ml1m", "mind_ml1m", "comirec_sa_ml1m",
               "comirec_dr_ml1m", "ncf_ml1m", "fm_ml1m"]


@pytest.fixture(scope="module", params=EXPERIMENTS)
def timer(request):
    """One experiment at batch 256, compiled (DSSM: design.md §3 with histories of 50, and the tuned default)."""
    return EpochTimer(request.param, batch_size=256)


def test_train_throughput_batch_256(benchmark, timer):
    benchmark.pedantic(timer.block, rounds=10, iterations=1, warmup_rounds=2)
    median, steps = benchmark.stats.stats.median, timer.block_steps
    benchmark.extra_info["rows_per_second"] = steps * 256 / median
    benchmark.extra_info["seconds_per_ml1m_epoch"] = median / steps * timer.steps_per_epoch
    print(f"\n{timer.cfg.model.name}, seq_len={timer.cfg.samples.seq_len}, batch 256: {steps * 256 / median:,.0f} "
          f"rows/s, {median / steps * timer.steps_per_epoch:.1f} s per ML-1M epoch ({timer.steps_per_epoch} steps)")


def test_evaluate_all_test_users(benchmark, timer):
    t = timer
    metrics, _ = benchmark.pedantic(
        evaluate, args=(t.model, t.samples.test, t.samples.seen, "user_id", "movie_id", t.table.n_items,
                        [10, 50, 100]), rounds=5, iterations=1)
    assert np.isfinite(metrics["hr@100"])
