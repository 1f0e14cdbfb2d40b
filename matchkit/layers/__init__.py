"""Keras layers shared by the models (towers, normalisation)."""

from matchkit.layers.dnn import DNN
from matchkit.layers.l2_normalize import L2Normalize

__all__ = ["DNN", "L2Normalize"]
