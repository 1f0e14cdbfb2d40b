"""Entry point (group ``matchkit.plugins``): importing it registers the datasets ml20m, ml25m, ml_latest_small."""

from matchkit_movielens import datasets  # noqa: F401  (registers the datasets)
