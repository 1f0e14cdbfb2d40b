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


def build_dataset(cfg: DictConfig):
    """The configured dataset object (not loaded yet)."""
    from matchkit.datasets import DATASETS

    return DATASETS.build(cfg.dataset.name, **_params(cfg.dataset))


def load_data(cfg: DictConfig, dataset=None, progress: bool = False):
    """``(table, samples)`` for the configured dataset (or ``dataset``) and sample builder."""
    from matchkit.data.builder import build_samples
    from matchkit.report import stage_bar

    dataset = build_dataset(cfg) if dataset is None else dataset
    s = cfg.samples
    with stage_bar("data", ("read", "build samples"), enabled=progress) as next_stage:
        table = dataset.load()
        next_stage()
        samples = build_samples(table, seq_len=s.seq_len, hist_features=tuple(s.hist_features), valid=s.valid,
                                negsample=s.negsample, seed=cfg.seed, short_len=s.short_len)
        next_stage()
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
    from matchkit.plugins import load_plugins
    from matchkit.validation import check_writable, validate_config, validate_with_data

    out = check_writable(output_dir())  # bad input fails here, before anything is written or trained
    validate_config(cfg)
    load_plugins()
    t0 = time.perf_counter()
    dataset = build_dataset(cfg)
    table, samples = load_data(cfg, dataset, progress=cfg.trainer.progress)
    data_seconds = time.perf_counter() - t0
    validate_with_data(cfg, table, samples)

    import keras

    from matchkit.evaluation.evaluator import evaluate
    from matchkit.export import export_run
    from matchkit.io.atomic import write_json
    from matchkit.report import stage_bar
    from matchkit.report.run_record import run_record
    from matchkit.training import Trainer
    from matchkit.training.checkpoint import InterruptGuard
    from matchkit.training.trainer import make_strategy

    keras.utils.set_random_seed(cfg.seed)
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
        if tensorboard is not None:
            tensorboard.log_epoch(record)
        if checkpoints is not None and tr.checkpoint:
            checkpoints.save({"epoch": record["epoch"], "global_step": trainer.global_step, "seed": cfg.seed,
                              "stopped": bool(stop), "history": history_so_far})
        guard.where = f" with {record['epoch']} of {tr.epochs} epochs complete"
        return stop

    checkpoints, history_so_far, start_epoch, stopped = resume(cfg, out, model, optimizer, sampler, trainer)
    resumed = {"resumed_from_epoch": start_epoch} if start_epoch else {}
    write_json(out / "run.json", run_record(cfg, dataset, table, **resumed))
    tensorboard = None
    if tr.tensorboard:
        from matchkit.report.tensorboard import TensorBoardLogger

        tensorboard = TensorBoardLogger(out / "tensorboard")
    guard = InterruptGuard(stop_message(cfg, out))
    guard.where = f" with {start_epoch} of {tr.epochs} epochs complete"
    trainer.before_chunk = guard.check
    with guard.installed():
        if not stopped:
            trainer.fit(samples.train.columns, epochs=tr.epochs, start_epoch=start_epoch, on_epoch_end=on_epoch_end)
        guard.check()
    history = history_so_far
    with stage_bar("evaluate", ("test top-K", "export"), enabled=tr.progress) as next_stage:
        metrics, arrays = evaluate(model, samples.test, samples.seen, user_col, item_col, table.n_items, ks)
        next_stage()
        if cfg.export.enabled:
            export_run(out, model, arrays, table, index=cfg.export.index, hnsw_m=cfg.export.hnsw_m,
                       seq_len=cfg.samples.seq_len, hist_features=tuple(cfg.samples.hist_features),
                       short_len=cfg.samples.short_len)
        next_stage()
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
    write_reports(out, history, metrics, ks, tensorboard)
    write_json(out / "metrics.json", metrics)  # last: its presence marks a complete run
    headline = cfg.eval.headline
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


def resume(cfg: DictConfig, out: Path, model, optimizer, sampler, trainer):
    """``(checkpointer, history, start_epoch, stopped)``: restored from ``out/checkpoints`` with
    ``trainer.resume=true``, else a fresh start (refused if an earlier run left a checkpoint there)."""
    from matchkit.training.checkpoint import Checkpointer

    tr = cfg.trainer
    if not (tr.checkpoint or tr.resume):
        return None, [], 0, False
    checkpoints = Checkpointer(out, model, optimizer, sampler)
    if not tr.resume:
        latest = checkpoints.latest()
        if latest is not None:
            raise ConfigError(f"{out} already holds a checkpoint of an earlier run ({latest.name}); add "
                              "trainer.resume=true to continue it, or pass a new hydra.run.dir to start over")
        return checkpoints, [], 0, False
    state = checkpoints.restore()
    if state is None:
        print(f"resume: no checkpoint in {out}, starting from epoch 1")
        return checkpoints, [], 0, False
    if state["seed"] != cfg.seed:
        raise ConfigError(f"the checkpoint in {out} was trained with seed={state['seed']}, not seed={cfg.seed}; "
                          f"resume with seed={state['seed']} or start over in a new hydra.run.dir")
    trainer.global_step = int(state["global_step"])
    print(f"resume: continuing after epoch {state['epoch']} (step {trainer.global_step}) from {out}")
    return checkpoints, list(state["history"]), int(state["epoch"]), bool(state.get("stopped"))


def stop_message(cfg: DictConfig, out: Path) -> str:
    """What a run stopped by a signal tells the user to do."""
    if not cfg.trainer.checkpoint:
        return "checkpoints are off (trainer.checkpoint=false): a new run starts from epoch 1"
    return (f"the last complete epoch is saved in {out / 'checkpoints'}; run the same command with "
            f"trainer.resume=true hydra.run.dir={out} to continue")


def write_reports(out: Path, history: list[dict], metrics: dict, ks, tensorboard=None) -> None:
    """Plots (``loss.png``, ``metrics_at_k.png``) and the final TensorBoard scalars."""
    from matchkit.report.plots import plot_loss, plot_metrics_at_k

    if history:
        plot_loss(history, out / "loss.png")
    plot_metrics_at_k(metrics, ks, out / "metrics_at_k.png")
    if tensorboard is not None:
        tensorboard.log_test(metrics, step=len(history))
        tensorboard.close()
