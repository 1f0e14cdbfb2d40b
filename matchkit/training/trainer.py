"""The training loop.

Training columns live in memory as tensors; each compiled call receives a ``[k, B]`` block of row
indices and runs ``k`` optimizer steps in one XLA-compiled ``tf.while_loop``, gathering each batch by
index. That keeps Python out of the per-step path (design.md §4).
"""

from __future__ import annotations

import contextlib
import gc
import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from matchkit.errors import ConfigError, MatchkitError
from matchkit.training.batches import chunks, epoch_batches

STRATEGIES = ("default", "one_device", "mirrored")


def make_strategy(name: str) -> tf.distribute.Strategy:
    """``default`` (no distribution), ``one_device`` (first GPU, else CPU) or ``mirrored`` (all local GPUs)."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        gpus = tf.config.list_logical_devices("GPU")
        return tf.distribute.OneDeviceStrategy(gpus[0].name if gpus else "/cpu:0")
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    raise ConfigError(f"unknown trainer.strategy '{name}'; available: {', '.join(STRATEGIES)}")


def make_optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    if learning_rate <= 0:
        raise ConfigError(f"trainer.learning_rate should be positive, received learning_rate={learning_rate}")
    try:
        return keras.optimizers.get({"class_name": name, "config": {"learning_rate": float(learning_rate)}})
    except ValueError:
        raise ConfigError(f"unknown trainer.optimizer '{name}'; use a Keras optimizer name such as adam, "
                          "adagrad, sgd, rmsprop, adamw") from None


class Trainer:
    """Fits a :class:`~matchkit.models.base.RetrievalModel` with a sampler.

    Args:
        model: the model (built under ``strategy.scope()``).
        sampler: a ``matchkit.samplers`` sampler.
        optimizer: a Keras optimizer (built under the same scope).
        batch_size, steps_per_execution, jit_compile, shuffle, progress: see ``conf/trainer/default.yaml``.
        seed: seeds the epoch permutations and the samplers' per-step random streams.
        strategy: the ``tf.distribute`` strategy the model was built under.
    """

    def __init__(self, model, sampler, optimizer, batch_size=256, steps_per_execution=256, jit_compile=True,
                 shuffle=True, progress=True, seed=0, strategy=None):
        self.model = model
        self.sampler = sampler
        self.optimizer = optimizer
        self.batch_size = int(batch_size)
        self.steps_per_execution = int(steps_per_execution)
        self.shuffle = shuffle
        self.progress = progress
        self.seed = int(seed)
        self.strategy = strategy or tf.distribute.get_strategy()
        self.variables = model.trainable_variables
        with self.strategy.scope():
            self.optimizer.build(self.variables)
        self._train_chunk = tf.function(self._chunk, jit_compile=bool(jit_compile), reduce_retracing=True)
        self.global_step = 0
        #: called before each compiled chunk; may raise to stop between chunks (e.g. on SIGTERM)
        self.before_chunk: Callable[[], None] | None = None

    def _step(self, batch, seed):
        with tf.GradientTape() as tape:
            loss = self.model.compute_loss(batch, self.sampler, seed, training=True)
            total = loss + self.model.regularization_loss()
        grads = [tf.convert_to_tensor(g) for g in tape.gradient(total, self.variables)]
        self.optimizer.apply_gradients(zip(grads, self.variables))
        return loss

    def _chunk(self, data, idx, step0, n_steps):
        """Runs the first ``n_steps`` rows of ``idx`` (int32 ``[k, B]``) as optimizer steps.

        ``data``: name -> ``[n_rows, ...]``. ``idx`` always has ``k = steps_per_execution`` rows (the last
        block of an epoch is padded) so the loop compiles once. Returns the mean loss of the steps run.
        """
        total, s = tf.constant(0.0), tf.constant(0)
        while s < n_steps:  # not `for s in tf.range(n_steps)`: XLA would compile once per distinct n_steps
            batch = {name: tf.gather(col, idx[s]) for name, col in data.items()}
            seed = tf.stack([tf.constant(self.seed, tf.int32), step0 + s])
            total += self._step(batch, seed)
            s += 1
        return total / tf.cast(n_steps, tf.float32)

    def _distributed_chunk(self, data, idx, step0, n_steps):
        """One step per call through ``strategy.run`` (replicas split each batch)."""
        losses = []
        for s in range(int(n_steps)):
            batch = {name: tf.gather(col, idx[s]) for name, col in data.items()}
            dist = self.strategy.experimental_distribute_values_from_function(
                lambda ctx, b=batch: {k: tf.split(v, ctx.num_replicas_in_sync)[ctx.replica_id_in_sync_group]
                                      for k, v in b.items()})
            seed = tf.constant([self.seed, int(step0) + s], tf.int32)
            per_replica = self.strategy.run(self._step, args=(dist, seed))
            losses.append(self.strategy.reduce(tf.distribute.ReduceOp.MEAN, per_replica, axis=None))
        return tf.reduce_mean(tf.stack(losses))

    def fit(self, columns: dict[str, np.ndarray], epochs: int, start_epoch: int = 0,
            on_epoch_end: Callable[[int, dict], bool] | None = None) -> list[dict]:
        """Train for ``epochs`` epochs on ``columns`` (name -> ``[n_rows, ...]``; needs ``model.input_names``).

        ``on_epoch_end(epoch, record)`` may add entries to ``record`` and returns ``True`` to stop early.
        Returns one record per epoch: ``{"epoch", "loss", "seconds"}`` plus what the callback added.
        """
        if epochs < 0:
            raise ConfigError(f"trainer.epochs should be >= 0, received epochs={epochs}")
        missing = [n for n in self.model.input_names if n not in columns]
        if missing:
            raise ConfigError(f"the model needs columns {missing} that the samples do not have; "
                              f"available: {sorted(columns)}")
        n_rows = len(columns[self.model.input_names[0]])
        data = {n: tf.constant(columns[n]) for n in self.model.input_names}
        distributed = self.strategy.num_replicas_in_sync > 1
        if distributed and self.batch_size % self.strategy.num_replicas_in_sync:
            raise ConfigError(f"trainer.batch_size={self.batch_size} must be divisible by the "
                              f"{self.strategy.num_replicas_in_sync} replicas")
        run_chunk = self._distributed_chunk if distributed else self._train_chunk
        history = []
        with _quiet_gc():
            for epoch in range(start_epoch, epochs):
                record = self._epoch(run_chunk, data, n_rows, epoch, epochs)
                stop = on_epoch_end(epoch, record) if on_epoch_end else False
                history.append(record)
                if stop:
                    break
        return history

    def _epoch(self, run_chunk, data, n_rows: int, epoch: int, epochs: int) -> dict:
        plan = epoch_batches(n_rows, self.batch_size, self.seed, epoch, self.shuffle)
        bar = tqdm(total=len(plan), desc=f"epoch {epoch + 1}/{epochs}", unit="step",
                   disable=None if self.progress else True, leave=False)
        start = time.perf_counter()
        losses = []
        for block in chunks(plan, self.steps_per_execution):
            if self.before_chunk is not None:
                self.before_chunk()
            padded = np.zeros((self.steps_per_execution, block.shape[1]), np.int32)
            padded[: len(block)] = block
            loss = run_chunk(data, tf.constant(padded), tf.constant(self.global_step, tf.int32),
                             tf.constant(len(block), tf.int32))
            losses.append((float(loss), len(block)))
            self.global_step += len(block)
            bar.update(len(block))
            bar.set_postfix(loss=f"{losses[-1][0]:.4f}", refresh=False)
        seconds = time.perf_counter() - start
        bar.close()
        mean_loss = sum(l * n for l, n in losses) / sum(n for _, n in losses)
        if not np.isfinite(mean_loss):
            raise MatchkitError(f"training diverged: the loss became {mean_loss} in epoch {epoch + 1}; "
                                "lower trainer.learning_rate")
        return {"epoch": epoch + 1, "loss": mean_loss, "seconds": seconds}


@contextlib.contextmanager
def _quiet_gc():
    """Keep Python's cyclic GC from walking the (large, long-lived) TF and Keras object graph every few
    steps: freeze what exists now and collect only once the block ends."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
