"""Seconds per ML-1M epoch at batch 256, matchkit against DeepMatch 0.3.2, timed side by side; writes
``benchmarks/SPEED.md``.

    MATCHKIT_DATA=../shared/data python benchmarks/speed_vs_deepmatch.py --deepmatch-python /work/dm-venv/bin/python

DeepMatch pins TensorFlow 2.15, so it runs in its own venv (see ``deepmatch_baseline.py``). For each model
this times, one right after the other: DeepMatch on its ML-1M example setup (histories of 50, SDM 5 + 50);
matchkit on that same setup (the overrides in ``PAIRS``); and matchkit's own ``*_ml1m`` experiment as
configured (its history length), all at batch 256, ``--repeats`` times in turn (the machine's speed drifts
by 10-50% over minutes). Ratio = median DeepMatch seconds / median matchkit seconds. ``--seq-len N`` times
both libraries at histories of N instead of 50 (models with one history: not SDM, not NCF).
"""

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

import keras
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


def deepmatch_seconds(python: str, model: str, steps: int, data: str, seq_len: int) -> float:
    """DeepMatch's extrapolated seconds per epoch for ``model`` (a ``deepmatch_baseline.py`` run)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dm.json"
        subprocess.run([python, str(HERE / "deepmatch_baseline.py"), "--data", data, "--models", model,
                        "--steps", str(steps), "--seq-len", str(seq_len), "--out", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        result = json.loads(out.read_text())["results"][0]
    if "error" in result:
        raise RuntimeError(f"DeepMatch {model}: {result['error']}")
    return float(result["epoch_s_extrapolated"])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--deepmatch-python", required=True, help="python of a venv with deepmatch==0.3.2")
    p.add_argument("--data", default=os.environ.get("MATCHKIT_DATA"),
                   help="the folder holding ml-1m/, for both libraries (default $MATCHKIT_DATA)")
    p.add_argument("--models", nargs="+", default=list(PAIRS), choices=list(PAIRS))
    p.add_argument("--steps", type=int, default=200, help="DeepMatch steps timed per model")
    p.add_argument("--rounds", type=int, default=10, help="matchkit 32-step blocks timed per setup")
    p.add_argument("--repeats", type=int, default=3, help="DeepMatch and matchkit timed this many times, "
                   "alternately; the table gives medians")
    p.add_argument("--seq-len", type=int, default=SEQ_LEN, help="history length of both libraries' setup")
    p.add_argument("--out", type=Path, default=HERE / "SPEED.md")
    args = p.parse_args(argv)
    fixed = [m for m in args.models if PAIRS[m][1] is not None]
    if args.seq_len != SEQ_LEN and fixed:
        p.error(f"--seq-len applies to the models with one history; leave out {' '.join(fixed)}")
    if args.data is None:
        p.error("no ML-1M folder: pass --data DIR or set MATCHKIT_DATA (the folder holding ml-1m/)")
    data = str(Path(args.data) / "ml-1m")
    local = [f"dataset.data_dir={args.data}", "dataset.download=false"]  # the files DeepMatch reads, never a download
    rows = []
    for model in args.models:
        experiment = PAIRS[model][0]
        same_t = EpochTimer(experiment, [*same_setup(model, args.seq_len), *local])
        own_t = EpochTimer(experiment, local)
        dm, same_s, own_s = [], [], []
        for _ in range(args.repeats):  # alternated, so that a slow minute of the machine hits both sides
            dm.append(deepmatch_seconds(args.deepmatch_python, model, args.steps, data, args.seq_len))
            same_s.append(same_t.epoch_seconds(args.rounds))
            own_s.append(own_t.epoch_seconds(args.rounds))
        ratios = [d / m for d, m in zip(dm, same_s)]
        dm, same_s, own_s = (float(np.median(v)) for v in (dm, same_s, own_s))
        setup = f"seq_len {own_t.cfg.samples.seq_len}, {own_t.cfg.features.item[0].embedding_dim}-wide items"
        spread = f"{min(ratios):.1f}-{max(ratios):.1f}x"
        print(f"{model}: DeepMatch {dm:.1f} s, matchkit same setup {same_s:.1f} s ({dm / same_s:.1f}x; repeats "
              f"{spread}), {experiment} ({setup}) {own_s:.1f} s ({dm / own_s:.1f}x)", flush=True)
        rows.append(f"| {model} | {dm:.1f} | {same_s:.1f} | **{dm / same_s:.1f}x** | {spread} | `{experiment}` "
                    f"({setup}) | {own_s:.1f} | {dm / own_s:.1f}x |")
        del same_t, own_t  # each holds its model and ML-1M columns (GBs): the next model starts clean
        gc.collect()
        keras.backend.clear_session()
    options = f"--repeats {args.repeats}" + ("" if args.models == list(PAIRS) else " --models " + " ".join(args.models))
    options += "" if args.seq_len == SEQ_LEN else f" --seq-len {args.seq_len}"
    cut = "" if args.seq_len == SEQ_LEN else f", with their histories of 50 cut to {args.seq_len}"
    lines = [
        "# Training speed on MovieLens-1M: matchkit and DeepMatch 0.3.2, batch 256", "",
        f"Written by `python benchmarks/speed_vs_deepmatch.py {options}` on "
        f"{datetime.date.today().isoformat()}. Seconds per epoch of 988,064 rows (3,860 steps): DeepMatch from "
        f"{args.steps} timed steps after a warm-up (graph mode, as its examples); matchkit the median of "
        f"{args.rounds} compiled 32-step blocks. Each model's three timings ran one after the other, "
        f"{args.repeats} times in turn on the same machine; the table gives the medians, and the range of the "
        "speed-up over those repeats.", "",
        "| model | DeepMatch s/epoch | matchkit, same setup | speed-up | speed-up range | matchkit experiment "
        "| s/epoch | speed-up |", "|---|---|---|---|---|---|---|---|", *rows, "",
        f"Same setup (DeepMatch's ML-1M examples{cut}): histories of {args.seq_len} (SDM: 5 recent + 50), "
        "32-wide items, 255 frequency-sampled negatives (DSSM, FM: in-batch), Adam; NCF pointwise with 4 negatives "
        "per positive (5 x 988,064 rows per epoch), from the profile and the item id only, as DeepMatch's NCF takes "
        "no history. "
        "The last two columns time matchkit's experiment as configured, and divide DeepMatch's time above by it: "
        "a comparison across setups wherever the experiment's differs from the one above.",
    ]
    from matchkit.io.atomic import atomic_path

    with atomic_path(args.out) as tmp:
        tmp.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
