"""Hydra configs of matchkit-movielens, on the search path as ``pkg://matchkit_movielens.conf``."""
