"""Compose every config of matchkit and of the installed plugins, then build what each config describes.

Run as a script (``python compose_all.py``) by test_plugin_contract.py, in a process whose PYTHONPATH holds
the installed plugins. Composes the default config, every option of the dataset/model/sampler/trainer/eval
groups, every experiment and every hparams_search, and prints a JSON report: the options found, the heavy
modules imported by composition alone (should be none), and per config what was built or the error.
Feature options are built through the experiments that use them (they may refer to dataset keys).
"""

import json
import sys
import traceback

import numpy as np
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from matchkit.config import register_configs

GROUPS = ("dataset", "features", "model", "sampler", "trainer", "eval", "experiment", "hparams_search")
STANDALONE = ("dataset", "model", "sampler", "trainer", "eval")
# constructing these reads no file, but they refuse to be built without one named
NEEDS = {"dataset=tabular": ["dataset.interactions=interactions.csv"],
         "model=fm": ["features=movielens_dim32"],  # fm sums a side's embeddings: one width
         "model=sdm": ["features=movielens_sdm", "samples.short_len=5"]}  # sdm reads short and long histories
VOCAB = 50


def params(node) -> dict:
    out = OmegaConf.to_container(node, resolve=True)
    out.pop("name", None)
    return out


def build(cfg) -> str:
    """Build the dataset object, feature columns, model (one forward pass per tower) and sampler."""
    from matchkit.datasets import DATASETS
    from matchkit.features import build_columns
    from matchkit.models import MODELS, ModelContext
    from matchkit.samplers import SAMPLERS

    OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    dataset = DATASETS.build(cfg.dataset.name, **params(cfg.dataset))
    specs = {side: OmegaConf.to_container(cfg.features[side], resolve=True) for side in ("user", "item")}
    vocab = {s.get("embedding_name") or s["name"]: VOCAB for side in specs.values() for s in side}
    user, item = build_columns(specs["user"], vocab), build_columns(specs["item"], vocab)
    item_features = {c.name: np.zeros((VOCAB, c.maxlen) if hasattr(c, "maxlen") else VOCAB, "int32") for c in item}
    counts = np.ones(VOCAB, dtype=np.int64)
    context = ModelContext(user_columns=user, item_columns=item, item_features=item_features, item_col=item[0].name,
                           item_counts=counts, seed=cfg.seed)
    model = MODELS.build(cfg.model.name, context=context, **params(cfg.model))
    widths = []
    for tower in (model.user_tower, model.item_tower):
        feed = {t.name: np.zeros((2, *t.shape[1:]), t.dtype) for t in tower.inputs}
        widths.append(tuple(tower(feed).shape))
    SAMPLERS.build(cfg.sampler.name, item_counts=counts, **params(cfg.sampler))
    return f"{type(dataset).__name__}, {cfg.model.name} towers {widths}, {len(user)}+{len(item)} columns"


def main() -> None:
    register_configs()
    report = {"configs": {}}
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        options = {g: loader.get_group_options(g) for g in GROUPS}
        overrides = {"default": []}
        overrides.update({f"{g}={o}": [f"{g}={o}"] for g in STANDALONE for o in options[g]})
        overrides.update({f"+{g}={o}": [f"+{g}={o}"] for g in ("experiment", "hparams_search") for o in options[g]})
        composed = {}
        for name, args in overrides.items():
            try:
                composed[name] = compose("config", overrides=args + NEEDS.get(name, []), return_hydra_config=True)
            except Exception as exc:
                report["configs"][name] = f"FAILED to compose: {type(exc).__name__}: {exc}"
        report["options"] = options
        report["heavy_modules_after_compose"] = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
        from matchkit.plugins import load_plugins

        report["plugins"] = {r.name: r.error or r.registered for r in load_plugins()}
        report["features_built"] = sorted({cfg.hydra.runtime.choices.features for cfg in composed.values()})
        report["sweepers"] = {name: cfg.hydra.sweeper._target_ for name, cfg in composed.items()}
        for name, cfg in composed.items():
            task = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
            try:
                report["configs"][name] = build(task)
            except Exception as exc:
                report["configs"][name] = f"FAILED: {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    print(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
