"""Training-speed baseline for DeepMatch 0.3.2 on MovieLens-1M (seconds per epoch).

DeepMatch pins TensorFlow 2.15 / Keras 2 / deepctr, so this script does NOT run in
matchkit's venv. It needs its own, e.g.:

    python3.11 -m venv /work/dm-venv
    /work/dm-venv/bin/pip install "deepmatch==0.3.2" "deepctr==0.9.4" "tensorflow-cpu==2.15.1"

Run (from the repository root):

    /work/dm-venv/bin/python benchmarks/deepmatch_baseline.py --data /work/shared/data/ml-1m \
        --models dssm youtubednn sdm mind comirec_sa comirec_dr --steps 200 --batch-size 256

The setup follows DeepMatch's own ML-1M examples (run_dssm_inbatchsoftmax.py, run_youtubednn.py,
run_sdm.py, run_mind.py, run_comirec.py): LabelEncoder(+1) ids, first genre only, user profile
features (dim 16), hist_movie_id/hist_genres (length 50 or --seq-len, mean pooling, dim 32), item movie_id
(dim 32; DSSM's item tower also gets genres), DNNs as in the examples (--item-dim, --user-dnn,
--item-dnn, --heads, --rnn-layers and --rnn-dropout set them as a matchkit experiment does instead),
rows = every position i>=1 of each user's time-sorted ratings with the previous items most recent
first, the last one per user held out.
As in the examples, eager execution is disabled (TF1-style graph training); on TF 2.15 DeepMatch
0.3.2 needs that: in eager mode only DSSM builds (YoutubeDNN, MIND, SDM fail).
Samplers: DSSM and FM in-batch softmax (FM with every field 32 wide); YoutubeDNN, SDM, MIND and
ComiRec NegativeSampler(--sampler, --num-sampled); NCF pointwise (binary cross-entropy, profile and
movie_id only, an epoch of 5 x 988,064 rows as with 4 negatives per positive).
(The upstream examples use 'frequency'/5 for YoutubeDNN and SDM and 'inbatch'/255 for MIND
and ComiRec; pass --sampler/--num-sampled to change.)

Timing: per model, a short warm-up fit (graph building, first steps) is excluded, then one
fit over steps*batch_size shuffled training rows is timed. The epoch estimate is
sec_per_step * ceil(train_rows / batch_size). Results are printed and written as JSON.
"""
import argparse
import json
import math
import os
import platform
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TF C++ info/warning spam

SEQ_LEN, SHORT_LEN, PROFILE_DIM, EMB_DIM = 50, 5, 16, 32  # SEQ_LEN: --seq-len's default
PROFILE = ["user_id", "gender", "age", "occupation", "zip"]
ALL_MODELS = ["dssm", "youtubednn", "sdm", "mind", "comirec_sa", "comirec_dr", "fm", "ncf"]
NCF_NEGSAMPLE = 4  # NCF trains pointwise: each positive row plus this many labelled negatives


def read_dat(path, ncols):
    with open(path, encoding="latin-1") as f:
        return [line.rstrip("\n").split("::")[:ncols] for line in f if line.strip()]


def encode(values):
    """LabelEncoder(...) + 1, as in the examples: 0 is reserved for padding."""
    uniq, inv = np.unique(np.asarray(values), return_inverse=True)
    return inv.astype(np.int32) + 1, len(uniq) + 1


def load_ml1m(data_dir):
    r = np.array(read_dat(os.path.join(data_dir, "ratings.dat"), 4), dtype=np.int64)
    users = {u[0]: u[1:] for u in read_dat(os.path.join(data_dir, "users.dat"), 5)}
    genre = {m[0]: m[2].split("|")[0] for m in read_dat(os.path.join(data_dir, "movies.dat"), 3)}
    order = np.lexsort((r[:, 3], r[:, 0]))  # by user, then timestamp (stable)
    r = r[order]
    cols, vocab = {}, {}
    cols["user_id"], vocab["user_id"] = encode(r[:, 0])
    cols["movie_id"], vocab["movie_id"] = encode(r[:, 1])
    cols["genres"], vocab["genres"] = encode([genre[str(m)] for m in r[:, 1]])
    for j, name in enumerate(PROFILE[1:]):
        cols[name], vocab[name] = encode([users[str(u)][j] for u in r[:, 0]])
    return cols, vocab


def train_rows(user):
    """Global indices g of training targets and their position i within the user's sequence."""
    n = len(user)
    start = np.r_[0, np.flatnonzero(np.diff(user)) + 1]
    end = np.r_[start[1:], n]
    pos = np.arange(n) - np.repeat(start, end - start)
    last = np.zeros(n, bool)
    last[end - 1] = True
    keep = (pos >= 1) & ~last
    return np.flatnonzero(keep), pos[keep]


def history(values, g, avail, offset, length):
    """values[g-1-offset-j] for j < avail (most recent first), zero padded to `length`."""
    j = np.arange(length)[None, :]
    idx = g[:, None] - 1 - offset - j
    return np.where(j < avail[:, None], values[np.maximum(idx, 0)], 0).astype(np.int32)


def make_inputs(cols, g, pos, sdm, seq_len):
    x = {name: cols[name][g] for name in PROFILE + ["movie_id", "genres"]}
    if sdm:
        short = np.minimum(pos, SHORT_LEN)
        prefer = np.minimum(np.maximum(pos - SHORT_LEN, 0), seq_len)
        for f in ("movie_id", "genres"):
            x["short_" + f] = history(cols[f], g, short, 0, SHORT_LEN)
            x["prefer_" + f] = history(cols[f], g, prefer, SHORT_LEN, seq_len)
        x["short_sess_length"], x["prefer_sess_length"] = short.astype(np.int32), prefer.astype(np.int32)
    else:
        hlen = np.minimum(pos, seq_len)
        x["hist_movie_id"] = history(cols["movie_id"], g, hlen, 0, seq_len)
        x["hist_genres"] = history(cols["genres"], g, hlen, 0, seq_len)
        x["hist_len"] = hlen.astype(np.int32)
    return x


def build_model(name, vocab, item_count, args):
    from deepctr.feature_column import SparseFeat, VarLenSparseFeat
    from deepmatch.models import DSSM, FM, NCF, SDM, MIND, ComiRec, YoutubeDNN
    from deepmatch.utils import NegativeSampler

    dim = args.item_dim

    def seq(fname, vname, maxlen, length_name):
        return VarLenSparseFeat(SparseFeat(fname, vocab[vname], dim, embedding_name=vname),
                                maxlen, "mean", length_name)

    def dnn(given, default):
        return tuple(given) if given is not None else default

    if name == "ncf":  # DeepMatch's NCF takes {feature: vocabulary size} and no sequences
        return NCF({f: vocab[f] for f in PROFILE}, {"movie_id": vocab["movie_id"]}, user_gmf_embedding_dim=dim,
                   item_gmf_embedding_dim=dim, user_mlp_embedding_dim=dim, item_mlp_embedding_dim=dim)
    profile_dim = dim if name == "fm" else PROFILE_DIM  # FM sums the factors of a side: one width
    user_cols = [SparseFeat(f, vocab[f], profile_dim) for f in PROFILE]
    item_cols = [SparseFeat("movie_id", vocab["movie_id"], dim)]
    if name == "sdm":
        for f in ("movie_id", "genres"):
            user_cols += [seq("short_" + f, f, SHORT_LEN, "short_sess_length"),
                          seq("prefer_" + f, f, args.seq_len, "prefer_sess_length")]
    else:
        user_cols += [seq("hist_movie_id", "movie_id", args.seq_len, "hist_len"),
                      seq("hist_genres", "genres", args.seq_len, "hist_len")]
    if name in ("dssm", "fm"):
        item_cols.append(SparseFeat("genres", vocab["genres"], dim))
        sampler = NegativeSampler("inbatch", num_sampled=5, item_name="movie_id", item_count=item_count)
        if name == "fm":
            return FM(user_cols, item_cols, loss_type="softmax", sampler_config=sampler)
        return DSSM(user_cols, item_cols, user_dnn_hidden_units=dnn(args.user_dnn, (64, dim)),
                    item_dnn_hidden_units=dnn(args.item_dnn, (64, dim)), loss_type="softmax", sampler_config=sampler)
    sampler = NegativeSampler(args.sampler, num_sampled=args.num_sampled, item_name="movie_id",
                              item_count=item_count)
    if name == "youtubednn":
        return YoutubeDNN(user_cols, item_cols, user_dnn_hidden_units=dnn(args.user_dnn, (64, dim)),
                          sampler_config=sampler)
    if name == "sdm":
        return SDM(user_cols, item_cols, history_feature_list=["movie_id", "genres"], units=dim,
                   num_head=args.heads, rnn_layers=args.rnn_layers, rnn_num_res=min(1, args.rnn_layers - 1),
                   dropout_rate=args.rnn_dropout, sampler_config=sampler)
    if name == "mind":
        return MIND(user_cols, item_cols, user_dnn_hidden_units=dnn(args.user_dnn, (128, 64, dim)),
                    sampler_config=sampler, k_max=2)
    if name.startswith("comirec_"):
        return ComiRec(user_cols, item_cols, user_dnn_hidden_units=dnn(args.user_dnn, (128, 64, dim)),
                       sampler_config=sampler, add_pos=True, interest_extractor=name.split("_")[1], k_max=2)
    raise ValueError("unknown model %r" % name)


def bench_model(name, cols, vocab, g, pos, item_count, n_train, args):
    import tensorflow as tf
    from deepmatch.utils import sampledsoftmaxloss

    tf.keras.backend.clear_session()
    if name == "sdm":
        tf.compat.v1.keras.backend.set_learning_phase(True)  # as run_sdm.py does
    bs = args.batch_size
    n_warm, n_time = args.warmup_steps * bs, args.steps * bs
    x = make_inputs(cols, g[: n_warm + n_time], pos[: n_warm + n_time], sdm=(name == "sdm"),
                    seq_len=args.seq_len)
    y = np.ones(n_warm + n_time, np.float32)
    loss, rows = sampledsoftmaxloss, n_train
    if name == "ncf":  # pointwise: random labels stand in for the sampled negatives (timing only)
        x = {k: x[k] for k in PROFILE + ["movie_id"]}
        y = (np.random.default_rng(0).random(len(y)) < 1 / (1 + NCF_NEGSAMPLE)).astype(np.float32)
        loss, rows = "binary_crossentropy", n_train * (1 + NCF_NEGSAMPLE)
    part = lambda lo, hi: {k: v[lo:hi] for k, v in x.items()}

    t0 = time.perf_counter()
    model = build_model(name, vocab, item_count, args)
    model.compile(optimizer="adam", loss=loss)
    t1 = time.perf_counter()
    hist = model.fit(part(0, n_warm), y[:n_warm], batch_size=bs, epochs=1, verbose=0)
    t2 = time.perf_counter()
    hist = model.fit(part(n_warm, n_warm + n_time), y[n_warm:], batch_size=bs, epochs=1, verbose=0)
    t3 = time.perf_counter()
    sps = (t3 - t2) / args.steps
    epoch_steps = math.ceil(rows / bs)
    return {"model": name, "params": int(model.count_params()), "build_compile_s": round(t1 - t0, 3),
            "warmup_s": round(t2 - t1, 3), "timed_steps": args.steps, "timed_s": round(t3 - t2, 3),
            "sec_per_step": round(sps, 5), "epoch_steps": epoch_steps,
            "epoch_s_extrapolated": round(sps * epoch_steps, 1),
            "last_loss": float(hist.history["loss"][-1])}


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/work/shared/data/ml-1m")
    p.add_argument("--models", nargs="+", default=ALL_MODELS, choices=ALL_MODELS)
    p.add_argument("--steps", type=int, default=200, help="timed steps per model")
    p.add_argument("--warmup-steps", type=int, default=10, help="untimed steps (graph build) per model")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--seq-len", type=int, default=SEQ_LEN,
                   help="history length (SDM: of the long history after the 5 recent items)")
    p.add_argument("--item-dim", type=int, default=EMB_DIM,
                   help="width of the item and history embeddings (FM: of every field; SDM: its units)")
    p.add_argument("--user-dnn", type=int, nargs="+", help="user DNN units (DSSM, YoutubeDNN, MIND, ComiRec); "
                   "default as DeepMatch's examples, ending at --item-dim")
    p.add_argument("--item-dnn", type=int, nargs="+", help="DSSM's item DNN units (default 64, --item-dim)")
    p.add_argument("--heads", type=int, default=4, help="SDM's self-attention heads (DeepMatch's default)")
    p.add_argument("--rnn-layers", type=int, default=2, help="SDM's LSTM layers (DeepMatch's default; the last "
                   "residual when there are two or more)")
    p.add_argument("--rnn-dropout", type=float, default=0.2, help="SDM's LSTM input dropout (DeepMatch's default)")
    p.add_argument("--sampler", default="frequency", choices=["frequency", "uniform", "inbatch", "adaptive"])
    p.add_argument("--num-sampled", type=int, default=255)
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--out", default="/work/scratch/deepmatch_baseline.json")
    return p


def main():
    args = parser().parse_args()

    import tensorflow as tf
    import deepctr
    import deepmatch
    tf.compat.v1.disable_eager_execution()  # as every DeepMatch example does on TF2

    t0 = time.perf_counter()
    cols, vocab = load_ml1m(args.data)
    g, pos = train_rows(cols["user_id"])
    n_train = len(g)
    counts = np.bincount(cols["movie_id"][g], minlength=vocab["movie_id"])
    item_count = counts.tolist()  # train target frequency per movie index, as in the examples
    perm = np.random.default_rng(args.seed).permutation(n_train)  # the examples shuffle rows
    g, pos = g[perm], pos[perm]
    print("data: %d ratings, %d train rows, vocab %s (%.1fs)"
          % (len(cols["user_id"]), n_train, vocab, time.perf_counter() - t0), flush=True)

    meta = {"deepmatch": deepmatch.__version__, "deepctr": deepctr.__version__, "tensorflow": tf.__version__,
            "python": platform.python_version(), "cpu_count": os.cpu_count(), "graph_mode": True,
            "batch_size": args.batch_size, "seq_len": args.seq_len, "item_dim": args.item_dim,
            "user_dnn": args.user_dnn, "item_dnn": args.item_dnn, "heads": args.heads,
            "rnn_layers": args.rnn_layers, "rnn_dropout": args.rnn_dropout, "sampler": args.sampler,
            "num_sampled": args.num_sampled,
            "train_rows": n_train, "steps": args.steps, "warmup_steps": args.warmup_steps}
    print("versions: deepmatch %(deepmatch)s, deepctr %(deepctr)s, tensorflow %(tensorflow)s, "
          "python %(python)s, graph mode (eager disabled)" % meta, flush=True)
    results = []
    for name in args.models:
        try:
            r = bench_model(name, cols, vocab, g, pos, item_count, n_train, args)
            print("%-11s %.4f s/step  -> %8.1f s/epoch (%d steps)  [warm-up %.1fs, params %d, loss %.3f]"
                  % (name, r["sec_per_step"], r["epoch_s_extrapolated"], r["epoch_steps"], r["warmup_s"],
                     r["params"], r["last_loss"]), flush=True)
        except Exception as e:  # keep going: report which models could not be built or trained
            r = {"model": name, "error": "%s: %s" % (type(e).__name__, str(e)[:500])}
            print("%-11s FAILED %s" % (name, r["error"]), flush=True)
        results.append(r)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=2)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
