"""Retrieval losses working on embeddings (not on towers), TensorFlow Recommenders style."""

from matchkit.losses.logistic import LogisticLoss
from matchkit.losses.retrieval import SampledSoftmaxLoss

__all__ = ["LogisticLoss", "SampledSoftmaxLoss"]
