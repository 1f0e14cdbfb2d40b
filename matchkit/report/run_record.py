"""``run.json``: what is needed to reproduce a run — seed, versions, the resolved config, data checksums."""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

PACKAGES = ("matchkit", "tensorflow", "keras", "numpy", "pandas", "hydra-core", "omegaconf", "faiss-cpu",
            "scikit-learn", "tqdm", "matplotlib")
ENV_VARS = ("TF_DETERMINISTIC_OPS", "TF_XLA_FLAGS", "XLA_FLAGS", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS",
            "TF_ENABLE_ONEDNN_OPTS", "MATCHKIT_DATA", "PYTHONHASHSEED")


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str | None]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def data_record(dataset, table, cfg: DictConfig) -> dict:
    """The data a run used: each file's path, size and SHA-256 for a dataset with ``data_files()`` (a list
    of paths), else (generated data) the dataset's parameters."""
    record = {"source": table.source, "n_users": table.n_users, "n_items": table.n_items,
              "n_interactions": table.n_interactions}
    files = getattr(dataset, "data_files", None)
    if callable(files):
        record["files"] = [{"path": str(Path(p).resolve()), "bytes": Path(p).stat().st_size,
                            "sha256": file_sha256(p)} for p in files()]
    else:
        record["parameters"] = OmegaConf.to_container(cfg.dataset, resolve=True)
    return record


def _hydra_overrides() -> list[str] | None:
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return None
    return list(HydraConfig.get().overrides.task)


def run_record(cfg: DictConfig, dataset, table, **extra) -> dict:
    """The content of ``run.json``: seed, command line, overrides, versions, platform, resolved config, data."""
    return {
        "seed": int(cfg.seed),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": [sys.executable, *sys.argv],
        "overrides": _hydra_overrides(),
        "versions": package_versions(),
        "platform": {"system": platform.platform(), "machine": platform.machine(), "cpus": os.cpu_count()},
        "environment": {k: os.environ[k] for k in ENV_VARS if k in os.environ},
        **extra,
        "config": OmegaConf.to_container(cfg, resolve=True),
        "data": data_record(dataset, table, cfg),
    }
