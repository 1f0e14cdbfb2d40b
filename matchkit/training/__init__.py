"""Training loop: batches gathered by index, several XLA-compiled steps per call."""

from matchkit.training.trainer import Trainer

__all__ = ["Trainer"]
