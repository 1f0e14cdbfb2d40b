"""What a run leaves for people to read: the run record (``run.json``), plots, TensorBoard logs, progress bars."""

from matchkit.report.progress import stage_bar
from matchkit.report.run_record import file_sha256, run_record

__all__ = ["file_sha256", "run_record", "stage_bar"]
