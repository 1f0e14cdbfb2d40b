"""Checkpointer: a restore gives back every variable a resumed run needs; saves are atomic; SIGTERM is
turned into a clean stop between chunks."""

import os
import signal

import numpy as np
import pytest
import tensorflow as tf

from matchkit.errors import ConfigError
from matchkit.run import build_model, load_data
from matchkit.training import Trainer
from matchkit.training.checkpoint import Checkpointer, InterruptGuard, TrainingInterrupted


@pytest.fixture(scope="module")
def data(small_config):
    """``(configs, table, samples)``; configs: the base one and one with other tower sizes."""
    configs = {"base": small_config(),
               "other": small_config("model.user_dnn_units=[16,8]", "model.item_dnn_units=[8]")}
    return configs, *load_data(configs["base"])


def fresh(data, which="base"):
    configs, table, samples = data
    model, sampler, optimizer = build_model(configs[which], table, samples, tf.distribute.get_strategy())
    trainer = Trainer(model, sampler, optimizer, batch_size=64, steps_per_execution=4, jit_compile=False,
                      progress=False, seed=3)
    return model, sampler, optimizer, trainer


def state_of(model, optimizer, sampler) -> list[np.ndarray]:
    towers = model.user_tower.variables + model.item_tower.variables
    return [v.numpy() for v in towers + list(optimizer.variables) + [sampler.counts]]


def test_restore_brings_back_weights_optimizer_and_sampler_counts(data, tmp_path):
    model, sampler, optimizer, trainer = fresh(data)
    trainer.fit(data[2].train.columns, epochs=1)
    ckpt = Checkpointer(tmp_path, model, optimizer, sampler)
    ckpt.save({"epoch": 1, "global_step": trainer.global_step, "history": [{"epoch": 1, "loss": 1.0}]})
    saved = state_of(model, optimizer, sampler)
    assert int(optimizer.iterations.numpy()) == trainer.global_step > 0
    assert sampler.counts.numpy().sum() > sampler.counts.shape[0]  # the counts have learned something

    model2, sampler2, optimizer2, _ = fresh(data)
    state = Checkpointer(tmp_path, model2, optimizer2, sampler2).restore()
    assert state == {"epoch": 1, "global_step": trainer.global_step, "history": [{"epoch": 1, "loss": 1.0}]}
    restored = state_of(model2, optimizer2, sampler2)
    assert len(restored) == len(saved)
    for a, b in zip(saved, restored):
        np.testing.assert_array_equal(a, b)


def test_only_the_newest_complete_checkpoint_is_kept(data, tmp_path):
    model, sampler, optimizer, _ = fresh(data)
    ckpt = Checkpointer(tmp_path, model, optimizer, sampler)
    assert ckpt.restore() is None
    for epoch in (1, 2, 3):
        ckpt.save({"epoch": epoch, "global_step": 10 * epoch, "history": []})
    assert [p.name for p in ckpt.completed()] == ["epoch-0003"]
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["epoch-0003"]


def test_a_save_that_fails_midway_leaves_the_previous_checkpoint(data, tmp_path, monkeypatch):
    model, sampler, optimizer, _ = fresh(data)
    ckpt = Checkpointer(tmp_path, model, optimizer, sampler)
    ckpt.save({"epoch": 1, "global_step": 5, "history": []})

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt._ckpt, "write", crash)
    with pytest.raises(OSError):
        ckpt.save({"epoch": 2, "global_step": 9, "history": []})
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["epoch-0001"]
    # A save killed outright leaves a .partial folder: ignored and cleaned up by restore.
    (tmp_path / "checkpoints" / ".epoch-0002.partial").mkdir()
    assert ckpt.restore()["epoch"] == 1
    assert not (tmp_path / "checkpoints" / ".epoch-0002.partial").exists()


def test_a_checkpoint_of_another_model_is_refused(data, tmp_path):
    model, sampler, optimizer, _ = fresh(data)
    Checkpointer(tmp_path, model, optimizer, sampler).save({"epoch": 1, "global_step": 1, "history": []})
    other = fresh(data, "other")
    with pytest.raises(ConfigError, match="does not fit this model"):
        Checkpointer(tmp_path, other[0], other[2], other[1]).restore()


def test_sigterm_stops_between_chunks_with_exit_code_143(data):
    model, sampler, optimizer, trainer = fresh(data)
    guard = InterruptGuard("resume later")
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives while "chunk 3" would run
        guard.check()

    trainer.before_chunk = check
    previous = signal.getsignal(signal.SIGTERM)
    with guard.installed(), pytest.raises(TrainingInterrupted, match="stopped by SIGTERM; resume later") as info:
        trainer.fit(data[2].train.columns, epochs=1)
    assert info.value.exit_code == 128 + signal.SIGTERM
    assert trainer.global_step == 2 * 4  # two whole chunks of 4 steps ran, the third never started
    assert signal.getsignal(signal.SIGTERM) is previous
