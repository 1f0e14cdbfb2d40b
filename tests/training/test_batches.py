import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.training.batches import chunks, epoch_batches


def test_epoch_batches_is_a_seeded_permutation_without_the_last_partial_batch():
    plan = epoch_batches(1000, 64, seed=3, epoch=0)
    assert plan.shape == (15, 64) and plan.dtype == np.int32
    assert len(np.unique(plan)) == 15 * 64 and plan.max() < 1000
    np.testing.assert_array_equal(plan, epoch_batches(1000, 64, seed=3, epoch=0))
    assert not np.array_equal(plan, epoch_batches(1000, 64, seed=3, epoch=1))
    np.testing.assert_array_equal(epoch_batches(10, 5, 0, 0, shuffle=False), [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]])


def test_chunks_cover_every_step_in_order():
    plan = epoch_batches(1000, 10, seed=0, epoch=0)
    parts = chunks(plan, 32)
    assert [len(p) for p in parts] == [32, 32, 32, 4]
    np.testing.assert_array_equal(np.concatenate(parts), plan)


@pytest.mark.parametrize("call,message", [
    (lambda: epoch_batches(100, 0, 0, 0), "batch_size should be a positive integer, received batch_size=0"),
    (lambda: epoch_batches(100, 101, 0, 0), "larger than the 100 training rows"),
    (lambda: chunks(np.zeros((3, 2)), 0), "steps_per_execution should be a positive integer"),
])
def test_bad_settings_are_refused(call, message):
    with pytest.raises(ConfigError, match=message):
        call()
