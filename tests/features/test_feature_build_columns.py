"""build_columns: config specs -> columns with vocabulary sizes filled in."""

import pytest
from omegaconf import OmegaConf

from matchkit.errors import ConfigError, RegistryError
from matchkit.features import DenseFeat, SparseFeat, VarLenSparseFeat, build_columns

VOCABS = {"user_id": 6041, "movie_id": 3707, "genres": 19}
SPECS = [
    {"type": "sparse", "name": "user_id", "embedding_dim": 16},
    {"type": "varlen_sparse", "name": "hist_movie_id", "embedding_name": "movie_id", "maxlen": 50,
     "combiner": "mean", "length_name": "hist_len", "embedding_dim": 32},
    {"type": "dense", "name": "age_days", "transform": "log1p"},
    {"type": "sparse", "name": "genres"},
]


def test_builds_and_fills_auto_vocab():
    user, hist, dense, genres = build_columns(SPECS, VOCABS)
    assert user == SparseFeat("user_id", 6041, 16)
    assert isinstance(hist, VarLenSparseFeat) and hist.vocabulary_size == 3707  # from its embedding_name
    assert dense == DenseFeat("age_days", transform="log1p")
    assert (genres.vocabulary_size, genres.embedding_dim) == (19, int(6 * 19**0.25))  # auto dim


def test_accepts_omegaconf_with_interpolation():
    cfg = OmegaConf.create({"seq_len": 7, "user": [dict(SPECS[1], maxlen="${seq_len}")]})
    (hist,) = build_columns(cfg.user, VOCABS)
    assert hist.maxlen == 7


def test_missing_vocab_names_feature_and_choices():
    with pytest.raises(ConfigError, match="feature 'hist_movie_id'.*no vocabulary named 'movie_id'.*genres, user_id"):
        build_columns(SPECS[1:2], {"user_id": 5, "genres": 3})


def test_explicit_vocab_needs_no_entry():
    (col,) = build_columns([{"type": "sparse", "name": "zip", "vocabulary_size": 10, "embedding_dim": 4}], {})
    assert col.vocabulary_size == 10


def test_unknown_key_is_config_error():
    spec = {"type": "sparse", "name": "user_id", "embeding_dim": 16}
    with pytest.raises(ConfigError, match="feature 'user_id' \\(sparse\\): unknown key 'embeding_dim'; did you mean 'embedding_dim'"):
        build_columns([spec], VOCABS)


def test_missing_type_name_and_required_keys():
    with pytest.raises(ConfigError, match="feature 'user_id': spec has no 'type'; available: dense, sparse, varlen_sparse"):
        build_columns([{"name": "user_id"}], VOCABS)
    with pytest.raises(RegistryError, match="unknown feature 'sprase'; did you mean 'sparse'"):
        build_columns([{"type": "sprase", "name": "user_id"}], VOCABS)
    with pytest.raises(ConfigError, match="missing required key\\(s\\): name"):
        build_columns([{"type": "sparse"}], VOCABS)
    with pytest.raises(ConfigError, match="feature 'h' \\(varlen_sparse\\): missing required key\\(s\\): maxlen"):
        build_columns([{"type": "varlen_sparse", "name": "h"}], VOCABS)
    with pytest.raises(ConfigError, match="must be a mapping"):
        build_columns(["user_id"], VOCABS)


def test_duplicate_name():
    with pytest.raises(ConfigError, match="feature 'user_id' is listed twice"):
        build_columns([SPECS[0], SPECS[0]], VOCABS)


def test_initializer_dict_from_omegaconf():
    init = {"class_name": "RandomUniform", "config": {"minval": -0.1, "maxval": 0.1}}
    cfg = OmegaConf.create([{"type": "sparse", "name": "zip", "vocabulary_size": 10, "embeddings_initializer": init}])
    (col,) = build_columns(cfg, {})
    assert type(col.embeddings_initializer) is dict
    assert col.make_initializer().maxval == 0.1
