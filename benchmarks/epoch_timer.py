"""Seconds per ML-1M training epoch of a matchkit experiment, from its compiled blocks of steps (needs $MATCHKIT_DATA).

Used by ``test_bench_train.py`` (pytest-benchmark) and ``speed_vs_deepmatch.py``. Only the compiled
training call is timed: batches gathered by index from in-memory columns, ``trainer.steps_per_execution``
optimizer steps per call, as a run of the experiment trains.
"""

from __future__ import annotations

import time

import matchkit  # noqa: F401  before TensorFlow, so that it starts as matchkit's CLI starts it
import numpy as np
import tensorflow as tf
from hydra import compose, initialize_config_module

from matchkit.config import register_configs
from matchkit.run import build_model, load_data
from matchkit.training import Trainer
from matchkit.training.batches import chunks, epoch_batches


class EpochTimer:
    """One experiment (``+experiment=<name>`` plus ``overrides``) built and compiled at ``batch_size``.

    ``block()`` runs the next full block of ``block_steps`` steps (the experiment's
    ``trainer.steps_per_execution``) and returns its loss; ``steps_per_epoch`` is the number of batches of one
    ML-1M epoch, so ``seconds_per_block / block_steps * steps_per_epoch`` is an epoch.
    """

    def __init__(self, experiment: str, overrides=(), batch_size: int = 256):
        register_configs()
        with initialize_config_module("matchkit.conf", version_base="1.3"):
            self.cfg = compose("config", overrides=[f"+experiment={experiment}", f"trainer.batch_size={batch_size}",
                                                    *overrides])
        self.table, self.samples = load_data(self.cfg)
        self.model, sampler, optimizer = build_model(self.cfg, self.table, self.samples, tf.distribute.get_strategy())
        self.block_steps = block = int(self.cfg.trainer.steps_per_execution)
        self.trainer = Trainer(self.model, sampler, optimizer, batch_size=batch_size, steps_per_execution=block,
                               jit_compile=self.cfg.trainer.jit_compile, progress=False)
        columns = self.samples.train.columns
        self.data = {n: tf.constant(columns[n]) for n in self.model.input_names}
        plan = epoch_batches(len(columns[self.model.item_col]), batch_size, seed=0, epoch=0)
        self.steps_per_epoch = len(plan)
        self.blocks = [tf.constant(b) for b in chunks(plan, block) if len(b) == block]
        self._next = 0
        self.block()  # compile

    def block(self) -> float:
        i, self._next = self._next, self._next + 1
        return float(self.trainer._train_chunk(self.data, self.blocks[i % len(self.blocks)],
                                               tf.constant(i * self.block_steps),
                                               tf.constant(self.block_steps, tf.int32)))

    def epoch_seconds(self, rounds: int = 5) -> float:
        """Median over ``rounds`` blocks, scaled to one epoch."""
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            self.block()
            times.append(time.perf_counter() - start)
        return float(np.median(times)) / self.block_steps * self.steps_per_epoch
