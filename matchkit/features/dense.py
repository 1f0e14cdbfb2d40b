"""DenseFeat: a real-valued feature of fixed width, optionally transformed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keras
from keras import ops

from matchkit.errors import RegistryError
from matchkit.features import FEATURES
from matchkit.features.sparse import DEFAULT_GROUP, check_int
from matchkit.registry import Registry

TRANSFORMS = Registry(
    "dense transform",
    "called with a float tensor [B, dimension]; returns a tensor of the same shape (keras.ops only)",
)
TRANSFORMS.register("log1p")(ops.log1p)


@TRANSFORMS.register("signed_log1p")
def signed_log1p(x: Any) -> Any:
    """``sign(x) * log1p(|x|)``: log1p that keeps negative values finite."""
    return ops.sign(x) * ops.log1p(ops.abs(x))


@FEATURES.register("dense")
@dataclass(frozen=True)
class DenseFeat:
    """A numeric feature: ``[B, dimension]`` floats passed to the tower as they are (or transformed).

    Args:
        name: input name.
        dimension: width of the value.
        dtype: input dtype; the value is cast to the layer's float dtype.
        transform: name of a ``TRANSFORMS`` entry (``"log1p"``, ``"signed_log1p"``), or None.
        group_name: group this column's value is returned under by ``embed_features``.
    """

    name: str
    dimension: int = 1
    dtype: str = "float32"
    transform: str | None = None
    group_name: str = DEFAULT_GROUP

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimension", check_int(self, "dimension", self.dimension, 1))
        if self.transform is not None:
            try:
                TRANSFORMS.get(self.transform)
            except RegistryError as exc:
                raise RegistryError(f"DenseFeat '{self.name}': transform: {exc}") from None


@keras.saving.register_keras_serializable(package="matchkit")
class DenseTransform(keras.layers.Layer):
    """Casts a ``[B, dimension]`` value to the layer's float dtype and applies ``TRANSFORMS[transform]``.

    Args:
        transform: a ``TRANSFORMS`` name, or None for the cast alone.
    """

    def __init__(self, transform: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fn = TRANSFORMS.get(transform) if transform is not None else None
        self.transform = transform

    def call(self, inputs: Any) -> Any:
        x = ops.cast(inputs, self.compute_dtype)
        return self._fn(x) if self._fn is not None else x

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "transform": self.transform}
