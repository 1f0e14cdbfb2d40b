"""The Hydra callback that records every job of a multirun and writes the sweep summary at its end.

Enabled in ``conf/config.yaml``::

    hydra:
      callbacks:
        sweep_summary:
          _target_: matchkit.sweep.SweepSummaryCallback

``on_job_end`` runs in the job's process (with ``hydra/launcher=joblib``, a worker) and writes the job's
``job.json``; ``on_multirun_end`` runs where the sweep was launched, reads every ``job.json`` of this sweep
and writes ``sweep_summary.csv`` / ``sweep_summary.md``, then prints the table.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from matchkit.sweep.summary import MODES, collect_jobs, write_job_record, write_summary

DEFAULT_COLUMNS = ("hr@50", "hr@50_filtered", "ndcg@50", "train_seconds")


def _multirun(config: DictConfig) -> bool:
    return OmegaConf.select(config, "hydra.mode") == RunMode.MULTIRUN


class SweepSummaryCallback(Callback):
    """Rank the jobs of a sweep by ``metric`` and write the summary into the sweep directory.

    Args:
        metric: the ranking metric; None takes ``eval.headline`` from the config.
        mode: ``"max"`` (higher is better) or ``"min"``.
        columns: further metrics shown in the Markdown table (the CSV has them all).
    """

    def __init__(self, metric: str | None = None, mode: str = "max", columns: Sequence[str] = DEFAULT_COLUMNS) -> None:
        if mode not in MODES:
            raise ValueError(f"SweepSummaryCallback mode must be one of {', '.join(MODES)}, received mode={mode!r}")
        self.metric, self.mode, self.columns = metric, mode, list(columns)
        self._sweep_started: float | None = None
        self._job_started: float | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._sweep_started = time.time() - 1.0  # file times may be coarser than the clock

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._job_started = time.time() - 1.0

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        if not _multirun(config):
            return
        from hydra.core.utils import JobStatus

        failed = job_return.status == JobStatus.FAILED
        error = f"{type(job_return._return_value).__name__}: {job_return._return_value}" if failed else None
        write_job_record(config.hydra.runtime.output_dir, config.hydra.job.num, job_return.overrides or [],
                         failed, self._job_started, error)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        metric = self.metric or OmegaConf.select(config, "eval.headline") or "hr@50"
        jobs = collect_jobs(sweep_dir, since=self._sweep_started)
        if not jobs:
            print(f"matchkit: no job records found under {sweep_dir}; no sweep summary written")
            return
        text = write_summary(sweep_dir, jobs, metric, self.mode, self.columns)
        print(f"\n{text}\nwritten: {sweep_dir / 'sweep_summary.csv'}, {sweep_dir / 'sweep_summary.md'}")
