"""Training throughput and evaluation time of DSSM on the full MovieLens-1M (needs $MATCHKIT_DATA).

    MATCHKIT_DATA=../shared/data python -m pytest benchmarks/test_bench_train.py --benchmark-only

Reports seconds per 32-step compiled block of batch 256, and from it rows/s and seconds per ML-1M
epoch (in ``extra_info``), plus exact top-100 retrieval for all 6,040 test users.
"""

import os

import numpy as np
import pytest
import tensorflow as tf
from hydra import compose, initialize_config_module

from matchkit.config import register_configs
from matchkit.evaluation.evaluator import evaluate
from matchkit.run import build_model, load_data
from matchkit.training import Trainer
from matchkit.training.batches import chunks, epoch_batches

ROOT = os.environ.get("MATCHKIT_DATA")
pytestmark = pytest.mark.skipif(
    not ROOT or not os.path.isfile(os.path.join(ROOT, "ml-1m", "ratings.dat")),
    reason="set MATCHKIT_DATA to a folder holding ml-1m/")


@pytest.fixture(scope="module", params=["dssm_ml1m_reference", "dssm_ml1m"])
def setup(request):
    """The model of design.md §3 (histories of 50) and the tuned default (histories of 3)."""
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        cfg = compose("config", overrides=[f"+experiment={request.param}"])
    table, samples = load_data(cfg)
    model, sampler, optimizer = build_model(cfg, table, samples, tf.distribute.get_strategy())
    trainer = Trainer(model, sampler, optimizer, batch_size=256, steps_per_execution=32, progress=False)
    return cfg, table, samples, model, trainer


def test_train_throughput_batch_256(benchmark, setup):
    cfg, table, samples, model, trainer = setup
    columns = samples.train.columns
    data = {n: tf.constant(columns[n]) for n in model.input_names}
    n_rows = len(columns["movie_id"])
    plan = epoch_batches(n_rows, 256, seed=0, epoch=0)
    blocks = [tf.constant(b) for b in chunks(plan, 32) if len(b) == 32]
    n32 = tf.constant(32, tf.int32)
    trainer._train_chunk(data, blocks[0], tf.constant(0), n32).numpy()  # compile
    it = iter(range(10**9))

    def block():
        i = next(it)
        return trainer._train_chunk(data, blocks[i % len(blocks)], tf.constant(i * 32), n32).numpy()

    benchmark.pedantic(block, rounds=60, iterations=1, warmup_rounds=3)
    median = benchmark.stats.stats.median
    benchmark.extra_info["rows_per_second"] = 32 * 256 / median
    benchmark.extra_info["seconds_per_ml1m_epoch"] = median / 32 * len(plan)
    print(f"\n{cfg.samples.seq_len=}, batch 256: {32 * 256 / median:,.0f} rows/s, "
          f"{median / 32 * len(plan):.1f} s per ML-1M epoch ({len(plan)} steps)")


def test_evaluate_all_test_users(benchmark, setup):
    cfg, table, samples, model, _ = setup
    metrics, _ = benchmark.pedantic(
        evaluate, args=(model, samples.test, samples.seen, "user_id", "movie_id", table.n_items, [10, 50, 100]),
        rounds=5, iterations=1)
    assert np.isfinite(metrics["hr@100"])
