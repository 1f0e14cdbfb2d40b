"""Per-epoch checkpoints of a training run, written atomically, and a clean stop on SIGTERM.

Layout inside the run directory::

    checkpoints/epoch-0003/ckpt.index, ckpt.data-*   model weights, optimizer state, sampler variables
    checkpoints/epoch-0003/state.json                epoch, Trainer.global_step, history, seed

Each checkpoint is written into ``checkpoints/.epoch-NNNN.partial/`` and renamed into place when complete,
so a process killed at any moment leaves either the previous checkpoint or the new one, never half of
one. Only the newest ``keep`` checkpoints are kept.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
from pathlib import Path
from typing import Iterator

import tensorflow as tf

from matchkit.errors import ConfigError, MatchkitError

FOLDER = "checkpoints"
_NAME = re.compile(r"^epoch-(\d+)$")


class TrainingInterrupted(MatchkitError):
    """Training stopped on a signal; the last complete epoch is in the checkpoint. Exit status 128 + signal."""

    def __init__(self, message: str, signum: int = signal.SIGTERM) -> None:
        super().__init__(message)
        self.exit_code = 128 + int(signum)


class Checkpointer:
    """Saves and restores everything a resumed run needs to continue exactly where it stopped.

    Args:
        run_dir: the run directory; checkpoints go to ``run_dir / "checkpoints"``.
        model: a :class:`~matchkit.models.base.RetrievalModel` (its ``user_tower`` and ``item_tower``).
        optimizer: the Keras optimizer (built, so its slot variables exist).
        sampler: the sampler (a ``tf.Module``; an adaptive sampler's ``counts`` variable is saved with it).
        keep: how many of the newest checkpoints to keep.
    """

    def __init__(self, run_dir: str | os.PathLike, model, optimizer, sampler, keep: int = 1) -> None:
        self.folder = Path(run_dir) / FOLDER
        self.keep = max(1, int(keep))
        self._ckpt = tf.train.Checkpoint(user_tower=model.user_tower, item_tower=model.item_tower,
                                         optimizer=optimizer, sampler=sampler)
        variables = {id(v): v for v in [*model.user_tower.variables, *model.item_tower.variables,
                                        *optimizer.variables, *sampler.variables]}
        self._variables = list(variables.values())

    def _shapes(self) -> list[list]:
        """``[name, shape]`` of every saved variable, in a fixed order (stored to check a restore fits)."""
        return [[getattr(v, "path", v.name), list(v.shape)] for v in self._variables]

    def completed(self) -> list[Path]:
        """Complete checkpoint folders, oldest first."""
        if not self.folder.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.folder.iterdir()
                 if (m := _NAME.match(p.name)) and (p / "state.json").is_file()]
        return [p for _, p in sorted(found)]

    def latest(self) -> Path | None:
        done = self.completed()
        return done[-1] if done else None

    def save(self, state: dict) -> Path:
        """Write a checkpoint of the current variables with ``state`` (needs ``state["epoch"]``)."""
        epoch = int(state["epoch"])
        final = self.folder / f"epoch-{epoch:04d}"
        tmp = self.folder / f".{final.name}.partial"
        self.folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
        absl = logging.getLogger("absl")  # tf.train.Checkpoint logs each write at INFO
        level = absl.level
        try:
            tmp.mkdir()
            absl.setLevel(max(level, logging.WARNING))
            self._ckpt.write(str(tmp / "ckpt"))
            (tmp / "state.json").write_text(json.dumps({**state, "variables": self._shapes()}, indent=1) + "\n")
            if final.exists():
                shutil.rmtree(final)
            os.rename(tmp, final)
        finally:
            absl.setLevel(level)
            shutil.rmtree(tmp, ignore_errors=True)
        for old in self.completed()[:-self.keep]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def restore(self) -> dict | None:
        """Load the newest complete checkpoint into the variables; its state, or ``None`` if there is none.

        Leftover ``.partial`` folders (a save that was killed) are removed. A checkpoint that does not fit
        this model (a different config) raises :class:`ConfigError`.
        """
        if self.folder.is_dir():
            for leftover in self.folder.glob(".*.partial"):
                shutil.rmtree(leftover, ignore_errors=True)
        path = self.latest()
        if path is None:
            return None
        state = json.loads((path / "state.json").read_text())
        saved = state.pop("variables", None)
        problem = _mismatch(saved, self._shapes()) if saved is not None else None
        if problem is None:
            try:
                self._ckpt.read(str(path / "ckpt")).assert_existing_objects_matched()
            except (ValueError, AssertionError, tf.errors.OpError) as exc:
                problem = str(exc).strip().splitlines()[0][:300]
        if problem is not None:
            raise ConfigError(f"the checkpoint {path} does not fit this model ({problem}); resume with the "
                              "config that wrote it, or start afresh in a new hydra.run.dir")
        return state


def _mismatch(saved: list, current: list) -> str | None:
    """How the saved ``[name, shape]`` list differs from the current one (shapes only; names may be
    numbered differently in another process), or ``None``."""
    if len(saved) != len(current):
        return f"it holds {len(saved)} variables, this model and optimizer have {len(current)}"
    for (_, saved_shape), (name, shape) in zip(saved, current):
        if list(saved_shape) != list(shape):
            return f"{name} has shape {tuple(shape)} here, {tuple(saved_shape)} in the checkpoint"
    return None


class InterruptGuard:
    """Turns SIGTERM (and SIGINT) into a request to stop at the next safe point.

    ``check()`` raises :class:`TrainingInterrupted` once a signal has arrived; the trainer calls it between
    compiled chunks, so a chunk is never cut in half. A second SIGINT gets Python's default behaviour.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, message: str = "") -> None:
        self.signum: int | None = None
        self.message = message
        self.where = ""

    def _handle(self, signum, frame) -> None:
        if self.signum is not None and signum == signal.SIGINT:
            signal.default_int_handler(signum, frame)
        self.signum = signum

    def check(self) -> None:
        if self.signum is not None:
            name = signal.Signals(self.signum).name
            raise TrainingInterrupted(f"stopped by {name}{self.where}; {self.message}".strip("; "), self.signum)

    @contextlib.contextmanager
    def installed(self) -> Iterator["InterruptGuard"]:
        """Install the handlers for the ``with`` block (main thread only; elsewhere a no-op)."""
        previous = {}
        try:
            for sig in self.SIGNALS:
                previous[sig] = signal.signal(sig, self._handle)
        except ValueError:  # not the main thread
            pass
        try:
            yield self
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
