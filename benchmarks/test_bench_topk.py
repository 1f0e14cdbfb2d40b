"""Exact top-100 at MovieLens-1M evaluation size: 6,040 users x 3,657 items x 32 dims (target < 1 s).

Run: python -m pytest benchmarks/test_bench_topk.py --benchmark-only
"""

import numpy as np
import pytest

from matchkit.evaluation.topk import exact_topk

USERS, ITEMS, DIM, K, SEEN = 6040, 3657, 32, 100, 160


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    users = rng.standard_normal((USERS, DIM), dtype=np.float32)
    items = rng.standard_normal((ITEMS, DIM), dtype=np.float32)
    # ~160 distinct random seen items per user, as (row, column) pairs
    cols = np.argsort(rng.random((USERS, ITEMS), dtype=np.float32), axis=1)[:, :SEEN]
    exclude = np.stack([np.repeat(np.arange(USERS), SEEN), cols.ravel()], axis=1)
    return users, items, exclude


def test_exact_top100_unfiltered(benchmark, data):
    users, items, _ = data
    scores, ids = benchmark(exact_topk, users, items, K)
    assert ids.shape == (USERS, K)


def test_exact_top100_filtered(benchmark, data):
    users, items, exclude = data
    scores, ids = benchmark(exact_topk, users, items, K, exclude=exclude)
    assert ids.shape == (USERS, K) and (ids >= 0).all()
