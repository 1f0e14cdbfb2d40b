"""Run every ``*_ml1m`` experiment over seeds and write ``benchmarks/RESULTS.md`` (means over seeds).

    MATCHKIT_DATA=../shared/data python benchmarks/zoo.py                       # all of them, seeds 1 2 3
    python benchmarks/zoo.py --experiments dssm_ml1m --seeds 1 -- trainer.epochs=5   # extra overrides after --
    python benchmarks/zoo.py --only-report                                      # rewrite RESULTS.md only

Each run goes to ``<runs-dir>/<experiment>/seed<N>`` (its full output in ``zoo.log`` there). A run whose
``metrics.json`` exists is skipped, and an interrupted one resumes from its last checkpoint, so the
benchmark can be stopped and continued, or done a few runs at a time. A failed run is reported and the
others go on; the exit status is then 1. The table is built from every ``metrics.json`` under the runs dir.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.resources
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
K = 50
# DeepMatch's own example notebooks on ML-1M (design.md §3), by a substring of the model/experiment name.
DEEPMATCH_HR = {"comirec": "0.4364 (k=2)", "youtubednn": "0.3371", "dssm": "0.3555", "sdm": "0.4752"}
TF_NOISE = re.compile(r"^[IWEF]\d{4} |^WARNING: All log messages")
ERROR = re.compile(r"error|could not|traceback", re.IGNORECASE)
# Bookkeeping overrides the zoo adds to each run: left out of the command shown in the table.
ZOO_OVERRIDES = ("trainer.progress=false", "trainer.resume=true")
METRICS = [(f"hr@{K}", f"HR@{K}"), (f"recall@{K}", f"Recall@{K}"), (f"ndcg@{K}", f"NDCG@{K}"),
           (f"hr@{K}_filtered", f"HR@{K} filtered"), (f"recall@{K}_filtered", f"Recall@{K} filtered"),
           (f"ndcg@{K}_filtered", f"NDCG@{K} filtered")]


def discover_experiments() -> list[str]:
    """Names of the packaged ``conf/experiment/*_ml1m.yaml`` configs (``matchkit.conf``), sorted."""
    folder = importlib.resources.files("matchkit.conf") / "experiment"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith("_ml1m.yaml"))


def run_one(experiment: str, seed: int, runs: Path, extra: list[str]) -> tuple[str, bool]:
    """Run one ``python -m matchkit`` job (output to ``zoo.log`` in its run dir); ``(status, ok)``."""
    out = runs / experiment / f"seed{seed}"
    if (out / "metrics.json").is_file():
        return "skipped (metrics.json exists)", True
    out.mkdir(parents=True, exist_ok=True)
    user_keys = {o.split("=")[0].lstrip("+~") for o in extra}
    own = [o for o in ZOO_OVERRIDES if o.split("=")[0] not in user_keys]
    cmd = [sys.executable, "-m", "matchkit", f"+experiment={experiment}", f"seed={seed}",
           f"hydra.run.dir={out}", *own, *extra]
    t0 = time.perf_counter()
    with open(out / "zoo.log", "w") as log:
        rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL).returncode
    seconds = time.perf_counter() - t0
    if rc == 0 and (out / "metrics.json").is_file():
        hr = json.loads((out / "metrics.json").read_text()).get(f"hr@{K}", float("nan"))
        return f"done in {seconds:.0f} s, hr@{K}={hr:.4f}", True
    return f"FAILED (exit {rc}) after {seconds:.0f} s; log {out / 'zoo.log'}:\n" + \
        "\n".join("    " + line for line in failure_lines(out / "zoo.log")), False


def failure_lines(log: Path, n: int = 8) -> list[str]:
    """The last ``n`` lines of a failed run's log (TensorFlow's start-up noise left out), preceded by the
    first line naming the error when that lies further up (a traceback's start, Hydra's message)."""
    lines = [line for line in log.read_text(errors="replace").splitlines()
             if line.strip() and not TF_NOISE.match(line)]
    first = next((line for line in lines if ERROR.search(line)), None)
    return ([first, "..."] if first is not None and first not in lines[-n:] else []) + lines[-n:]


def run_all(experiments: list[str], seeds: list[int], runs: Path, extra: list[str]) -> int:
    """Every (experiment, seed) in turn, one status line each; the number that failed."""
    jobs = [(e, s) for e in experiments for s in seeds]
    failed = 0
    for i, (experiment, seed) in enumerate(jobs, 1):
        print(f"[{i}/{len(jobs)}] {experiment} seed={seed}: ", end="", flush=True)
        status, ok = run_one(experiment, seed, runs, extra)
        print(status, flush=True)
        failed += not ok
    return failed


def load_runs(runs: Path) -> dict[str, list[dict]]:
    """``{experiment: [{"seed", "metrics", "record"}, ...]}`` for every complete run under ``runs``."""
    found: dict[str, list[dict]] = {}
    for path in sorted(runs.glob("*/seed*/metrics.json")):
        record_path = path.parent / "run.json"
        record = json.loads(record_path.read_text()) if record_path.is_file() else {}
        seed = record.get("seed", path.parent.name[len("seed"):])
        found.setdefault(path.parent.parent.name, []).append(
            {"seed": int(seed), "metrics": json.loads(path.read_text()), "record": record})
    return {e: sorted(r, key=lambda x: x["seed"]) for e, r in sorted(found.items())}


def mean_std(values: list[float]) -> str:
    """``mean ± std (value, value, ...)`` (sample std), or the one value."""
    if len(values) == 1:
        return f"{values[0]:.4f}"
    per_seed = ", ".join(f"{v:.4f}" for v in values)
    return f"{statistics.fmean(values):.4f} ± {statistics.stdev(values):.4f} ({per_seed})"


def command(experiment: str, run: dict) -> str:
    """The command line of ``run`` as a user would type it (the zoo's bookkeeping overrides left out)."""
    overrides = run["record"].get("overrides") or [f"+experiment={experiment}", f"seed={run['seed']}"]
    args = [o for o in overrides if o not in ZOO_OVERRIDES]
    dataset = run["record"].get("config", {}).get("dataset", {}).get("name", "ml1m")
    prefix = "MATCHKIT_DATA=../shared/data " if dataset == "ml1m" else ""
    return "`" + (prefix + "python -m matchkit " + " ".join(args)).replace("|", "\\|") + "`"


def deepmatch(experiment: str, model: str) -> str:
    return next((v for key, v in DEEPMATCH_HR.items() if key in model.lower() or key in experiment), "—")


def rows(runs: dict[str, list[dict]]) -> tuple[list[str], list[str]]:
    """Markdown rows of the accuracy table and of the time/command table, one per experiment."""
    accuracy, timing = [], []
    for experiment, group in runs.items():
        model = group[0]["record"].get("config", {}).get("model", {}).get("name", experiment)
        seeds = ", ".join(str(r["seed"]) for r in group)
        values = [[r["metrics"][key] for r in group] for key, _ in METRICS]
        cells = [mean_std(values[0])] + [f"{statistics.fmean(v):.4f}" for v in values[1:]]
        accuracy.append(f"| `{experiment}` | {model} | {seeds} | " + " | ".join(cells)
                        + f" | {deepmatch(experiment, model)} |")
        epochs = sorted({r["metrics"]["epochs"] for r in group})
        epoch_text = str(epochs[0]) if len(epochs) == 1 else f"{epochs[0]}–{epochs[-1]}"
        per_epoch = statistics.median([s for r in group for s in r["metrics"]["epoch_seconds"]] or [float("nan")])
        train = statistics.fmean(r["metrics"]["train_seconds"] for r in group)
        made = sorted(r["record"].get("created", "?")[:16].replace("T", " ") for r in group)
        last = made[-1][11:] if made[0][:10] == made[-1][:10] else made[-1]  # the time alone on the same day
        when = made[0] if made[0] == made[-1] else f"{made[0]} – {last}"
        timing.append(f"| `{experiment}` | {epoch_text} | {per_epoch:.1f} | {train:.0f} | {when} | "
                      f"{command(experiment, group[0])} |")
    return accuracy, timing


def one_of(values: set, default: int) -> str:
    """The value all runs share (``default`` when they differ or there are none), with thousands separators."""
    return f"{values.pop() if len(values) == 1 else default:,}"


def machine(record: dict) -> str:
    """The platform, CPU count and TensorFlow version a run's ``run.json`` records."""
    plat = record.get("platform", {})
    return (f"{plat.get('system', '?')}, {plat.get('cpus', '?')} CPUs, "
            f"TensorFlow {record.get('versions', {}).get('tensorflow', '?')}")


def header(runs: dict[str, list[dict]]) -> list[str]:
    """Date, machine(s) the runs ran on, git commit and protocol."""
    records = [r for group in runs.values() for r in group]
    machines = sorted({machine(r["record"]) for r in records}) or \
        [f"{platform.platform()}, {os.cpu_count()} CPUs (no runs yet)"]
    n_test = one_of({r["metrics"].get("n_test") for r in records}, 6040)
    n_items = one_of({r["metrics"].get("n_items") for r in records}, 3657)
    return [
        "# matchkit on MovieLens-1M: the model zoo",
        "",
        f"Written by `python benchmarks/zoo.py` on {datetime.date.today().isoformat()} at matchkit commit "
        f"{git_commit()}. Runs on: {'; '.join(machines)}.",
        "",
        f"Protocol (design.md §3): leave-last-out, each of the {n_test} test users' last rating is held out and "
        f"all {n_items} items are ranked by exact inner-product top-{K}; *filtered* removes the items a user "
        f"rated in training before ranking (the reference protocol does not). Means over seeds; HR@{K} also "
        "with the sample standard deviation and each seed's value.",
        "",
    ]


def git_commit() -> str:
    """Short commit of the checkout, marked when tracked files have uncommitted changes."""
    def git(*args):
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return commit + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        return "unknown"


def write_report(runs_dir: Path, out: Path) -> int:
    """Write the Markdown tables from every run under ``runs_dir`` to ``out`` (atomically); rows written."""
    from matchkit.io.atomic import atomic_path

    runs = load_runs(runs_dir)
    accuracy, timing = rows(runs)
    names = " | ".join(label for _, label in METRICS)
    lines = header(runs) + [
        f"| experiment | model | seeds | {names} | DeepMatch HR@{K} |",
        "|---|---|---|" + "---|" * len(METRICS) + "---|", *accuracy, "",
        f"DeepMatch HR@{K}: the figure of DeepMatch's own example notebook (20 epochs, TF 2.5, the GroupLens "
        "release with 3,706 items), not rerun here.", "",
        "| experiment | epochs | seconds per epoch (median) | training seconds (mean) | runs started (UTC) | "
        "command (one seed) |",
        "|---|---|---|---|---|---|", *timing, "",
        "Seconds per epoch: the median over every epoch of every seed (the first one includes XLA compilation).",
    ]
    if not runs:
        lines.append(f"\nNo completed runs under {runs_dir}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    return len(accuracy)


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Options before ``--``; Hydra overrides for every run after it."""
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                epilog="Hydra overrides for every run go after --, e.g. -- trainer.epochs=5")
    p.add_argument("--experiments", nargs="+", default=None, help="default: every conf/experiment/*_ml1m.yaml")
    p.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3], help="default: 1 2 3")
    p.add_argument("--runs-dir", type=Path, default=REPO / "benchmarks" / "runs", help="default: benchmarks/runs")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS.md", help="default: %(default)s")
    p.add_argument("--only-report", action="store_true", help="only rewrite --out from the runs there are")
    return p.parse_args(argv), extra


def main(argv: list[str] | None = None) -> int:
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    runs_dir = args.runs_dir.resolve()
    failed = 0
    if not args.only_report:
        failed = run_all(args.experiments or discover_experiments(), args.seeds, runs_dir, extra)
    n = write_report(runs_dir, args.out)
    print(f"wrote {args.out} ({n} experiments from {runs_dir})" + (f"; {failed} run(s) FAILED" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
