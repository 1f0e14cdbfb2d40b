"""SampledSoftmaxLoss against values worked out by hand and a numpy reference."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from matchkit.errors import ConfigError  # noqa: E402
from matchkit.losses import SampledSoftmaxLoss  # noqa: E402

# In-batch case, B = 3, D = 2, item 7 twice in the batch:
#   users u0 = [1, 0], u1 = [0, 1], u2 = [1, 1]; positives p0 = p1 = [1, 0] (id 7), p2 = [0, 1] (id 9)
#   positive logits <u_b, p_b>:  [1, 0, 1]
#   negative logits u @ p^T:     row 0 [1, 1, 0]; row 1 [0, 0, 1]; row 2 [1, 1, 1]
USER = np.array([[1, 0], [0, 1], [1, 1]], np.float32)
ITEM = np.array([[1, 0], [1, 0], [0, 1]], np.float32)
IDS = np.array([7, 7, 9], np.int32)
LOGQ = np.log([0.5, 0.5, 0.25]).astype(np.float32)


def inbatch(loss, logq=LOGQ, weight=None):
    return float(loss(USER, ITEM, IDS, ITEM, IDS, logq, logq, sample_weight=weight))


def reference(user, pos, pos_ids, neg, neg_ids, pos_logq, neg_logq, temperature, logq, mask, weight=None):
    """Plain numpy: build the [B, 1 + N] logits, softmax cross-entropy on column 0."""
    logits = np.concatenate([(user * pos).sum(1, keepdims=True), user @ neg.T], 1) / temperature
    if logq:
        logits -= np.concatenate([pos_logq[:, None], np.broadcast_to(neg_logq, (len(user), len(neg)))], 1)
    if mask:
        logits[:, 1:][pos_ids[:, None] == neg_ids[None, :]] = -np.inf
    top = logits.max(1, keepdims=True)
    per_row = np.log(np.exp(logits - top).sum(1)) + top[:, 0] - logits[:, 0]
    return per_row.mean() if weight is None else (per_row * weight).sum() / len(per_row)


def test_inbatch_masking_without_logq_by_hand():
    # Masking removes every column whose id equals the row's positive (its own item and the duplicate):
    #   row 0 (id 7): logits [1 | 0]        -> log(e + 1) - 1 = log(1 + e^-1) = 0.313262
    #   row 1 (id 7): logits [0 | 1]        -> log(1 + e)                     = 1.313262
    #   row 2 (id 9): logits [1 | 1, 1]     -> log(3e) - 1 = log 3            = 1.098612
    loss = SampledSoftmaxLoss(temperature=1.0, logq_correction=False, remove_accidental_hits=True)
    assert inbatch(loss) == pytest.approx((0.313262 + 1.313262 + 1.098612) / 3, abs=1e-5)


def test_inbatch_without_masking_by_hand():
    # The column 0 logit reappears among the negatives (own item), so every row has more mass:
    #   row 0: [1 | 1, 1, 0] -> log(3e + 1) - 1 = 1.214283
    #   row 1: [0 | 0, 0, 1] -> log(3 + e)      = 1.743668
    #   row 2: [1 | 1, 1, 1] -> log(4e) - 1     = log 4 = 1.386294
    loss = SampledSoftmaxLoss(temperature=1.0, logq_correction=False, remove_accidental_hits=False)
    assert inbatch(loss) == pytest.approx((1.214283 + 1.743668 + 1.386294) / 3, abs=1e-5)


def test_inbatch_logq_and_masking_by_hand():
    # logq subtracts log 0.5 from id 7's columns and log 0.25 from id 9's, i.e. adds ln 2 / ln 4:
    #   row 0: [1 + ln2 | ln4]              -> log(2e + 4) - 1 - ln2         = 0.551445
    #   row 1: [0 + ln2 | 1 + ln4]          -> log(2 + 4e) - ln2             = 1.861995
    #   row 2: [1 + ln4 | 1 + ln2, 1 + ln2] -> log(4e + 2e + 2e) - 1 - ln4   = ln2 = 0.693147
    loss = SampledSoftmaxLoss(temperature=1.0, logq_correction=True, remove_accidental_hits=True)
    assert inbatch(loss) == pytest.approx((0.551445 + 1.861995 + 0.693147) / 3, abs=1e-5)


def test_temperature_divides_dot_products_before_logq():
    # temperature 0.5 doubles every dot product; row 2 still has 3 equal logits: log 3.
    loss = SampledSoftmaxLoss(temperature=0.5, logq_correction=False)
    expected = (np.log(1 + np.exp(-2)) + np.log(1 + np.exp(2)) + np.log(3)) / 3
    assert inbatch(loss) == pytest.approx(expected, abs=1e-5)


def test_sample_weight_is_sum_over_batch_size():
    loss = SampledSoftmaxLoss(temperature=1.0, logq_correction=False)
    # weights [2, 0, 1]: (2 * 0.313262 + 1.098612) / 3
    assert inbatch(loss, weight=np.array([2, 0, 1], np.float32)) == pytest.approx(
        (2 * 0.313262 + 1.098612) / 3, abs=1e-5)


@pytest.mark.parametrize("logq", [True, False])
@pytest.mark.parametrize("mask", [True, False])
def test_sampled_negatives_match_numpy_reference(logq, mask):
    rng = np.random.default_rng(int(logq) * 2 + int(mask))
    b, n, d = 6, 10, 4
    user, pos, neg = (rng.standard_normal((m, d)).astype(np.float32) for m in (b, b, n))
    pos_ids = np.array([1, 2, 2, 3, 4, 5], np.int32)            # item 2 twice in the batch
    neg_ids = np.array([2, 9, 9, 1, 8, 7, 2, 6, 5, 11], np.int32)  # accidental hits for rows 0, 1, 2, 5
    pos_logq = np.log(rng.uniform(0.01, 0.2, b)).astype(np.float32)
    neg_logq = np.log(rng.uniform(0.01, 0.2, n)).astype(np.float32)
    weight = rng.uniform(0, 2, b).astype(np.float32)
    loss = SampledSoftmaxLoss(temperature=0.2, logq_correction=logq, remove_accidental_hits=mask)
    got = loss(user, pos, pos_ids, neg, neg_ids, pos_logq, neg_logq, sample_weight=weight)
    want = reference(user, pos, pos_ids, neg, neg_ids, pos_logq, neg_logq, 0.2, logq, mask, weight)
    assert float(got) == pytest.approx(want, rel=1e-5)


def test_xla_matches_eager_and_gradients_are_finite():
    # Large norms at temperature 0.05 give logits near 1e5: a naive softmax would overflow.
    rng = np.random.default_rng(7)
    user = tf.Variable(rng.standard_normal((8, 16)).astype(np.float32) * 30)
    item = tf.Variable(rng.standard_normal((8, 16)).astype(np.float32) * 30)
    ids = tf.constant([1, 1, 2, 3, 3, 3, 4, 5])
    logq = tf.constant(np.log(np.full(8, 0.1)), tf.float32)
    loss = SampledSoftmaxLoss(temperature=0.05)

    @tf.function(jit_compile=True)
    def step():
        with tf.GradientTape() as tape:
            value = loss(user, item, ids, item, ids, logq, logq)
        return value, tape.gradient(value, [user, item])

    value, grads = step()
    assert np.isfinite(float(value))
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)
    eager = loss(user, item, ids, item, ids, logq, logq)
    assert float(value) == pytest.approx(float(eager), rel=1e-5)


@pytest.mark.parametrize("temperature", [0, -0.1, "0.05", None])
def test_bad_temperature_is_config_error(temperature):
    with pytest.raises(ConfigError, match="temperature should be a positive number, received temperature="):
        SampledSoftmaxLoss(temperature=temperature)


def test_get_config_round_trip():
    loss = SampledSoftmaxLoss(temperature=0.1, logq_correction=False, remove_accidental_hits=False)
    again = SampledSoftmaxLoss.from_config(loss.get_config())
    assert again.get_config() == {"temperature": 0.1, "logq_correction": False,
                                  "remove_accidental_hits": False}
