"""Write the towers, the embeddings and a faiss index into a run directory (each file atomically)."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from matchkit.errors import ConfigError
from matchkit.evaluation.topk import build_faiss_index
from matchkit.io.atomic import atomic_path

INDEX_KINDS = ("flat", "hnsw")


def export_run(out_dir: str | Path, model, arrays: dict, table, index: str = "hnsw", hnsw_m: int = 32) -> dict:
    """Export into ``out_dir``; returns name -> path.

    Files: ``user_tower.keras``, ``item_tower.keras``; ``item_embeddings.npz`` (``ids`` encoded, ``raw_ids``
    original ids, ``embeddings`` ``[I, D]``); ``user_embeddings.npz`` (same for the evaluated users, from
    their latest history); ``items.faiss`` (inner-product index whose row ``r`` is ``ids[r]``).
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
        vocab = table.vocabularies.get(col)
        raw = vocab[ids] if vocab is not None else ids
        with atomic_path(out / f"{kind}_embeddings.npz") as tmp:
            np.savez(tmp, ids=ids, raw_ids=np.asarray(raw).astype(str), embeddings=arrays[f"{kind}_emb"])
        paths[f"{kind}_embeddings"] = out / f"{kind}_embeddings.npz"
    faiss_index = build_faiss_index(arrays["item_emb"], kind=index, hnsw_m=hnsw_m)
    with atomic_path(out / "items.faiss") as tmp:
        faiss.write_index(faiss_index, str(tmp))
    paths["index"] = out / "items.faiss"
    return paths
