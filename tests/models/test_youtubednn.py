"""YoutubeDNN builds from its config, learns with sampled softmax, and its towers reload."""

import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.models.youtubednn import YoutubeDNN


@pytest.fixture(scope="module")
def trained(zoo):
    table, samples, model, sampler, optimizer = zoo.build(["model=youtubednn", "sampler=frequency",
                                                            "sampler.num_sampled=32"])
    losses = zoo.fit(model, sampler, optimizer, samples)
    return table, samples, model, losses


def test_builds_from_its_config_and_loss_falls(trained):
    _, _, model, losses = trained
    assert isinstance(model, YoutubeDNN)
    assert np.isfinite(losses).all() and losses[-1] < losses[0] - 0.2, losses


def test_item_vector_is_the_normalised_item_id_embedding(trained):
    table, _, model, _ = trained
    assert model.item_input_names == ["movie_id"]  # genres is not an input of the output layer
    ids = np.arange(1, table.n_items + 1, dtype=np.int32)
    table_rows = model.user_tower.get_layer("emb_movie_id").embeddings.numpy()[ids]  # shared with history
    expected = table_rows / np.linalg.norm(table_rows, axis=1, keepdims=True)
    np.testing.assert_allclose(model.embed_items(ids), expected, rtol=1e-5, atol=1e-6)


def test_towers_reload_with_safe_loading(trained, zoo, tmp_path):
    table, samples, model, _ = trained
    zoo.assert_towers_reload(model, table, samples, tmp_path)


def test_last_unit_must_match_the_item_embedding_width(zoo):
    with pytest.raises(ConfigError, match=r"must equal the 'movie_id' embedding_dim \(32\)"):
        zoo.build(["model=youtubednn", "model.user_dnn_units=[64,16]"])
