"""VarLenSparseFeat: a padded sequence of ids, embedded and pooled to one vector."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from matchkit.errors import ConfigError, RegistryError
from matchkit.features import FEATURES
from matchkit.features.sparse import SparseFeat, check_int
from matchkit.pooling import POOLINGS


@FEATURES.register("varlen_sparse")
@dataclass(frozen=True)
class VarLenSparseFeat(SparseFeat):
    """A multi-valued categorical feature: ids ``[B, maxlen]`` (0-padded) -> ``[B, embedding_dim]``.

    Takes every :class:`SparseFeat` argument, plus (keyword-only):

    Args:
        maxlen: padded sequence length ``L``.
        combiner: name of a ``POOLINGS`` entry applied to the ``[B, L, D]`` lookups
            (``"sum"``, ``"mean"``, ``"max"``, ...). Ignored when ``weight_name`` is set.
        length_name: name of an int ``[B]`` input holding each row's true length; None -> the valid
            positions are those whose id is not 0 (the padding id).
        weight_name: name of a float ``[B, L]`` input of per-position weights; when set the pooling is
            ``POOLINGS["weighted"]``, a weighted sum of the valid positions.
        weight_norm: softmax-normalise the weights over the valid positions (with ``weight_name``).
    """

    _: KW_ONLY
    maxlen: int
    combiner: str = "mean"
    length_name: str | None = None
    weight_name: str | None = None
    weight_norm: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "maxlen", check_int(self, "maxlen", self.maxlen, 1))
        try:
            POOLINGS.get(self.combiner)
        except RegistryError as exc:
            raise RegistryError(f"VarLenSparseFeat '{self.name}': combiner: {exc}") from None
        if self.combiner == "weighted" and self.weight_name is None:
            raise ConfigError(f"VarLenSparseFeat '{self.name}': combiner 'weighted' needs weight_name to be set")
