"""Hydra multirun support: record each job, rank them, write ``sweep_summary.csv`` / ``.md``.

    python -m matchkit -m +experiment=dssm_ml1m model.temperature=0.02,0.05,0.1

A failed job (``error.txt`` in its directory, see :func:`record_failure`) is listed as failed and does not
stop the sweep. Imports nothing heavy: the callback is built in the process that launches the sweep.
"""

from matchkit.sweep.callback import SweepSummaryCallback
from matchkit.sweep.summary import JobResult, collect_jobs, rank_jobs, record_failure, write_summary

__all__ = ["JobResult", "SweepSummaryCallback", "collect_jobs", "rank_jobs", "record_failure", "write_summary"]
