"""VarLenSparseFeat defaults and validation."""

import pytest

from matchkit.errors import ConfigError, RegistryError
from matchkit.features import FEATURES, SparseFeat, VarLenSparseFeat


def test_defaults_and_inheritance():
    col = VarLenSparseFeat("hist_movie_id", 100, 8, maxlen=50, embedding_name="movie_id")
    assert isinstance(col, SparseFeat) and FEATURES.get("varlen_sparse") is VarLenSparseFeat
    assert (col.combiner, col.length_name, col.weight_name, col.weight_norm) == ("mean", None, None, True)
    assert col.embedding_name == "movie_id" and col.maxlen == 50


@pytest.mark.parametrize("maxlen", [0, -1, "50"])
def test_bad_maxlen(maxlen):
    with pytest.raises(ConfigError, match=f"VarLenSparseFeat 'h': maxlen must be an integer >= 1, received maxlen={maxlen!r}"):
        VarLenSparseFeat("h", 10, 4, maxlen=maxlen)


def test_unknown_combiner_lists_poolings():
    with pytest.raises(RegistryError, match="VarLenSparseFeat 'h': combiner: unknown pooling 'avg'.*available: max, mean, sum"):
        VarLenSparseFeat("h", 10, 4, maxlen=3, combiner="avg")


def test_weighted_needs_weight_name():
    with pytest.raises(ConfigError, match="needs weight_name"):
        VarLenSparseFeat("h", 10, 4, maxlen=3, combiner="weighted")
    assert VarLenSparseFeat("h", 10, 4, maxlen=3, combiner="weighted", weight_name="w").weight_name == "w"


def test_sparse_validation_applies():
    with pytest.raises(ConfigError, match="embedding_dim=0"):
        VarLenSparseFeat("h", 10, 0, maxlen=3)
