"""Sequence pooling layers: ``[B, L, D]`` embeddings -> ``[B, D]`` (registry kind ``pooling``).

``POOLINGS`` contract: an entry is called with keyword arguments from config (plus Keras layer keyword
arguments such as ``name``) and returns a Keras layer. The layer is called as
``layer(inputs, lengths=None, mask=None) -> [B, D]``; the ``weighted`` entry takes the weights as its
second argument: ``layer(inputs, weights, lengths=None, mask=None)``.

    POOLINGS.build("mean")                        # -> SequencePooling(mode="mean")
    POOLINGS.build("weighted", normalize=True)    # -> WeightedSequencePooling(normalize=True)
"""

from matchkit.registry import Registry

POOLINGS = Registry(
    "pooling",
    "called with keyword args from config (and Keras layer kwargs such as name); returns a Keras layer "
    "called as layer(inputs [B, L, D], lengths=None, mask=None) -> [B, D] "
    "('weighted': layer(inputs, weights [B, L], lengths=None, mask=None))",
)

from matchkit.pooling.sequence import SequencePooling, valid_mask  # noqa: E402  (registers sum/mean/max)
from matchkit.pooling.vocabulary import VocabularyPooling  # noqa: E402
from matchkit.pooling.weighted import WeightedSequencePooling  # noqa: E402  (registers weighted)

__all__ = ["POOLINGS", "SequencePooling", "VocabularyPooling", "WeightedSequencePooling", "valid_mask"]
