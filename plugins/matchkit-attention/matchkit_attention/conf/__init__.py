"""Hydra configs of matchkit-attention, on the search path as ``pkg://matchkit_attention.conf``."""
