"""MIND and ComiRec (SA, DR): build from config, learn, give K vectors per user that evaluation, export
and recommend all use, and reload."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.evaluation.evaluator import evaluate
from matchkit.export import export_run
from matchkit.models.comirec import ComiRec
from matchkit.models.mind import MIND
from matchkit.recommend import Export, recommend

CASES = {
    "mind": ["model=mind", "model.n_interests=3", "model.dynamic_interests=true"],
    "comirec_sa": ["model=comirec", "model.extractor=sa", "model.n_interests=3"],
    "comirec_dr": ["model=comirec", "model.extractor=dr", "model.n_interests=3"],
}


@pytest.fixture(scope="module", params=sorted(CASES))
def trained(request, zoo):
    table, samples, model, sampler, optimizer = zoo.build(CASES[request.param] + ["sampler=frequency",
                                                                                  "sampler.num_sampled=32"])
    losses = zoo.fit(model, sampler, optimizer, samples)
    return request.param, table, samples, model, losses


def test_builds_from_its_config_and_loss_falls(trained):
    name, _, _, model, losses = trained
    assert isinstance(model, MIND if name == "mind" else ComiRec)
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.2, losses


def test_user_tower_gives_k_unit_vectors_and_items_are_id_embeddings(trained):
    name, table, samples, model, _ = trained
    users = model.embed_users({k: samples.test[k] for k in model.user_input_names})
    assert users.shape == (len(samples.test), 3, 32)
    np.testing.assert_allclose(np.linalg.norm(users, axis=-1), 1.0, rtol=1e-5)
    assert model.item_input_names == ["movie_id"]
    assert {"hist_movie_id", "hist_genres", "hist_len", "user_id", "gender"} <= set(model.user_input_names)


def test_dynamic_interests_repeat_the_first_for_short_histories(trained):
    name, _, samples, model, _ = trained
    if name != "mind":
        pytest.skip("dynamic K is configured for the MIND case")
    feed = {k: samples.train[k][:200] for k in model.user_input_names}  # the first users' rows: hist_len 1, 2, ...
    users = model.embed_users(feed)
    counts = np.clip(np.floor(np.log2(np.maximum(feed["hist_len"], 1))), 1, 3).astype(int)
    for row, count in zip(users, counts):
        np.testing.assert_array_equal(row[count:], np.repeat(row[:1], 3 - count, 0))
    assert (counts > 1).any() and (counts < 3).any()


def test_evaluation_scores_items_by_the_best_interest(trained):
    _, table, samples, model, _ = trained
    metrics, arrays = evaluate(model, samples.test, samples.seen, "user_id", "movie_id", table.n_items, [10, 50])
    assert arrays["user_emb"].ndim == 3
    # the hit rate recomputed from the max-over-interests scores
    best = (arrays["user_emb"] @ arrays["item_emb"].T).max(axis=1)
    target_score = best[np.arange(len(best)), samples.test["movie_id"] - 1]
    rank = (best > target_score[:, None]).sum(1)
    assert metrics["hr@50"] == pytest.approx(np.mean(rank < 50))
    assert metrics["hr@50"] > 50 / table.n_items  # better than chance after 2 epochs


def test_export_and_recommend_with_several_vectors(trained, zoo, tmp_path):
    _, table, samples, model, _ = trained
    _, arrays = evaluate(model, samples.test, samples.seen, "user_id", "movie_id", table.n_items, [10])
    export_run(tmp_path, model, arrays, table, index="flat", seq_len=20)
    export = Export(tmp_path)
    user = export.users["raw_ids"][3]
    vectors = export.user_vectors(export.user_row(user))
    assert vectors.shape == (3, 32)
    recs = recommend(tmp_path, user, k=10, export=export)
    seen = set(export.seen(export.user_row(user)).tolist())
    best = (export.item_emb @ vectors.T).max(axis=1)
    order = [int(r) for r in np.argsort(-best) if int(export.item_ids[r]) not in seen][:10]
    assert [r["item"] for r in recs] == [export.item_raw[r] for r in order]
    np.testing.assert_allclose([r["score"] for r in recs], best[order], rtol=1e-5)
    zoo.assert_towers_reload(model, table, samples, tmp_path)


HISTORY_ONLY = ("features.user=[{type:varlen_sparse,name:hist_movie_id,embedding_name:movie_id,embedding_dim:32,"
                "maxlen:20,length_name:hist_len}]")


def test_bare_comirec_reads_only_the_item_history(zoo):
    *_, model, _, _ = zoo.build(["model=comirec", "model.user_dnn_units=[]", HISTORY_ONLY])
    assert sorted(model.user_input_names) == ["hist_len", "hist_movie_id"]
    assert not [layer for layer in model.user_tower.layers if layer.name == "interest_dnn"]


def test_config_errors(zoo):
    with pytest.raises(ConfigError, match="user_dnn_units is empty, so comirec can use only the item history"):
        zoo.build(["model=comirec", "model.user_dnn_units=[]"])
    with pytest.raises(ConfigError, match="add a varlen_sparse column with embedding_name 'movie_id'"):
        zoo.build(["model=mind", "features.user=[{type:sparse,name:user_id,embedding_dim:16}]"])
    with pytest.raises(ConfigError, match="model.extractor should be one of sa, dr, received 'xx'"):
        zoo.build(["model=comirec", "model.extractor=xx"])
    with pytest.raises(ConfigError, match=r"must equal the 'movie_id' embedding_dim \(32\)"):
        zoo.build(["model=mind", "model.user_dnn_units=[64,16]"])
    with pytest.raises(ConfigError, match="model.n_interests should be a positive integer, received n_interests=0"):
        zoo.build(["model=comirec", "model.n_interests=0"])


def test_comirec_sa_attends_per_table_row_for_large_batches_with_the_positional_result(trained):
    name, _, samples, model, _ = trained
    if name != "comirec_sa":
        pytest.skip("only ComiRec-SA reads the history's table rows")
    layer = model.interest_model.get_layer("self_attentive")
    assert len(layer._inbound_nodes[0].arguments.keras_tensors) == 4  # history, lengths, table rows, ids
    batch = {k: samples.test[k][:64] for k in model.user_input_names}
    rows = model.interest_model.get_layer("rows_hist_movie_id").vocabulary_size
    assert 64 * batch["hist_movie_id"].shape[1] > rows > batch["hist_movie_id"].shape[1]  # per row, then per position
    full = np.asarray(model.user_tower(batch))
    singles = [np.asarray(model.user_tower({k: v[i:i + 1] for k, v in batch.items()})) for i in range(0, 64, 9)]
    np.testing.assert_allclose(np.concatenate(singles), full[::9], rtol=1e-4, atol=1e-5)
