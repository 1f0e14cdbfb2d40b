"""Write the towers, the embeddings and a faiss index into a run directory (each file atomically)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from matchkit.errors import ConfigError
from matchkit.evaluation.topk import build_faiss_index
from matchkit.export.serving import latest_user_rows, seen_items
from matchkit.io.atomic import atomic_path

INDEX_KINDS = ("flat", "hnsw")


def export_run(out_dir: str | Path, model, arrays: dict, table, index: str = "hnsw", hnsw_m: int = 32,
               seq_len: int | None = None, hist_features=("movie_id", "genres"), short_len: int = 0) -> dict:
    """Export into ``out_dir``; returns name -> path.

    Files: ``user_tower.keras``, ``item_tower.keras``; ``item_embeddings.npz`` (``ids`` encoded, ``raw_ids``
    original ids, ``embeddings`` ``[I, D]``, ``titles``); ``user_embeddings.npz`` (same for the evaluated
    users, from their test-time history); ``items.faiss`` (inner-product index whose row ``r`` is ``ids[r]``).
    With ``seq_len`` (the history length of ``samples``; ``short_len`` as ``samples.short_len``), also
    ``users.npz`` for ``matchkit.recommend``: ``raw_ids`` ``[U]``, ``codes``, ``input_<name>`` (each
    user-tower input as of the user's latest interaction, see
    :func:`~matchkit.export.serving.latest_user_rows`), ``embeddings`` ``[U, D]`` (``[U, K, D]`` for a
    multi-interest model: the user tower on those rows), and the seen items as CSR ``seen_ptr`` ``[U + 1]``
    / ``seen_items`` (encoded ids).
    """
    if index not in INDEX_KINDS:
        raise ConfigError(f"unknown export.index '{index}'; available: {', '.join(INDEX_KINDS)}")
    out = Path(out_dir)
    paths = {}
    for name, tower in (("user_tower", model.user_tower), ("item_tower", model.item_tower)):
        with atomic_path(out / f"{name}.keras") as tmp:
            tower.save(tmp)
        paths[name] = out / f"{name}.keras"
    for kind, col in (("item", table.item_col), ("user", table.user_col)):
        ids = np.asarray(arrays[f"{kind}_ids"])
        extra = {"titles": _titles(table, ids)} if kind == "item" else {}
        with atomic_path(out / f"{kind}_embeddings.npz") as tmp:
            np.savez(tmp, ids=ids, raw_ids=_raw_ids(table, col, ids), embeddings=arrays[f"{kind}_emb"], **extra)
        paths[f"{kind}_embeddings"] = out / f"{kind}_embeddings.npz"
    if seq_len is not None:
        paths["users"] = _export_users(out / "users.npz", model, table, seq_len, hist_features,
                                        short_len=short_len)
    faiss_index = build_faiss_index(arrays["item_emb"], kind=index, hnsw_m=hnsw_m)
    with atomic_path(out / "items.faiss") as tmp:
        faiss.write_index(faiss_index, str(tmp))
    paths["index"] = out / "items.faiss"
    return paths


def _raw_ids(table, col: str, codes: np.ndarray) -> np.ndarray:
    """Original ids (as ``str``) of the encoded ``codes`` of column ``col``."""
    vocab = table.vocabularies.get(col)
    return np.asarray(vocab[codes] if vocab is not None else codes).astype(str)


def _titles(table, ids: np.ndarray) -> np.ndarray:
    """Display titles of encoded item ``ids`` (the raw id where the dataset has no titles), as ``str``."""
    if table.item_titles is None:
        return _raw_ids(table, table.item_col, ids)
    return np.asarray(table.item_titles[ids]).astype(str)


def _export_users(path: Path, model, table, seq_len: int, hist_features, short_len: int = 0) -> Path:
    codes, columns = latest_user_rows(table, seq_len, hist_features, short_len=short_len)
    inputs = {name: columns[name] for name in model.user_input_names}
    ptr, seen = seen_items(table, codes)
    with atomic_path(path) as tmp:
        np.savez(tmp, raw_ids=_raw_ids(table, table.user_col, codes), codes=codes,
                 embeddings=model.embed_users(inputs), seen_ptr=ptr, seen_items=seen,
                 **{f"input_{name}": value for name, value in inputs.items()})
    return path
