"""ML-1M read + encode + sample building, end to end (design.md §4 target: under 3 s on 2 cores).

    MATCHKIT_DATA=/path/holding/ml-1m python -m pytest benchmarks/test_bench_data.py --benchmark-only
"""

import os
from pathlib import Path

import pytest

from matchkit.data.builder import build_samples
from matchkit.datasets.ml1m import ML1M

ROOT = os.environ.get("MATCHKIT_DATA")
FILES = ("users.dat", "ratings.dat", "movies.dat")

pytestmark = pytest.mark.skipif(
    not ROOT or not all((Path(ROOT) / "ml-1m" / f).is_file() for f in FILES),
    reason="set MATCHKIT_DATA to a folder holding ml-1m/{users,ratings,movies}.dat")


def read_and_build():
    table = ML1M(data_dir=ROOT, download=False).load()
    return build_samples(table, seq_len=50, hist_features=("movie_id", "genres"))


def test_ml1m_read_encode_build(benchmark):
    samples = benchmark.pedantic(read_and_build, rounds=5, iterations=1, warmup_rounds=0)
    assert len(samples.train) == 988_064 and len(samples.test) == 6_040
