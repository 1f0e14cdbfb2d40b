"""Top-K items for one user from a run's export: ``python -m matchkit.recommend RUN_DIR --user 42 --k 10``.

Uses the exported user tower (loaded with Keras safe mode, so a model file cannot run code) on the user's
latest features (``users.npz``), and the item index (``items.faiss``); items the user has interacted with
are left out unless ``--include-seen``. Prints rank, raw item id, score and title; ``--json`` prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from matchkit.errors import ConfigError, DataError, MatchkitError

EXPORT_FILES = ("user_tower.keras", "users.npz", "item_embeddings.npz", "items.faiss")


class Export:
    """A run directory's export, opened for serving."""

    def __init__(self, run_dir: str | os.PathLike) -> None:
        self.run_dir = Path(run_dir)
        if not self.run_dir.is_dir():
            raise ConfigError(f"{self.run_dir} is not a directory; pass the run directory of a finished "
                              "training run (the folder holding metrics.json)")
        missing = [f for f in EXPORT_FILES if not (self.run_dir / f).is_file()]
        if missing:
            raise DataError(f"{self.run_dir} has no complete export (missing {', '.join(missing)}); train with "
                            "export.enabled=true (the default) into that run directory, or resume it with "
                            "trainer.resume=true to export it")
        with np.load(self.run_dir / "users.npz", allow_pickle=False) as users:
            self.users = {k: users[k] for k in users.files}
        with np.load(self.run_dir / "item_embeddings.npz", allow_pickle=False) as items:
            self.item_ids, self.item_raw = items["ids"], items["raw_ids"]
            self.item_emb, self.titles = items["embeddings"], items["titles"]
        self._row_of = {raw: i for i, raw in enumerate(self.users["raw_ids"].tolist())}
        self._tower = self._index = None

    def user_row(self, user) -> int:
        row = self._row_of.get(str(user))
        if row is None:
            known = self.users["raw_ids"]
            raise ConfigError(f"user {user} is not in the export of {self.run_dir} ({len(known)} users, raw ids "
                              f"such as {', '.join(known[:5].tolist())}); pass --user with the id of a user "
                              "from the training data")
        return row

    def seen(self, row: int) -> np.ndarray:
        ptr = self.users["seen_ptr"]
        return self.users["seen_items"][ptr[row]:ptr[row + 1]]

    def user_vectors(self, row: int) -> np.ndarray:
        """float32 ``[K, D]``: the exported user tower on the user's latest features (``K`` interests;
        1 for a single-vector model)."""
        if self._tower is None:
            self._tower = load_tower(self.run_dir / "user_tower.keras")
        feed = {}
        for name in self._tower.input.keys():
            key = f"input_{name}"
            if key not in self.users:
                raise DataError(f"{self.run_dir / 'users.npz'} lacks the user-tower input '{name}'; re-export "
                                "the run (trainer.resume=true in the same hydra.run.dir)")
            feed[name] = self.users[key][row:row + 1]
        vectors = np.asarray(self._tower(feed, training=False), dtype=np.float32)[0]
        return vectors.reshape(-1, vectors.shape[-1])

    def search(self, vectors: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of the ``n`` best items by the index (rows of ``item_embeddings.npz``) for
        user vectors ``[K, D]``; with several interests each is searched and the results merged by max."""
        import faiss

        from matchkit.evaluation.topk import faiss_search

        if self._index is None:
            self._index = faiss.read_index(str(self.run_dir / "items.faiss"))
        n = min(n, self._index.ntotal)
        params = None
        if hasattr(self._index, "hnsw"):  # search wide enough to return n results
            params = faiss.SearchParametersHNSW(efSearch=max(n, self._index.hnsw.efSearch))
        scores, rows = faiss_search(self._index, vectors[None], n, params=params)
        return scores[0], rows[0]


def load_tower(path: Path):
    """A tower saved by the exporter, loaded with ``safe_mode=True`` (custom layers registered first)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    import matchkit.features  # noqa: F401  (registers the custom layers)
    import matchkit.layers  # noqa: F401
    from matchkit.plugins import load_plugins

    load_plugins()  # the built-in components and those of plugins (a plugin's towers may use its layers)

    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except (ValueError, TypeError, OSError) as exc:
        raise DataError(f"cannot load {path} in Keras safe mode: {str(exc).splitlines()[0][:300]}; re-export "
                        "the run with this version of matchkit") from None


def recommend(run_dir: str | os.PathLike, user, k: int = 10, include_seen: bool = False,
              export: Export | None = None) -> list[dict]:
    """The top-``k`` items for raw user id ``user``, best first: ``{rank, item, score, title}`` each."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k <= 0:
        raise ConfigError(f"--k must be a positive integer, received k={k!r}")
    export = export or Export(run_dir)
    row = export.user_row(user)
    seen = set() if include_seen else set(export.seen(row).tolist())
    n_items = len(export.item_ids)
    if k > n_items - len(seen):
        raise ConfigError(f"--k={k} but only {n_items - len(seen)} items are left for user {user} "
                          f"({n_items} items, {len(seen)} seen); lower --k or pass --include-seen")
    vectors = export.user_vectors(row)
    scores, rows = export.search(vectors, k + len(seen))
    keep = [(s, r) for s, r in zip(scores.tolist(), rows.tolist())
            if r >= 0 and int(export.item_ids[r]) not in seen][:k]
    if len(keep) < k:  # an approximate index came back short: rank exactly
        exact = (export.item_emb @ vectors.T).max(axis=1)
        order = np.argsort(-exact, kind="stable")
        keep = [(float(exact[r]), int(r)) for r in order if int(export.item_ids[r]) not in seen][:k]
    return [{"rank": i + 1, "item": export.item_raw[r].item(), "score": float(s), "title": export.titles[r].item()}
            for i, (s, r) in enumerate(keep)]


def format_table(user, recs: list[dict], n_seen: int | None) -> str:
    head = f"top {len(recs)} items for user {user}"
    head += " (seen items included)" if n_seen is None else f" ({n_seen} seen items left out)"
    width = max([len("item")] + [len(r["item"]) for r in recs])
    lines = [head, f"{'rank':>4}  {'item':>{width}}  {'score':>7}  title"]
    lines += [f"{r['rank']:>4}  {r['item']:>{width}}  {r['score']:>7.4f}  {r['title']}" for r in recs]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matchkit.recommend", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="run directory of a training run with an export")
    parser.add_argument("--user", required=True, help="raw user id (as in the data, e.g. a MovieLens UserID)")
    parser.add_argument("--k", type=int, default=10, help="number of items (default 10)")
    parser.add_argument("--include-seen", action="store_true", help="keep items the user interacted with")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    try:
        export = Export(args.run_dir)
        recs = recommend(args.run_dir, args.user, args.k, args.include_seen, export=export)
        n_seen = None if args.include_seen else len(export.seen(export.user_row(args.user)))
    except MatchkitError as exc:
        if os.environ.get("HYDRA_FULL_ERROR") == "1" or os.environ.get("MATCHKIT_FULL_ERROR") == "1":
            raise
        print(f"matchkit.recommend: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(recs, indent=1) if args.json else format_table(args.user, recs, n_seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
