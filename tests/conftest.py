"""Shared fixtures. Tests run offline on the CPU; real-data tests read $MATCHKIT_DATA/ml-1m."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import matchkit  # noqa: E402,F401  sets TensorFlow's environment before a test module imports keras
import pytest  # noqa: E402


def ml1m_root() -> Path | None:
    """The data root holding ``ml-1m/ratings.dat``, or ``None`` when it is not available."""
    root = os.environ.get("MATCHKIT_DATA")
    if root and (Path(root) / "ml-1m" / "ratings.dat").is_file():
        return Path(root)
    return None


@pytest.fixture
def ml1m_data_root() -> Path:
    root = ml1m_root()
    if root is None:
        pytest.skip("real MovieLens-1M not available: set MATCHKIT_DATA to a folder holding ml-1m/")
    return root
