"""Seconds per ML-1M epoch at batch 256, matchkit against DeepMatch 0.3.2, timed side by side; writes
``benchmarks/SPEED.md``.

    MATCHKIT_DATA=../shared/data python benchmarks/speed_vs_deepmatch.py --deepmatch-python /work/dm-venv/bin/python

DeepMatch pins TensorFlow 2.15, so it runs in its own venv (see ``deepmatch_baseline.py``). DeepMatch's model is
always built like the matchkit config it is timed against (``deepmatch_options``: history length, item width,
DNN units, SDM's heads and its single LSTM layer). For each model this times, one right after the other:
matchkit's ``*_ml1m`` experiment on DeepMatch's ML-1M example setup (the overrides in ``PAIRS``: histories of 50,
SDM 5 + 50, 32-wide items) and DeepMatch alike; and matchkit's experiment as configured (its history length),
all at batch 256, ``--repeats`` times in turn (the machine's speed drifts by 10-50% over minutes). Ratio = median
DeepMatch seconds / median matchkit seconds. ``--seq-len N`` times both libraries at histories of N instead of 50
(models with one history: not SDM, not NCF).

``--setup experiment`` times each experiment as configured against DeepMatch built alike, and writes
``benchmarks/SPEED_experiments.md``."""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DEEPMATCH_ENV = dict(os.environ)  # DeepMatch runs with TensorFlow's defaults, as its users run it
import matchkit  # noqa: E402,F401  first, so that this process's TensorFlow is set up as matchkit's CLI sets it up

import keras  # noqa: E402
import numpy as np
from epoch_timer import EpochTimer

HERE = Path(__file__).resolve().parent
SEQ_LEN = 50  # DeepMatch's examples
# DeepMatch model -> (matchkit experiment, overrides giving DeepMatch's setup; None: one history of --seq-len)
PAIRS = {
    "dssm": ("dssm_ml1m", None),
    "youtubednn": ("youtubednn_ml1m", None),
    "sdm": ("sdm_ml1m", [f"features.{side}.{i}.embedding_dim=32" for side, i in
                         [("user", 5), ("user", 6), ("user", 7), ("user", 8), ("item", 0), ("item", 1)]]),
    "mind": ("mind_ml1m", None),
    "comirec_sa": ("comirec_sa_ml1m", None),
    "comirec_dr": ("comirec_dr_ml1m", None),
    "fm": ("fm_ml1m", None),
    "ncf": ("ncf_ml1m", [  # DeepMatch's NCF takes the profile and the item id, no history
        "features.user=[" + ",".join(f"{{type:sparse,name:{f},embedding_dim:16}}"
                                     for f in ("user_id", "gender", "age", "occupation", "zip")) + "]",
        "features.item=[{type:sparse,name:movie_id,embedding_dim:32}]"]),
}


def same_setup(model: str, seq_len: int = SEQ_LEN) -> list[str]:
    """The overrides that give ``PAIRS[model]``'s experiment DeepMatch's setup, at histories of ``seq_len``."""
    overrides = PAIRS[model][1]
    return [f"samples.seq_len={seq_len}"] if overrides is None else overrides


def deepmatch_options(model: str, cfg) -> list[str]:
    """``deepmatch_baseline.py`` options that build DeepMatch's ``model`` as the composed matchkit ``cfg``:
    its history length, item width, DNN units, and SDM's heads and single LSTM layer without dropout
    (DeepMatch's NCF takes no history: none there)."""
    options = ["--item-dim", str(cfg.features.item[0].embedding_dim)]
    if model != "ncf":
        options += ["--seq-len", str(cfg.samples.seq_len - cfg.samples.short_len)]
    if model in ("dssm", "youtubednn", "mind", "comirec_sa", "comirec_dr"):
        options += ["--user-dnn", *map(str, cfg.model.user_dnn_units)]
    if model == "dssm":
        options += ["--item-dnn", *map(str, cfg.model.item_dnn_units)]
    if model == "sdm":  # matchkit's SDM: one LSTM layer, dropout only in the self-attention
        options += ["--heads", str(cfg.model.num_heads), "--rnn-layers", "1", "--rnn-dropout", "0"]
    return options


def deepmatch_seconds(python: str, model: str, steps: int, data: str, options: list[str]) -> float:
    """DeepMatch's extrapolated seconds per epoch for ``model`` (a ``deepmatch_baseline.py`` run with
    ``options``)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dm.json"
        subprocess.run([python, str(HERE / "deepmatch_baseline.py"), "--data", data, "--models", model,
                        "--steps", str(steps), *options, "--out", str(out)], check=True, stdout=subprocess.DEVNULL,
                       env=DEEPMATCH_ENV)
        result = json.loads(out.read_text())["results"][0]
    if "error" in result:
        raise RuntimeError(f"DeepMatch {model}: {result['error']}")
    return float(result["epoch_s_extrapolated"])


def alternate(repeats: int, *timings):
    """Each of ``timings`` (callables returning seconds) run ``repeats`` times in turn, so that a slow minute of
    the machine hits every side; returns the list of seconds of each."""
    runs = [[] for _ in timings]
    for _ in range(repeats):
        for run, timing in zip(runs, timings):
            run.append(timing())
    return runs


def speedup(dm: list[float], mk: list[float]) -> tuple[float, str]:
    """Median DeepMatch seconds / median matchkit seconds, and the range of the per-repeat ratios."""
    ratios = [d / m for d, m in zip(dm, mk)]
    return float(np.median(dm)) / float(np.median(mk)), f"{min(ratios):.1f}-{max(ratios):.1f}x"


def setup_of(cfg) -> str:
    """The table's words for an experiment's history length and item width."""
    return f"seq_len {cfg.samples.seq_len}, {cfg.features.item[0].embedding_dim}-wide items"


def deepmatch_setup_row(model, args, data, local) -> str:
    """DeepMatch's example setup in both libraries, then matchkit's experiment as configured."""
    experiment = PAIRS[model][0]
    same_t = EpochTimer(experiment, [*same_setup(model, args.seq_len), *local])
    own_t = EpochTimer(experiment, local)
    args.block_steps |= {same_t.block_steps, own_t.block_steps}
    options = deepmatch_options(model, same_t.cfg)
    dm, same_s, own_s = alternate(
        args.repeats, lambda: deepmatch_seconds(args.deepmatch_python, model, args.steps, data, options),
        lambda: same_t.epoch_seconds(args.rounds), lambda: own_t.epoch_seconds(args.rounds))
    ratio, spread = speedup(dm, same_s)
    dm, same_s, own_s = (float(np.median(v)) for v in (dm, same_s, own_s))
    setup = setup_of(own_t.cfg)
    print(f"{model}: DeepMatch {dm:.1f} s, matchkit same setup {same_s:.1f} s ({ratio:.1f}x; repeats "
          f"{spread}), {experiment} ({setup}) {own_s:.1f} s ({dm / own_s:.1f}x)", flush=True)
    return (f"| {model} | {dm:.1f} | {same_s:.1f} | **{ratio:.1f}x** | {spread} | `{experiment}` ({setup}) | "
            f"{own_s:.1f} | {dm / own_s:.1f}x |")


def experiment_setup_row(model, args, data, local) -> str:
    """matchkit's experiment as configured, and DeepMatch's model built alike (``deepmatch_options``)."""
    experiment = PAIRS[model][0]
    own_t = EpochTimer(experiment, local)
    args.block_steps.add(own_t.block_steps)
    options = deepmatch_options(model, own_t.cfg)
    dm, own_s = alternate(
        args.repeats, lambda: deepmatch_seconds(args.deepmatch_python, model, args.steps, data, options),
        lambda: own_t.epoch_seconds(args.rounds))
    ratio, spread = speedup(dm, own_s)
    dm, own_s = float(np.median(dm)), float(np.median(own_s))
    setup = setup_of(own_t.cfg)
    print(f"{model}: DeepMatch ({' '.join(options)}) {dm:.1f} s, {experiment} ({setup}) {own_s:.1f} s "
          f"({ratio:.1f}x; repeats {spread})", flush=True)
    return (f"| {model} | `{experiment}` ({setup}) | `{' '.join(options)}` | {dm:.1f} | {own_s:.1f} | "
            f"**{ratio:.1f}x** | {spread} |")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--deepmatch-python", required=True, help="python of a venv with deepmatch==0.3.2")
    p.add_argument("--data", default=os.environ.get("MATCHKIT_DATA"),
                   help="the folder holding ml-1m/, for both libraries (default $MATCHKIT_DATA)")
    p.add_argument("--models", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    p.add_argument("--setup", choices=["deepmatch", "experiment"], default="deepmatch",
                   help="deepmatch: both libraries on DeepMatch's example setup, and matchkit's experiment beside it; "
                   "experiment: matchkit's experiment, and DeepMatch built alike")
    p.add_argument("--steps", type=int, default=200, help="DeepMatch steps timed per model")
    p.add_argument("--rounds", type=int, default=5, help="matchkit blocks timed per setup (each of the "
                   "experiment's trainer.steps_per_execution steps, as a run trains)")
    p.add_argument("--repeats", type=int, default=3, help="DeepMatch and matchkit timed this many times, "
                   "alternately; the table gives medians")
    p.add_argument("--seq-len", type=int, help="history length of both libraries' setup (--setup deepmatch; "
                   f"default {SEQ_LEN}, DeepMatch's)")
    p.add_argument("--out", type=Path, help="default benchmarks/SPEED.md, or SPEED_experiments.md "
                   "for --setup experiment")
    args = p.parse_args(argv)
    fixed = [m for m in args.models if PAIRS[m][1] is not None]
    if args.seq_len is not None and args.setup == "experiment":
        p.error("--seq-len sets DeepMatch's setup; --setup experiment takes each experiment's own")
    args.seq_len = SEQ_LEN if args.seq_len is None else args.seq_len
    if args.seq_len != SEQ_LEN and fixed:
        p.error(f"--seq-len applies to the models with one history; leave out {' '.join(fixed)}")
    if args.data is None:
        p.error("no ML-1M folder: pass --data DIR or set MATCHKIT_DATA (the folder holding ml-1m/)")
    out = args.out or HERE / ("SPEED.md" if args.setup == "deepmatch" else "SPEED_experiments.md")
    data = str(Path(args.data) / "ml-1m")
    local = [f"dataset.data_dir={args.data}", "dataset.download=false"]  # the files DeepMatch reads, never a download
    row = deepmatch_setup_row if args.setup == "deepmatch" else experiment_setup_row
    rows, args.block_steps = [], set()
    for model in args.models:
        rows.append(row(model, args, data, local))
        gc.collect()  # the row's timers held a model and the ML-1M columns (GBs): the next model starts clean
        keras.backend.clear_session()
    options = f"--repeats {args.repeats}" + ("" if args.models == list(PAIRS) else " --models " + " ".join(args.models))
    options += "" if args.seq_len == SEQ_LEN else f" --seq-len {args.seq_len}"
    options += "" if args.setup == "deepmatch" else " --setup experiment"
    lines = [
        "# Training speed on MovieLens-1M: matchkit and DeepMatch 0.3.2, batch 256", "",
        f"Written by `python benchmarks/speed_vs_deepmatch.py {options}` on "
        f"{datetime.date.today().isoformat()}. Seconds per epoch of 988,064 rows (3,860 steps): DeepMatch from "
        f"{args.steps} timed steps after a warm-up (graph mode, as its examples); matchkit the median of "
        f"{args.rounds} compiled blocks of {'/'.join(map(str, sorted(args.block_steps)))} steps (the experiment's "
        "`trainer.steps_per_execution`, as a run trains). Each model's timings ran one after the other, "
        f"{args.repeats} times in turn on the same machine ({machine()}); the table gives the medians, and the range "
        "of the speed-up over those repeats.", "", *table(args, rows)]
    from matchkit.io.atomic import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}")
    return 0


def machine() -> str:
    """The CPU, its core count and its widest vector instructions, from /proc/cpuinfo where there is one."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
                "unknown CPU")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    vectors = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    return f"{name}, {os.cpu_count()} cores, {vectors}"


def table(args, rows) -> list[str]:
    """The table of ``rows`` for ``args.setup``, its header and its footnote, as lines."""
    if args.setup == "experiment":
        return [
            "| model | matchkit experiment | DeepMatch built alike (`deepmatch_baseline.py` options) "
            "| DeepMatch s/epoch | matchkit s/epoch | speed-up | speed-up range |", "|---|---|---|---|---|---|---|",
            *rows, "",
            "Each matchkit experiment as configured, against DeepMatch's model with the same history length, item "
            "width, DNN units and (SDM) attention heads and single LSTM layer, the same sampler and negatives, at the "
            "same batch size. "
            "DeepMatch's NCF takes no history: its row times DeepMatch's NCF on the profile and the item id "
            "against matchkit's, which also reads the 3 most recent items."]
    cut = "" if args.seq_len == SEQ_LEN else f", with their histories of 50 cut to {args.seq_len}"
    return [
        "| model | DeepMatch s/epoch | matchkit, same setup | speed-up | speed-up range | matchkit experiment "
        "| s/epoch | speed-up |", "|---|---|---|---|---|---|---|---|", *rows, "",
        f"Same setup (DeepMatch's ML-1M examples{cut}): histories of {args.seq_len} (SDM: 5 recent + 50), "
        "32-wide items, 255 frequency-sampled negatives (DSSM, FM: in-batch), Adam; NCF pointwise with 4 negatives "
        "per positive (5 x 988,064 rows per epoch), from the profile and the item id only, as DeepMatch's NCF takes "
        "no history. DeepMatch's model is built as matchkit's (`deepmatch_options`): the experiment's DNN units, and "
        "for SDM matchkit's heads and single LSTM layer without dropout (DeepMatch's example: 4 heads, two LSTM "
        "layers, dropout 0.2). "
        "The last two columns time matchkit's experiment as configured, and divide DeepMatch's time above by it: "
        "a comparison across setups wherever the experiment's differs from the one above."]


if __name__ == "__main__":
    sys.exit(main())
