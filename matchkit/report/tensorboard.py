"""TensorBoard event files of a run (``trainer.tensorboard=true``): per-epoch loss, time, validation metrics."""

from __future__ import annotations

import os
from pathlib import Path

import tensorflow as tf
from tensorflow.core.framework.summary_pb2 import DataClass, SummaryMetadata

# What tensorboard.summary.v2.scalar writes, without needing the tensorboard package installed.
_SCALAR = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"),
                          data_class=DataClass.DATA_CLASS_SCALAR)


def _scalar(tag: str, value: float) -> None:
    tf.summary.write(tag, tf.constant(float(value), tf.float32), metadata=_SCALAR)


class TensorBoardLogger:
    """Writes scalars to ``logdir`` with the epoch number (1-based) as step.

    Tags: ``train/loss``, ``train/epoch_seconds``, ``valid/<metric>`` per epoch; ``test/<metric>`` once at
    the end. A resumed run appends a new event file to the same folder. Scalars are written in
    TensorBoard's ``scalars`` plugin format through ``tf.summary.write``, so the ``tensorboard`` package
    is needed only to view them.
    """

    def __init__(self, logdir: str | os.PathLike) -> None:
        self.logdir = Path(logdir)
        self._writer = tf.summary.create_file_writer(str(self.logdir))

    def log_epoch(self, record: dict) -> None:
        with self._writer.as_default(step=int(record["epoch"])):
            _scalar("train/loss", record["loss"])
            _scalar("train/epoch_seconds", record["seconds"])
            for name, value in record.get("valid", {}).items():
                _scalar(f"valid/{name}", value)
        self._writer.flush()

    def log_test(self, metrics: dict, step: int) -> None:
        with self._writer.as_default(step=int(step)):
            for name, value in metrics.items():
                if isinstance(value, float):
                    _scalar(f"test/{name}", value)
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()
