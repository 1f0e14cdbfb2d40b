"""What a retrieval service needs from a run: towers, embeddings with original ids, an ANN index."""

from matchkit.export.exporter import export_run

__all__ = ["export_run"]
