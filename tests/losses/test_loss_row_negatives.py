import numpy as np

from matchkit.losses import SampledSoftmaxLoss


def test_row_negatives_join_the_softmax_without_correction_and_with_masking():
    user = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    pos = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    pos_ids = np.array([4, 5])
    # row 0's history: item 9 (vector [0, 1]) and padding; row 1's: item 5 (= its positive) and item 8 ([1, 0]).
    row_emb = np.array([[[0.0, 1.0], [1.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]], np.float32)
    row_ids = np.array([[9, 0], [5, 8]])
    loss = SampledSoftmaxLoss(temperature=1.0, logq_correction=True, remove_accidental_hits=True)
    logits = loss.logits(user, pos, pos_ids, pos, pos_ids, np.log([0.5, 0.5]), np.log([0.5, 0.5]),
                         row_neg_emb=row_emb, row_neg_ids=row_ids).numpy()
    # columns: positive (1 - log .5), in-batch [own item masked, other item 0 - log .5], history [...]
    c = -np.log(0.5)
    np.testing.assert_allclose(logits[0, [0, 2, 3]], [1 + c, c, 0.0], rtol=1e-6)
    np.testing.assert_allclose(logits[1, [0, 1, 4]], [1 + c, c, 0.0], rtol=1e-6)
    assert logits[0, 4] < -1e30 and logits[1, 3] < -1e30 and logits[0, 1] < -1e30 and logits[1, 2] < -1e30
    expected = np.mean([np.log(np.exp(1 + c) + np.exp(c) + np.exp(0.0)) - (1 + c)] * 2)
    got = loss(user, pos, pos_ids, pos, pos_ids, np.log([0.5, 0.5]), np.log([0.5, 0.5]),
               row_neg_emb=row_emb, row_neg_ids=row_ids).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)
