"""What each job of a sweep left behind, and the summary table ranking them.

A job directory holds ``job.json`` (written by :class:`~matchkit.sweep.callback.SweepSummaryCallback`
when the job ends: its number, overrides and status), ``metrics.json`` (written by ``run`` when the job
succeeds) or ``error.txt`` (written by :func:`record_failure` when it fails). :func:`collect_jobs` reads
them back; :func:`write_summary` writes ``sweep_summary.csv`` (every scalar metric) and
``sweep_summary.md`` (the chosen columns) into the sweep directory, best job first.

Plain Python only (no TensorFlow, no pandas): this runs in the process that launched the sweep.
"""

from __future__ import annotations

import csv
import json
import math
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from matchkit.errors import ConfigError, MatchkitError
from matchkit.io.atomic import atomic_path, write_json

JOB_FILE = "job.json"
METRICS_FILE = "metrics.json"
ERROR_FILE = "error.txt"
CSV_FILE = "sweep_summary.csv"
MD_FILE = "sweep_summary.md"
MODES = ("max", "min")


@dataclass
class JobResult:
    """One job of a sweep: ``status`` is ``"ok"`` or ``"failed"`` (then ``error`` says why)."""

    num: int
    overrides: list[str]
    status: str
    dir: Path
    metrics: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def record_failure(out_dir: str | Path, exc: BaseException) -> Path:
    """Write ``error.txt`` into a job directory: ``Type: message`` on the first line, then the traceback.

    A :class:`MatchkitError` (bad input) gets no traceback, as on the command line.
    """
    path = Path(out_dir) / ERROR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"{type(exc).__name__}: {exc}\n"
    if not isinstance(exc, MatchkitError):
        text += "\n" + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def _fresh(path: Path, since: float | None) -> bool:
    return path.is_file() and (since is None or path.stat().st_mtime >= since)


def write_job_record(out_dir: str | Path, num: int, overrides: Sequence[str], failed: bool, started: float | None,
                     error: str | None = None) -> Path:
    """Write ``job.json`` for a finished job; a fresh ``error.txt`` (newer than ``started``) marks it failed."""
    out = Path(out_dir)
    if _fresh(out / ERROR_FILE, started):
        failed = True
        error = (out / ERROR_FILE).read_text().splitlines()[0] if (out / ERROR_FILE).stat().st_size else error
    elif not failed and not _fresh(out / METRICS_FILE, started):
        failed, error = True, error or f"the job wrote no {METRICS_FILE}"
    record = {"num": int(num), "overrides": list(overrides), "status": "failed" if failed else "ok",
              "error": error if failed else None}
    write_json(out / JOB_FILE, record)
    return out / JOB_FILE


def scalar_metrics(metrics: dict) -> dict[str, float]:
    """The numeric, non-boolean entries of a ``metrics.json`` (lists such as per-epoch losses are left out)."""
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def read_job(job_file: Path) -> JobResult:
    record = json.loads(job_file.read_text())
    job = JobResult(num=int(record["num"]), overrides=list(record["overrides"]), status=record["status"],
                    dir=job_file.parent, error=record.get("error"))
    if job.status == "ok":
        job.metrics = scalar_metrics(json.loads((job.dir / METRICS_FILE).read_text()))
    return job


def collect_jobs(sweep_dir: str | Path, since: float | None = None) -> list[JobResult]:
    """Every job under ``sweep_dir`` whose ``job.json`` was written at or after ``since`` (a Unix time)."""
    files = [p for p in Path(sweep_dir).rglob(JOB_FILE) if _fresh(p, since)]
    return sorted((read_job(p) for p in files), key=lambda j: j.num)


def rank_jobs(jobs: list[JobResult], metric: str, mode: str = "max") -> list[JobResult]:
    """Best first by ``metric`` (``mode`` ``"max"`` or ``"min"``); jobs without it, then failed jobs, last."""
    if mode not in MODES:
        raise ConfigError(f"the sweep summary mode must be one of {', '.join(MODES)}, received mode={mode!r}")
    sign = -1.0 if mode == "max" else 1.0

    def key(job: JobResult):
        value = job.metrics.get(metric)
        missing = value is None or math.isnan(value)
        return (job.status != "ok", missing, 0.0 if missing else sign * value, job.num)

    return sorted(jobs, key=key)


def _split_override(override: str) -> tuple[str, str]:
    key, _, value = override.partition("=")
    return key, value


def varying_overrides(jobs: list[JobResult]) -> tuple[list[str], list[str]]:
    """``(keys whose value differs between jobs, overrides shared by every job)``, in first-seen order."""
    values: dict[str, set] = {}
    for job in jobs:
        for key, value in map(_split_override, job.overrides):
            values.setdefault(key, set()).add(value)
    common = [o for o in (jobs[0].overrides if jobs else [])
              if len(values[_split_override(o)[0]]) == 1
              and all(o in job.overrides for job in jobs)]
    common_keys = {_split_override(o)[0] for o in common}
    return [k for k in values if k not in common_keys], common


def _cell(value) -> str:
    """Metrics with 4 decimals; a long float override value (e.g. an Optuna sample) with 4 significant digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4f}"
    text = str(value)
    if len(text) > 8 and "." in text:
        try:
            return f"{float(text):.4g}"
        except ValueError:
            pass
    return text


def summary_table(jobs: list[JobResult], metric: str, columns: Sequence[str] = (),
                  all_metrics: bool = False) -> tuple[list[str], list[list]]:
    """``(header, rows)`` for ranked ``jobs``: rank, job, status, one column per varying override,
    ``metric``, then ``columns`` (or every metric any job reported, with ``all_metrics``), then the error.
    """
    keys, _ = varying_overrides(jobs)
    if all_metrics:
        names = list(dict.fromkeys(k for job in jobs for k in job.metrics))
    else:
        names = list(columns)
    names = [metric] + [n for n in names if n != metric]
    header = ["rank", "job", "status", *keys, *names, "error"]
    rows = []
    for rank, job in enumerate(jobs, start=1):
        given = dict(map(_split_override, job.overrides))
        rows.append([rank, job.num, job.status, *(given.get(k) for k in keys),
                     *(job.metrics.get(n) for n in names), job.error or ""])
    return header, rows


def markdown(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |" for row in rows]
    return "\n".join(lines)


def write_summary(sweep_dir: str | Path, jobs: list[JobResult], metric: str, mode: str = "max",
                  columns: Sequence[str] = ()) -> str:
    """Rank ``jobs`` and write ``sweep_summary.csv`` and ``sweep_summary.md`` into ``sweep_dir``.

    The CSV has every scalar metric and each job's full override list; the Markdown has ``columns``.
    Returns the Markdown text.
    """
    sweep_dir = Path(sweep_dir)
    jobs = rank_jobs(jobs, metric, mode)
    _, common = varying_overrides(jobs)
    header, rows = summary_table(jobs, metric, all_metrics=True)
    with atomic_path(sweep_dir / CSV_FILE) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*header[:-1], "overrides", "dir", "error"])
        for job, row in zip(jobs, rows):
            writer.writerow([*row[:-1], " ".join(job.overrides), str(job.dir), row[-1]])
    n_failed = sum(job.status != "ok" for job in jobs)
    text = "\n".join([
        f"# Sweep summary: {len(jobs)} job(s), {n_failed} failed, best first by {metric} ({mode})",
        "",
        f"Sweep directory: {sweep_dir}",
        f"Common overrides: {' '.join(common) or '(none)'}",
        "",
        markdown(*summary_table(jobs, metric, columns)),
        "",
    ])
    with atomic_path(sweep_dir / MD_FILE) as tmp:
        tmp.write_text(text)
    return text
