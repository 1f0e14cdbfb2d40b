"""Epoch plans: which rows make up each batch, as index arrays (no row-by-row shuffling)."""

from __future__ import annotations

import numpy as np

from matchkit.errors import ConfigError


def epoch_batches(n_rows: int, batch_size: int, seed: int, epoch: int, shuffle: bool = True) -> np.ndarray:
    """int32 ``[n_steps, batch_size]`` row indices for one epoch.

    Rows are permuted with a generator seeded by ``(seed, epoch)`` (so a resumed run replays the same
    order) and the last incomplete batch is dropped, so every step has the same shape and compiles once.
    """
    if batch_size <= 0:
        raise ConfigError(f"trainer.batch_size should be a positive integer, received batch_size={batch_size}")
    n_steps = n_rows // batch_size
    if n_steps == 0:
        raise ConfigError(f"trainer.batch_size={batch_size} is larger than the {n_rows} training rows; "
                          "lower trainer.batch_size")
    order = np.random.default_rng([seed, epoch]).permutation(n_rows) if shuffle else np.arange(n_rows)
    return order[: n_steps * batch_size].astype(np.int32).reshape(n_steps, batch_size)


def chunks(batches: np.ndarray, steps_per_execution: int) -> list[np.ndarray]:
    """Split ``[n_steps, B]`` into consecutive ``[<=steps_per_execution, B]`` pieces (one compiled call each)."""
    if steps_per_execution <= 0:
        raise ConfigError("trainer.steps_per_execution should be a positive integer, "
                          f"received steps_per_execution={steps_per_execution}")
    return [batches[i:i + steps_per_execution] for i in range(0, len(batches), steps_per_execution)]
