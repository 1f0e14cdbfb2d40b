"""build_inputs / EmbeddingTables / embed_features / concat_features / embed_table_rows, and towers saved and
reloaded."""

import keras
import numpy as np
import pytest

from matchkit.errors import ConfigError
from matchkit.features import (
    DenseFeat,
    EmbeddingTables,
    SparseFeat,
    VarLenSparseFeat,
    build_inputs,
    concat_features,
    embed_features,
)
from matchkit.features.inputs import FLAT_BELOW, embed_table_rows
from matchkit.layers import FlatEmbedding

L = 4
USER = [
    SparseFeat("user_id", 10, 3),
    VarLenSparseFeat("hist_movie_id", 20, 5, maxlen=L, embedding_name="movie_id", length_name="hist_len"),
    VarLenSparseFeat("hist_genres", 6, 2, maxlen=L, embedding_name="genres", length_name="hist_len",
                     combiner="max", group_name="seq"),
    VarLenSparseFeat("clicks", 20, 5, maxlen=L, embedding_name="movie_id"),  # masked by id != 0
    VarLenSparseFeat("rated", 20, 5, maxlen=L, embedding_name="movie_id", weight_name="rating",
                     weight_norm=False, length_name="hist_len"),
    DenseFeat("age", transform="log1p"),
    SparseFeat("zip", 7, 2, use_hash=True, dtype="string"),
]
ITEM = [SparseFeat("movie_id", 20, 5), SparseFeat("genres", 6, 2)]
BATCH = {
    "user_id": np.array([1, 2, 3], dtype="int32"),
    "hist_movie_id": np.array([[4, 5, 6, 7], [8, 0, 0, 0], [0, 0, 0, 0]], dtype="int32"),
    "hist_genres": np.array([[1, 2, 3, 4], [5, 0, 0, 0], [0, 0, 0, 0]], dtype="int32"),
    "hist_len": np.array([3, 1, 0], dtype="int32"),  # row 0 has a 4th id beyond its length
    "clicks": np.array([[3, 9, 0, 0], [0, 0, 0, 0], [1, 2, 3, 4]], dtype="int32"),
    "rated": np.array([[1, 2, 3, 4], [5, 0, 0, 0], [0, 0, 0, 0]], dtype="int32"),
    "rating": np.array([[1, 2, 3, 4], [5, 0, 0, 0], [0, 0, 0, 0]], dtype="float32"),
    "age": np.array([[0.0], [1.0], [3.0]], dtype="float32"),
    "zip": np.array(["10001", "94110", ""]),
}


@pytest.fixture()
def tables():
    return EmbeddingTables(USER + ITEM, seed=7)


def test_build_inputs_shapes_and_dedup():
    inputs = build_inputs(USER)
    assert list(inputs) == ["user_id", "hist_movie_id", "hist_len", "hist_genres", "clicks", "rated", "rating",
                            "age", "zip"]
    assert inputs["user_id"].shape == (None,) and inputs["user_id"].dtype == "int32"
    assert inputs["hist_movie_id"].shape == (None, L) and inputs["hist_len"].shape == (None,)
    assert inputs["rating"].shape == (None, L) and inputs["rating"].dtype == "float32"
    assert inputs["age"].shape == (None, 1) and inputs["zip"].dtype == "string"


def test_build_inputs_conflict():
    cols = [VarLenSparseFeat("a", 5, 2, maxlen=3, weight_name="w"), VarLenSparseFeat("b", 5, 2, maxlen=4, weight_name="w")]
    with pytest.raises(ConfigError, match="input 'w' is read with shape/dtype"):
        build_inputs(cols)


def test_tables_shared(tables):
    assert sorted(tables) == ["genres", "movie_id", "user_id", "zip"]
    layer = tables["movie_id"]
    assert isinstance(layer, FlatEmbedding) and layer.name == "emb_movie_id"
    assert (layer.input_dim, layer.output_dim) == (20, 5)
    item_inputs, user_inputs = build_inputs(ITEM), build_inputs(USER)
    concat_features(item_inputs, ITEM, tables), concat_features(user_inputs, USER, tables)
    assert layer.built and len(layer.weights) == 1  # one table serves movie_id and hist_movie_id


def test_narrow_tables_are_flat_and_wide_ones_keras_embeddings():
    tables = EmbeddingTables([SparseFeat("a", 10, FLAT_BELOW - 1), SparseFeat("b", 10, FLAT_BELOW)], seed=0)
    assert type(tables["a"]) is FlatEmbedding and type(tables["b"]) is keras.layers.Embedding
    ids = np.array([[1, 2], [9, 1]], np.int32)
    for name in "ab":
        got = np.asarray(tables[name](ids))
        np.testing.assert_array_equal(got, np.asarray(tables[name].embeddings)[ids])


def test_tables_conflict_and_unknown():
    with pytest.raises(ConfigError, match="features 'movie_id' and 'hist_movie_id' share embedding table 'movie_id' "
                                          "but disagree on embedding_dim: 5 vs 8"):
        EmbeddingTables([SparseFeat("movie_id", 20, 5),
                         VarLenSparseFeat("hist_movie_id", 20, 8, maxlen=3, embedding_name="movie_id")])
    with pytest.raises(ConfigError, match="vocabulary_size is still 'auto'"):
        EmbeddingTables([SparseFeat("x")])
    with pytest.raises(ConfigError, match="no embedding table 'nope'; available: movie_id"):
        EmbeddingTables(ITEM)["nope"]


def test_seeds_differ_per_table_and_l2():
    tables = EmbeddingTables([SparseFeat("a", 10, 4), SparseFeat("b", 10, 4)], seed=1, l2_reg=1e-3)
    for t in tables.values():
        t.build((None,))
    a, b = tables["a"].embeddings.numpy(), tables["b"].embeddings.numpy()
    assert not np.allclose(a, b) and 0 < np.abs(a).max() < 1e-3  # N(0, 1e-4)
    assert tables["a"].embeddings_regularizer is not None


def table(tables, name):
    return tables[name].embeddings.numpy()


def test_embed_features_eager_matches_numpy(tables):
    groups = embed_features(BATCH, USER, tables)
    assert list(groups) == ["default_group", "seq"]
    user, hist, clicks, rated, age, zip_ = groups["default_group"]
    (genres,) = groups["seq"]
    assert [t.shape for t in (user, hist, clicks, rated, age, zip_, genres)] == [(3, 3), (3, 5), (3, 5), (3, 5),
                                                                                  (3, 1), (3, 2), (3, 2)]
    movie = table(tables, "movie_id")
    # mean over the first hist_len rows; length 0 -> zeros
    expected = np.stack([movie[[4, 5, 6]].mean(0), movie[[8]].mean(0), np.zeros(5)])
    np.testing.assert_allclose(hist.numpy(), expected, rtol=1e-5, atol=1e-12)
    # no length_name: mean over the non-zero ids
    expected = np.stack([movie[[3, 9]].mean(0), np.zeros(5), movie[[1, 2, 3, 4]].mean(0)])
    np.testing.assert_allclose(clicks.numpy(), expected, rtol=1e-5, atol=1e-12)
    # weight_name: weighted sum over the first hist_len positions
    expected = np.stack([1 * movie[1] + 2 * movie[2] + 3 * movie[3], 5 * movie[5], np.zeros(5)])
    np.testing.assert_allclose(rated.numpy(), expected, rtol=1e-5, atol=1e-12)
    g = table(tables, "genres")
    np.testing.assert_allclose(genres.numpy(), np.stack([g[[1, 2, 3]].max(0), g[5], np.zeros(2)]), rtol=1e-6)
    np.testing.assert_allclose(age.numpy(), np.log1p(BATCH["age"]), rtol=1e-6)
    np.testing.assert_allclose(zip_.numpy()[2], table(tables, "zip")[0])  # "" hashes to the padding bucket


def test_tower_save_load(tmp_path, tables):
    inputs = build_inputs(USER)
    x = concat_features(inputs, USER, tables)
    assert x.shape == (None, 3 + 5 + 5 + 5 + 1 + 2 + 2)
    tower = keras.Model(inputs, keras.layers.Dense(4)(x))
    item_inputs = build_inputs(ITEM)
    item_tower = keras.Model(item_inputs, concat_features(item_inputs, ITEM, tables))
    assert tower.get_layer("emb_movie_id") is item_tower.get_layer("emb_movie_id")
    path = tmp_path / "tower.keras"
    tower.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(loaded(BATCH).numpy(), tower(BATCH).numpy())


def test_single_column_concat(tables):
    inputs = build_inputs(ITEM[:1])
    out = concat_features(inputs, ITEM[:1], tables)
    assert out.shape == (None, 5)
    with pytest.raises(ConfigError, match="no feature columns"):
        concat_features(inputs, [], tables)


def test_embed_table_rows_gives_the_live_table_ids_and_lengths(tmp_path, tables):
    column = USER[2]  # hist_genres: 6 rows
    inputs = build_inputs(USER)
    rows, ids, lengths = embed_table_rows(inputs, column, tables)
    assert rows.shape == (6, 2) and ids.shape == (None, L)
    model = keras.Model(inputs, [rows, ids, lengths])
    out = model(BATCH)
    np.testing.assert_array_equal(out[0].numpy(), table(tables, "genres"))
    np.testing.assert_array_equal(out[1].numpy(), BATCH["hist_genres"])
    np.testing.assert_array_equal(out[2].numpy(), BATCH["hist_len"])
    tables["genres"].flat_embeddings.assign_add(np.ones(6 * 2, np.float32))  # the rows follow the table
    np.testing.assert_array_equal(model(BATCH)[0].numpy(), table(tables, "genres"))
    path = tmp_path / "rows.keras"
    model.save(path)
    np.testing.assert_array_equal(keras.saving.load_model(path, safe_mode=True)(BATCH)[0].numpy(), out[0].numpy() + 1.0)
    with pytest.raises(ConfigError, match="varlen_sparse column with a length_name"):
        embed_table_rows(inputs, USER[3], tables)  # clicks: masked by id, no length


def test_small_table_sequences_are_pooled_per_table_row_with_the_same_result(tables):
    small = [VarLenSparseFeat("hist_genres", 6, 2, maxlen=8, embedding_name="genres", length_name="hist_len",
                              combiner="mean"),
             VarLenSparseFeat("tags", 6, 2, maxlen=8, embedding_name="genres", combiner="sum")]  # masked by id
    batch = {"hist_genres": np.array([[1, 2, 2, 5, 3, 0, 0, 0], [4, 0, 0, 0, 0, 0, 0, 0], [0] * 8], "int32"),
             "hist_len": np.array([4, 1, 0], "int32"),
             "tags": np.array([[1, 0, 1, 3, 0, 0, 0, 0], [0] * 8, [5, 5, 5, 5, 5, 5, 5, 5]], "int32")}
    inputs = build_inputs(small)
    model = keras.Model(inputs, embed_features(inputs, small, tables)["default_group"])
    assert type(model.get_layer("pool_hist_genres")).__name__ == "VocabularyPooling"
    mean, total = (t.numpy() for t in model(batch))
    genres = table(tables, "genres")
    np.testing.assert_allclose(mean, [genres[[1, 2, 2, 5]].mean(0), genres[4], np.zeros(2)], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(total, [genres[[1, 1, 3]].sum(0), np.zeros(2), 8 * genres[5]], rtol=1e-5, atol=1e-6)
