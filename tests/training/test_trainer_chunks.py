"""How many steps each compiled call runs (``trainer.steps_per_execution``) changes nothing but speed: the
same batches, seeds and updates, whatever the chunking of the epoch (the default chunk outlasts it here)."""

import numpy as np
import pytest
import tensorflow as tf

from matchkit.run import build_model, load_data
from matchkit.training import Trainer


@pytest.fixture(scope="module")
def data(small_config):
    cfg = small_config()
    return cfg, *load_data(cfg)


def trained(data, steps_per_execution):
    cfg, table, samples = data
    tf.keras.utils.set_random_seed(5)
    model, sampler, optimizer = build_model(cfg, table, samples, tf.distribute.get_strategy())
    kwargs = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    trainer = Trainer(model, sampler, optimizer, batch_size=64, progress=False, seed=3, **kwargs)
    history = trainer.fit(samples.train.columns, epochs=2)
    weights = [v.numpy() for v in model.user_tower.variables + model.item_tower.variables]
    return trainer, history, weights + [sampler.counts.numpy()]


def test_chunking_does_not_change_training(data):
    one_chunk, history, state = trained(data, None)
    steps = one_chunk.global_step // 2
    assert 7 < steps < one_chunk.steps_per_execution  # each epoch is one call of the default size
    for k in (3, 7):
        trainer, other_history, other_state = trained(data, k)
        assert trainer.global_step == one_chunk.global_step
        np.testing.assert_allclose([h["loss"] for h in other_history], [h["loss"] for h in history], rtol=1e-5)
        for a, b in zip(other_state, state):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
