"""One job: data -> samples -> model -> training -> evaluation -> export (design.md §2).

``run(cfg)`` is what ``python -m matchkit`` calls with the composed config; it returns the headline
metric so Hydra sweepers can optimise it.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

from matchkit.errors import ConfigError


def _params(node) -> dict:
    """A config group node as keyword arguments (without its registry ``name``)."""
    params = OmegaConf.to_container(node, resolve=True)
    params.pop("name", None)
    return params


def output_dir() -> Path:
    from hydra.core.hydra_config import HydraConfig

    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return Path.cwd()


def load_data(cfg: DictConfig):
    """``(table, samples)`` for the configured dataset and sample builder."""
    from matchkit.data.builder import build_samples
    from matchkit.datasets import DATASETS

    dataset = DATASETS.build(cfg.dataset.name, **_params(cfg.dataset))
    table = dataset.load()
    s = cfg.samples
    samples = build_samples(table, seq_len=s.seq_len, hist_features=tuple(s.hist_features), valid=s.valid,
                            negsample=s.negsample, seed=cfg.seed)
    return table, samples


def build_model(cfg: DictConfig, table, samples, strategy):
    """``(model, sampler, optimizer)`` built from the config under ``strategy.scope()``."""
    from matchkit.features import build_columns
    from matchkit.models import MODELS, ModelContext
    from matchkit.samplers import SAMPLERS
    from matchkit.training.trainer import make_optimizer

    vocab = dict(table.vocab_sizes)
    user_columns = build_columns(OmegaConf.to_container(cfg.features.user, resolve=True), vocab)
    item_columns = build_columns(OmegaConf.to_container(cfg.features.item, resolve=True), vocab)
    positives = samples.train[table.item_col][samples.train["label"] > 0]
    item_counts = np.bincount(positives, minlength=table.n_items + 1).astype(np.int64)
    context = ModelContext(user_columns=user_columns, item_columns=item_columns,
                           item_features=table.item_features, item_col=table.item_col,
                           item_counts=item_counts, seed=cfg.seed)
    with strategy.scope():
        model = MODELS.build(cfg.model.name, context=context, **_params(cfg.model))
        sampler = SAMPLERS.build(cfg.sampler.name, item_counts=item_counts, **_params(cfg.sampler))
        optimizer = make_optimizer(cfg.trainer.optimizer, cfg.trainer.learning_rate)
    missing = [n for n in model.input_names if n not in samples.train]
    if missing:
        raise ConfigError(f"feature columns {missing} are not in the data; the samples have "
                          f"{sorted(samples.train.columns)}; fix features.user / features.item")
    if model.needs_negsample and cfg.samples.negsample <= 0:
        raise ConfigError(f"model '{cfg.model.name}' with loss_type={cfg.model.get('loss_type')} trains on "
                          "labelled pairs: set samples.negsample to a positive number (e.g. 3)")
    return model, sampler, optimizer


def run(cfg: DictConfig) -> float:
    """Run the job described by ``cfg``; write outputs into the Hydra run directory."""
    import keras

    from matchkit.evaluation.evaluator import evaluate
    from matchkit.export import export_run
    from matchkit.io.atomic import write_json
    from matchkit.plugins import load_plugins
    from matchkit.training import Trainer
    from matchkit.training.trainer import make_strategy

    out = output_dir()
    load_plugins()
    keras.utils.set_random_seed(cfg.seed)
    t0 = time.perf_counter()
    table, samples = load_data(cfg)
    data_seconds = time.perf_counter() - t0
    print(f"data: {table.source}: {table.n_users} users, {table.n_items} items, "
          f"{len(samples.train)} training rows, {len(samples.test)} test rows ({data_seconds:.1f} s)")

    strategy = make_strategy(cfg.trainer.strategy)
    model, sampler, optimizer = build_model(cfg, table, samples, strategy)
    tr = cfg.trainer
    trainer = Trainer(model, sampler, optimizer, batch_size=tr.batch_size,
                      steps_per_execution=tr.steps_per_execution, jit_compile=tr.jit_compile,
                      shuffle=tr.shuffle, progress=tr.progress, seed=cfg.seed, strategy=strategy)
    ks = list(cfg.eval.ks)
    user_col, item_col = table.user_col, table.item_col

    def on_epoch_end(epoch: int, record: dict) -> bool:
        msg = f"epoch {record['epoch']}/{tr.epochs}: loss {record['loss']:.4f}, {record['seconds']:.1f} s"
        stop = False
        if samples.valid is not None:
            valid_metrics, _ = evaluate(model, samples.valid, samples.seen_valid, user_col, item_col,
                                        table.n_items, ks)
            record["valid"] = valid_metrics
            msg += f", valid {cfg.eval.headline} {valid_metrics.get(cfg.eval.headline, float('nan')):.4f}"
            stop = early_stop(record, history_so_far, tr.early_stopping)
        history_so_far.append(record)
        print(msg)
        return stop

    history_so_far: list[dict] = []
    history = trainer.fit(samples.train.columns, epochs=tr.epochs, on_epoch_end=on_epoch_end)
    metrics, arrays = evaluate(model, samples.test, samples.seen, user_col, item_col, table.n_items, ks)
    epoch_seconds = [h["seconds"] for h in history]
    metrics.update({
        "epochs": len(history),
        "epoch_seconds": epoch_seconds,
        "train_seconds": float(sum(epoch_seconds)),
        "loss": [h["loss"] for h in history],
        "n_train": len(samples.train),
        "n_test": len(samples.test),
        "n_items": table.n_items,
        "n_users": table.n_users,
        "data_seconds": data_seconds,
    })
    if cfg.export.enabled:
        export_run(out, model, arrays, table, index=cfg.export.index, hnsw_m=cfg.export.hnsw_m)
    write_json(out / "metrics.json", metrics)
    headline = cfg.eval.headline
    if headline not in metrics:
        raise ConfigError(f"eval.headline '{headline}' is not a reported metric; choose one of "
                          f"{sorted(k for k, v in metrics.items() if isinstance(v, float))}")
    k_mid = 50 if 50 in ks else ks[0]
    print(f"done: {headline}={metrics[headline]:.4f} hr@{k_mid}_filtered={metrics[f'hr@{k_mid}_filtered']:.4f} "
          f"ndcg@{k_mid}={metrics[f'ndcg@{k_mid}']:.4f} after {len(history)} epochs "
          f"({metrics['train_seconds']:.1f} s training); outputs in {out}")
    return float(metrics[headline])


def early_stop(record: dict, history: list[dict], es) -> bool:
    """``True`` when ``es.monitor`` has not improved for ``es.patience`` epochs (``patience=0``: never)."""
    if es.patience <= 0:
        return False
    if es.monitor not in record["valid"]:
        raise ConfigError(f"trainer.early_stopping.monitor '{es.monitor}' is not a validation metric; "
                          f"choose one of {sorted(record['valid'])}")
    scores = [h["valid"][es.monitor] for h in history] + [record["valid"][es.monitor]]
    best = int(np.argmax(scores))
    return len(scores) - 1 - best >= es.patience
