"""``benchmarks/epoch_timer.py`` on the synthetic dataset: it times the compiled calls a run of the experiment
makes, ``trainer.steps_per_execution`` steps each, and scales them to one epoch."""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def epoch_timer():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import epoch_timer

        yield epoch_timer
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_blocks_follow_the_trainers_steps_per_execution(epoch_timer):
    timer = epoch_timer.EpochTimer("dssm_ml1m", ["dataset=synthetic", "trainer.steps_per_execution=4"], batch_size=64)
    assert timer.block_steps == 4
    assert {tuple(b.shape) for b in timer.blocks} == {(4, 64)}
    assert timer.steps_per_epoch == len(timer.samples.train.columns[timer.model.item_col]) // 64
    assert len(timer.blocks) == timer.steps_per_epoch // 4
    assert np.isfinite(timer.block())
    assert timer.epoch_seconds(rounds=2) > 0

