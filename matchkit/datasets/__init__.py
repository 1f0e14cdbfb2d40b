"""Datasets (config group ``dataset/``): each entry yields an encoded :class:`~matchkit.data.table.InteractionTable`."""

from matchkit.registry import Registry

DATASETS = Registry(
    "dataset",
    "Called with the keyword arguments of the dataset config (everything but ``name``); returns an "
    "object whose ``load()`` returns a matchkit.data.table.InteractionTable (ids coded 1..n, 0 = padding).",
)

from matchkit.datasets import ml1m, synthetic, tabular  # noqa: E402,F401  (registers the built-in datasets)

__all__ = ["DATASETS"]
