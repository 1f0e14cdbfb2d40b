"""Early checks of a composed config, so bad input fails in seconds, before any output is written.

:func:`validate_config` runs before the data is read (ranges of plain config values);
:func:`validate_with_data` runs once the data is loaded (``eval.ks`` against the number of items,
feature columns against the fields the samples have). The values are checked again where they are
used; these run first so that a run never trains and then fails. :class:`OutputDirCheck` is a Hydra
callback that refuses an unwritable run directory before Hydra tries to create it.

This module imports nothing heavy (Hydra loads the callback; no TensorFlow here).
"""

from __future__ import annotations

import os
import sys
import traceback
import uuid
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from matchkit.errors import ConfigError

# key -> (lowest allowed value, whether the lowest value itself is allowed, kind)
RANGES: dict[str, tuple[float, bool, type]] = {
    "trainer.batch_size": (0, False, int),
    "trainer.steps_per_execution": (0, False, int),
    "trainer.epochs": (0, True, int),
    "trainer.learning_rate": (0, False, float),
    "trainer.early_stopping.patience": (0, True, int),
    "samples.seq_len": (0, False, int),
    "samples.negsample": (0, True, int),
    "samples.short_len": (0, True, int),
    "model.temperature": (0, False, float),
    "sampler.num_sampled": (0, False, int),
    "eval.batch_size": (0, False, int),
    "export.hnsw_m": (0, False, int),
}
SCALAR_METRICS = ("train_seconds", "data_seconds")


def _check_range(key: str, value: Any, low: float, inclusive: bool, kind: type) -> None:
    what = {int: "integer", float: "number"}[kind]
    bound = f">= {low}" if inclusive else f"> {low}"
    ok_type = not isinstance(value, bool) and isinstance(value, (int, float) if kind is float else int)
    if not ok_type or not (value >= low if inclusive else value > low):
        raise ConfigError(f"{key} must be an {what} {bound}, received {key}={value!r}; "
                          f"pass {key}=<{what} {bound}> on the command line or in the experiment config")


def validate_config(cfg: DictConfig) -> None:
    """Range checks that need only the config; raises :class:`ConfigError` naming the key."""
    for key, (low, inclusive, kind) in RANGES.items():
        value = OmegaConf.select(cfg, key, default=None)
        if value is not None:
            _check_range(key, value, low, inclusive, kind)
    dropout = OmegaConf.select(cfg, "model.dropout", default=None)
    if dropout is not None and not 0.0 <= dropout < 1.0:
        raise ConfigError(f"model.dropout must be within [0, 1), received model.dropout={dropout!r}")
    ks = list(cfg.eval.ks)
    if not ks or any(isinstance(k, bool) or not isinstance(k, int) or k <= 0 for k in ks):
        raise ConfigError(f"eval.ks must be a non-empty list of positive integers, received eval.ks={ks}; "
                          "e.g. eval.ks=[10,50,100]")
    names = metric_names(ks)
    if cfg.eval.headline not in names:
        raise ConfigError(f"eval.headline '{cfg.eval.headline}' is not a reported metric for eval.ks={ks}; "
                          f"choose one of {', '.join(names)}")
    es = cfg.trainer.early_stopping
    if es.patience > 0 and not cfg.samples.valid:
        raise ConfigError(f"trainer.early_stopping.patience={es.patience} needs validation rows; set "
                          "samples.valid=true (or trainer.early_stopping.patience=0)")
    if es.patience > 0 and es.monitor not in names[:-len(SCALAR_METRICS)]:
        raise ConfigError(f"trainer.early_stopping.monitor '{es.monitor}' is not a validation metric for "
                          f"eval.ks={ks}; choose one of {', '.join(names[:-len(SCALAR_METRICS)])}")


def metric_names(ks) -> list[str]:
    """Names of the float metrics ``metrics.json`` will hold for ``eval.ks``."""
    import numpy as np

    from matchkit.evaluation.metrics import compute_metrics

    top = np.zeros((1, max(ks)), np.int64)
    names = list(compute_metrics(top, np.ones(1, np.int64), ks))
    return names + [n + "_filtered" for n in names] + list(SCALAR_METRICS)


def validate_with_data(cfg: DictConfig, table, samples) -> None:
    """Checks against the loaded data: ``eval.ks`` within the item count, feature fields present."""
    k_max = max(cfg.eval.ks)
    if k_max > table.n_items:
        raise ConfigError(f"eval.ks has K={k_max}, larger than the number of items ({table.n_items}) in "
                          f"{table.source}; lower eval.ks (e.g. eval.ks=[{min(10, table.n_items)}])")
    fields = set(samples.train.columns)
    for tower in ("user", "item"):
        for spec in OmegaConf.to_container(cfg.features[tower], resolve=True):
            for ref in ("name", "length_name", "weight_name"):
                field = spec.get(ref) if isinstance(spec, dict) else None
                if field is not None and field not in fields:
                    fix = (f"set samples.short_len (e.g. samples.short_len=5), which makes the short_* and "
                           f"long_* fields of SDM's layout" if field.startswith(("short_", "long_")) else
                           f"fix features.{tower} or samples.hist_features")
                    raise ConfigError(
                        f"features.{tower} names the field '{field}' ({ref} of a {spec.get('type')} column), "
                        f"which {table.source} does not have; available fields: {', '.join(sorted(fields))}. "
                        f"{fix[0].upper()}{fix[1:]}")


def check_writable(directory: str | os.PathLike) -> Path:
    """Create ``directory`` if needed and prove a file can be written there; else :class:`ConfigError`."""
    directory = Path(directory)
    fix = "pass hydra.run.dir=<a writable folder> (or hydra.sweep.dir for -m runs)"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / f".matchkit-write-test-{uuid.uuid4().hex}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot write to the output directory {directory}: {reason}; {fix}") from None
    return directory


class OutputDirCheck(Callback):
    """Hydra callback: refuse an unwritable ``hydra.run.dir`` / ``hydra.sweep.dir`` before Hydra creates it.

    Hydra turns exceptions raised in callbacks into warnings, so this prints the error and exits
    (status 2) itself, as :mod:`matchkit.app` does for other bad input.
    """

    def _check(self, config: DictConfig, key: str) -> None:
        try:
            check_writable(OmegaConf.select(config, key))
        except ConfigError as exc:
            if os.environ.get("HYDRA_FULL_ERROR") == "1":
                traceback.print_exc()
            print(f"matchkit: error: {exc}", file=sys.stderr)
            sys.exit(2)

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config, "hydra.sweep.dir")
