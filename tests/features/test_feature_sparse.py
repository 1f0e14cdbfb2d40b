"""SparseFeat defaults, auto sizes and validation."""

import keras
import pytest

from matchkit.errors import ConfigError
from matchkit.features import FEATURES, SparseFeat


def test_defaults():
    col = SparseFeat("user_id", 101, 16)
    assert col.embedding_name == "user_id"
    assert (col.use_hash, col.dtype, col.group_name, col.trainable) == (False, "int32", "default_group", True)
    assert FEATURES.get("sparse") is SparseFeat


def test_auto_dim_from_vocab():
    assert SparseFeat("x", 10_000).embedding_dim == int(6 * 10_000**0.25) == 60
    pending = SparseFeat("x")
    assert (pending.vocabulary_size, pending.embedding_dim, pending.resolved) == ("auto", "auto", False)
    assert pending.with_vocabulary_size(81).embedding_dim == 18  # int(6 * 3)
    assert SparseFeat("x", embedding_dim=8).with_vocabulary_size(81).embedding_dim == 8


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"embedding_dim": 0}, "SparseFeat 'x': embedding_dim must be an integer >= 1 or 'auto', received embedding_dim=0"),
        ({"embedding_dim": -3}, "received embedding_dim=-3"),
        ({"vocabulary_size": 1}, "vocabulary_size must be an integer >= 2 or 'auto', received vocabulary_size=1"),
        ({"vocabulary_size": "big"}, "received vocabulary_size='big'"),
        ({"vocabulary_size": True}, "received vocabulary_size=True"),
    ],
)
def test_validation(kwargs, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SparseFeat("x", **kwargs)


def test_initializers():
    default = SparseFeat("x", 10, 4).make_initializer(seed=3)
    assert isinstance(default, keras.initializers.RandomNormal)
    assert default.stddev == 1e-4 and default.mean == 0.0 and default.seed == 3
    assert isinstance(SparseFeat("x", 10, 4, embeddings_initializer="zeros").make_initializer(), keras.initializers.Zeros)
    spec = {"class_name": "TruncatedNormal", "config": {"stddev": 0.5}}
    init = SparseFeat("x", 10, 4, embeddings_initializer=spec).make_initializer()
    assert isinstance(init, keras.initializers.TruncatedNormal) and init.stddev == 0.5
    with pytest.raises(ConfigError, match="SparseFeat 'x': bad embeddings_initializer 'nope'"):
        SparseFeat("x", 10, 4, embeddings_initializer="nope").make_initializer()


def test_frozen():
    with pytest.raises(Exception):
        SparseFeat("x", 10, 4).name = "y"
