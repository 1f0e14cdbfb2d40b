"""Hydra configs shipped with matchkit (the repository's top-level ``conf/``)."""
