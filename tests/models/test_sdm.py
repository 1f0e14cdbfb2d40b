"""SDM builds from its config, learns with sampled softmax, handles empty histories, and its towers reload."""

import dataclasses

import keras
import numpy as np
import pytest
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from matchkit.config import register_configs
from matchkit.errors import ConfigError
from matchkit.layers import QueryAttentionPooling, VocabularyAttentionPooling
from matchkit.models.sdm import SDM

SDM_SMALL = ["model=sdm", "features=movielens_sdm", "samples.short_len=5", "sampler=frequency",
             "sampler.num_sampled=32"]


@pytest.fixture(scope="module")
def trained(zoo):
    table, samples, model, sampler, optimizer = zoo.build(SDM_SMALL)
    losses = zoo.fit(model, sampler, optimizer, samples)
    return table, samples, model, losses


def test_builds_from_its_config_and_loss_falls(trained):
    _, samples, model, losses = trained
    assert isinstance(model, SDM)
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.2, losses
    assert samples.train["short_movie_id"].shape[1] == 5 and samples.train["long_movie_id"].shape[1] == 15
    assert {"short_hist_len", "long_hist_len"} <= set(model.user_input_names)


def test_long_columns_with_small_tables_are_pooled_per_table_row(trained):
    table, samples, model, _ = trained  # 13 genre rows (12 genres and padding) against 15 long positions
    genres = model.user_tower.get_layer("long_attention_long_genres")
    assert isinstance(genres, VocabularyAttentionPooling)
    assert isinstance(model.user_tower.get_layer("long_attention_long_movie_id"), QueryAttentionPooling)
    n = 64
    columns = {k: samples.test[k][:n] for k in model.user_input_names}
    query = keras.Model(model.user_tower.inputs, model.user_tower.get_layer("user_query").output)(columns)
    rows = model.user_tower.get_layer("emb_genres").embeddings
    per_position = QueryAttentionPooling()(keras.ops.take(rows, columns["long_genres"], axis=0), query,
                                           columns["long_hist_len"])
    np.testing.assert_allclose(genres(rows, columns["long_genres"], query, columns["long_hist_len"]), per_position,
                               rtol=1e-5, atol=1e-6)


def test_item_vector_is_the_normalised_item_id_embedding(trained):
    table, _, model, _ = trained
    assert model.item_input_names == ["movie_id"]
    ids = np.arange(1, table.n_items + 1, dtype=np.int32)
    rows = model.user_tower.get_layer("emb_movie_id").embeddings.numpy()[ids]  # shared with the histories
    np.testing.assert_allclose(model.embed_items(ids), rows / np.linalg.norm(rows, axis=1, keepdims=True),
                               rtol=1e-5, atol=1e-6)


def test_towers_reload_with_safe_loading(trained, zoo, tmp_path):
    table, samples, model, _ = trained
    zoo.assert_towers_reload(model, table, samples, tmp_path)


@pytest.mark.parametrize("part", ["long", "short"])
def test_empty_history_part_gives_finite_vectors_that_ignore_its_padding(trained, part):
    _, samples, model, _ = trained
    columns = {k: samples.test[k][:64].copy() for k in model.user_input_names}
    columns[f"{part}_hist_len"][:] = 0
    for f in ("movie_id", "genres"):
        columns[f"{part}_{f}"][:] = 0
    vectors = model.embed_users(columns)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    for f in ("movie_id", "genres"):  # ids beyond the (zero) length are padding: they must not matter
        columns[f"{part}_{f}"][:] = 1
    np.testing.assert_allclose(model.embed_users(columns), vectors, atol=1e-6)


@pytest.mark.parametrize("drop,text", [("short_", "short-term sequence columns"),
                                       ("long_", "long-term sequence columns")])
def test_missing_sequence_columns_are_refused(trained, drop, text):
    context = trained[2].context
    context = dataclasses.replace(context, user_columns=[c for c in context.user_columns
                                                         if not c.name.startswith(drop)])
    with pytest.raises(ConfigError, match=f"{text}.*set samples.short_len.*features=movielens_sdm"):
        SDM(context)


def test_plain_history_features_are_refused_with_a_hint(zoo):
    with pytest.raises(ConfigError, match="short_hist_len.*received .*hist_movie_id"):
        zoo.build(["model=sdm", "sampler=frequency"])


def test_num_heads_must_divide_the_item_width(trained):
    with pytest.raises(ConfigError, match=r"dividing the 'movie_id' embedding_dim \(64\), received num_heads=3"):
        SDM(trained[2].context, num_heads=3)


@pytest.mark.parametrize("attention_bias", [False, True])
def test_self_attention_biases_follow_the_config(trained, attention_bias):
    model = SDM(trained[2].context, attention_bias=attention_bias) if attention_bias else trained[2]
    attention = model.user_tower.get_layer("short_self_attention")
    assert attention.use_bias is attention_bias  # false by default: DeepMatch's self-attention has no biases
    assert (attention.qkv.bias is None, attention.output_dense.bias is None) == (not attention_bias,) * 2


def test_sdm_ml1m_splits_55_into_5_recent_and_50_older_items():
    register_configs()
    with initialize_config_module("matchkit.conf", version_base="1.3"):
        cfg = compose("config", overrides=["+experiment=sdm_ml1m"])
    user = {f["name"]: f for f in OmegaConf.to_container(cfg.features.user, resolve=True)}
    assert (cfg.samples.seq_len, cfg.samples.short_len) == (55, 5)
    assert user["short_movie_id"]["maxlen"] == 5 and user["long_genres"]["maxlen"] == 50
    assert (cfg.model.name, cfg.sampler.name, cfg.sampler.num_sampled) == ("sdm", "frequency", 255)
