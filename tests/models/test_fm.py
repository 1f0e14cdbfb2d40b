"""FM (matching form) builds from its config, learns with in-batch softmax, and its towers reload."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.models.fm import FM

# fm_ml1m's equal-width columns, on the synthetic data
FM_SMALL = ["+experiment=fm_ml1m", "model.l2_normalize=false", "model.temperature=1.0"]


@pytest.fixture(scope="module")
def trained(zoo):
    table, samples, model, sampler, optimizer = zoo.build(FM_SMALL)
    losses = zoo.fit(model, sampler, optimizer, samples)
    return table, samples, model, losses


def test_builds_from_its_config_and_loss_falls(trained):
    _, _, model, losses = trained
    assert isinstance(model, FM)
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.2, losses


def test_vectors_are_factor_sums(trained):
    table, samples, model, _ = trained
    emb = {n: model.item_tower.get_layer(f"emb_{n}").embeddings.numpy() for n in ("movie_id", "genres")}
    ids = np.arange(1, 6, dtype=np.int32)
    # item vector = e_movie[id] + e_genre[genre of id]
    expected = emb["movie_id"][ids] + emb["genres"][table.item_features["genres"][ids]]
    np.testing.assert_allclose(model.embed_items(ids), expected, rtol=1e-5, atol=1e-7)
    # user vector: the history part is the mean of e_movie over the first hist_len items
    cols = {k: v[:1] for k, v in samples.test.columns.items()}
    n = int(cols["hist_len"][0])
    user_emb = {n_: model.user_tower.get_layer(f"emb_{n_}").embeddings.numpy()
                for n_ in ("user_id", "gender", "age", "occupation", "zip")}
    expected = sum(user_emb[k][cols[k][0]] for k in user_emb)
    expected = expected + emb["movie_id"][cols["hist_movie_id"][0, :n]].mean(0)
    expected = expected + emb["genres"][cols["hist_genres"][0, :n]].mean(0)
    np.testing.assert_allclose(model.embed_users(cols)[0], expected, rtol=1e-4, atol=1e-6)


def test_towers_reload_with_safe_loading(trained, zoo, tmp_path):
    table, samples, model, _ = trained
    zoo.assert_towers_reload(model, table, samples, tmp_path)


def test_columns_of_different_widths_are_refused(zoo):
    # features/movielens gives the user profile 16 dimensions and the history 32
    with pytest.raises(ConfigError, match="one embedding width"):
        zoo.build(["model=fm"])
