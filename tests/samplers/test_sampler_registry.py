"""Registry wiring, the Sampler contract shared by every entry, and config validation."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from matchkit.errors import ConfigError, RegistryError  # noqa: E402
from matchkit.samplers import SAMPLERS, Sampler  # noqa: E402

COUNTS = np.array([0, 5, 0, 3, 10, 1], np.int64)  # 5 real items; item 2 never seen
CONFIGS = {"inbatch": {}, "uniform": {"num_sampled": 7}, "frequency": {"num_sampled": 7},
           "adaptive": {"num_sampled": 7}}


def test_registry_lists_the_four_samplers():
    assert SAMPLERS.names() == ["adaptive", "frequency", "inbatch", "uniform"]
    with pytest.raises(RegistryError, match="did you mean 'inbatch'"):
        SAMPLERS.get("inbach")


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_contract_under_xla(name):
    sampler = SAMPLERS.build(name, item_counts=COUNTS, **CONFIGS[name])
    assert isinstance(sampler, Sampler)
    assert sampler.in_batch == (name == "inbatch")

    @tf.function(jit_compile=True)
    def step(pos, seed):
        sampler.update(pos)
        return sampler.sample(pos, seed)

    pos = tf.constant([1, 3, 3, 4], tf.int32)
    neg_ids, neg_logq, pos_logq = step(pos, tf.constant([1, 2], tf.int32))
    n = 4 if name == "inbatch" else 7
    assert neg_ids.dtype == tf.int32 and neg_ids.shape == (n,)
    assert neg_logq.dtype == tf.float32 and neg_logq.shape == (n,)
    assert pos_logq.dtype == tf.float32 and pos_logq.shape == (4,)
    ids = neg_ids.numpy()
    assert ids.min() >= 1 and ids.max() <= 5
    assert np.all(np.isfinite(neg_logq.numpy())) and np.all(neg_logq.numpy() <= 0)
    assert np.all(np.isfinite(pos_logq.numpy())) and np.all(pos_logq.numpy() <= 0)


@pytest.mark.parametrize("name", ["uniform", "frequency", "adaptive"])
def test_same_seed_same_draw_other_seed_other_draw(name):
    sampler = SAMPLERS.build(name, item_counts=COUNTS, num_sampled=64)
    sample = tf.function(sampler.sample, jit_compile=True)
    pos = tf.constant([1, 4], tf.int32)
    a = sample(pos, tf.constant([3, 4]))[0].numpy()
    b = sample(pos, tf.constant([3, 4]))[0].numpy()
    c = sample(pos, tf.constant([3, 5]))[0].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_inbatch_without_counts_turns_correction_off():
    sampler = SAMPLERS.build("inbatch", item_counts=None)
    ids, neg_logq, pos_logq = sampler.sample(tf.constant([2, 2, 5]), tf.constant([0, 0]))
    np.testing.assert_array_equal(ids.numpy(), [2, 2, 5])
    np.testing.assert_array_equal(neg_logq.numpy(), [0, 0, 0])
    np.testing.assert_array_equal(pos_logq.numpy(), [0, 0, 0])


def test_inbatch_logq_is_share_of_interactions():
    sampler = SAMPLERS.build("inbatch", item_counts=COUNTS)
    ids, neg_logq, pos_logq = sampler.sample(tf.constant([4, 1, 2]), tf.constant([0, 0]))
    np.testing.assert_array_equal(ids.numpy(), [4, 1, 2])
    # total = 19: item 4 -> 10/19, item 1 -> 5/19, item 2 (count 0) floored at the smallest count, 1/19
    np.testing.assert_allclose(neg_logq.numpy(), np.log([10 / 19, 5 / 19, 1 / 19]), rtol=1e-6)
    np.testing.assert_array_equal(pos_logq.numpy(), neg_logq.numpy())


@pytest.mark.parametrize("name, cfg, message", [
    ("uniform", {"num_sampled": 0}, "num_sampled should be a positive integer, received num_sampled=0"),
    ("uniform", {"num_sampled": -3}, "received num_sampled=-3"),
    ("frequency", {"num_sampled": 2.5}, "received num_sampled=2.5"),
    ("adaptive", {"num_sampled": True}, "received num_sampled=True"),
    ("adaptive", {"num_sampled": "8"}, "received num_sampled='8'"),
    ("uniform", {}, "needs num_sampled"),
    ("frequency", {"num_sampled": 4, "item_counts": None}, "needs item_counts"),
    ("frequency", {"num_sampled": 4, "item_counts": np.zeros(6, np.int64)}, "all item_counts are 0"),
    ("frequency", {"num_sampled": 4, "item_counts": np.array([0, 3, -1])}, "non-negative"),
    ("frequency", {"num_sampled": 4, "item_counts": np.ones((2, 3))}, "1-D"),
    ("frequency", {"num_sampled": 4, "distortion": 0},
     r"distortion should be in \(0, 1\], received distortion=0"),
    ("frequency", {"num_sampled": 4, "distortion": 1.5}, "received distortion=1.5"),
    ("frequency", {"num_sampled": 4, "distortion": -0.5}, "received distortion=-0.5"),
    ("uniform", {"num_sampled": 4, "distorsion": 0.5}, "does not take distorsion; it accepts: num_sampled"),
    ("inbatch", {"num_sampled": 4}, "'inbatch' does not take num_sampled"),
    ("adaptive", {"num_sampled": 4, "item_counts": None}, "needs item_counts"),
])
def test_invalid_settings_are_config_errors(name, cfg, message):
    kwargs = {"item_counts": COUNTS, **cfg}
    with pytest.raises(ConfigError, match=message):
        SAMPLERS.build(name, **kwargs)


def test_padding_count_is_ignored():
    counts = np.array([1000, 1, 1], np.int64)  # a non-zero padding count must not make 0 drawable
    sampler = SAMPLERS.build("frequency", item_counts=counts, num_sampled=2000)
    ids = sampler.sample(tf.constant([1]), tf.constant([7, 7]))[0].numpy()
    assert ids.min() >= 1
