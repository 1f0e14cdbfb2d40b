"""LogisticLoss against values worked out by hand."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from matchkit.errors import ConfigError  # noqa: E402
from matchkit.losses import LogisticLoss  # noqa: E402

# dot products [2, 0, -1] with labels [1, 0, 1]:
#   label 1, logit 2  -> log(1 + e^-2) = 0.126928
#   label 0, logit 0  -> log 2         = 0.693147
#   label 1, logit -1 -> log(1 + e)    = 1.313262
USER = np.array([[1, 1], [1, 0], [0, 1]], np.float32)
ITEM = np.array([[1, 1], [0, 3], [2, -1]], np.float32)
LABELS = np.array([1, 0, 1], np.float32)


def test_by_hand():
    assert float(LogisticLoss()(USER, ITEM, LABELS)) == pytest.approx(
        (0.126928 + 0.693147 + 1.313262) / 3, abs=1e-5)


def test_temperature_and_sample_weight():
    # temperature 0.5 -> logits [4, 0, -2]: log(1 + e^-4) = 0.018150, log 2, log(1 + e^2) = 2.126928
    # weights [1, 2, 0] -> (0.018150 + 2 * 0.693147) / 3
    value = LogisticLoss(temperature=0.5)(USER, ITEM, LABELS, sample_weight=np.array([1, 2, 0], np.float32))
    assert float(value) == pytest.approx((0.018150 + 2 * 0.693147) / 3, abs=1e-5)


def test_stable_and_finite_gradient_under_xla():
    # logit 1000 with label 0 costs exactly 1000; a naive log(1 - sigmoid) would give inf.
    user = tf.Variable([[1000.0], [-1000.0]])
    item = tf.constant([[1.0], [1.0]])
    labels = tf.constant([0.0, 1.0])
    loss = LogisticLoss()

    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as tape:
            value = loss(user, item, labels)
        return value, tape.gradient(value, user)

    value, grad = step()
    assert float(value) == pytest.approx(1000.0)
    np.testing.assert_allclose(grad.numpy(), [[0.5], [-0.5]])


def test_bad_temperature_and_config_round_trip():
    with pytest.raises(ConfigError, match="received temperature=0"):
        LogisticLoss(temperature=0)
    assert LogisticLoss.from_config(LogisticLoss(2.0).get_config()).temperature == 2.0
