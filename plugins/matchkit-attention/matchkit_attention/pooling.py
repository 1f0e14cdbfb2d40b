"""Self-attention sequence pooling: a small Transformer encoder over the history, then a masked mean."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.pooling import POOLINGS, valid_mask

READOUTS = ("mean", "first")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"SelfAttentionPooling: {name} should be a positive integer, received {name}={value!r}")
    return value


@keras.saving.register_keras_serializable(package="matchkit_attention")
class SelfAttentionPooling(keras.layers.Layer):
    """Transformer-encoder pooling of a padded sequence ``[B, L, D] -> [B, D]``.

    Learned positional embeddings ``[L, D]`` are added to the inputs; ``num_layers`` pre-norm blocks
    (multi-head self-attention over the valid positions, then a ReLU feed-forward ``D -> ff_dim -> D``,
    each with a residual connection) follow, then a final LayerNorm. The output is the mean of the
    valid positions (``readout="mean"``) or the first position (``"first"``: in matchkit histories the
    most recent item). Padding positions are never attended to and never pooled.

    Args:
        num_heads: attention heads; each has ``key_dim = max(D // num_heads, 1)``.
        num_layers: encoder blocks.
        ff_dim: feed-forward width; None = ``2 * D``.
        dropout: dropout on attention weights and on each block's output (training only).
        readout: ``"mean"`` or ``"first"``.

    Call args:
        inputs: float ``[B, L, D]`` (``L`` must be known when the layer is built).
        lengths: optional int ``[B]`` or ``[B, 1]``: the first ``length`` positions are valid.
        mask: optional bool ``[B, L]``, used only when ``lengths`` is None. With neither, all positions
            are valid.

    Returns:
        ``[B, D]``; a row with no valid position is all zeros (never NaN).
    """

    def __init__(self, num_heads: int = 2, num_layers: int = 1, ff_dim: int | None = None, dropout: float = 0.0,
                 readout: str = "mean", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_heads = _positive_int("num_heads", num_heads)
        self.num_layers = _positive_int("num_layers", num_layers)
        self.ff_dim = None if ff_dim is None else _positive_int("ff_dim", ff_dim)
        if not 0.0 <= float(dropout) < 1.0:
            raise ConfigError(f"SelfAttentionPooling: dropout should be in [0, 1), received dropout={dropout!r}")
        if readout not in READOUTS:
            raise ConfigError(f"SelfAttentionPooling: readout should be one of {', '.join(READOUTS)}, "
                              f"received readout={readout!r}")
        self.dropout, self.readout = float(dropout), readout

    def build(self, inputs_shape: tuple, lengths_shape: tuple | None = None) -> None:
        steps, dim = inputs_shape[1], inputs_shape[-1]
        if steps is None or dim is None:
            raise ConfigError(f"SelfAttentionPooling needs a known sequence length and width, received shape "
                              f"{tuple(inputs_shape)}")
        self.positions = self.add_weight(name="positions", shape=(steps, dim),
                                         initializer=keras.initializers.RandomNormal(stddev=0.02))
        ff_dim = self.ff_dim or 2 * dim
        seq_shape = (inputs_shape[0], steps, dim)
        self.blocks = []
        for i in range(self.num_layers):
            block = {
                "norm_attention": keras.layers.LayerNormalization(epsilon=1e-6, name=f"block{i}_norm_attention"),
                "attention": keras.layers.MultiHeadAttention(self.num_heads, max(dim // self.num_heads, 1),
                                                             dropout=self.dropout, name=f"block{i}_attention"),
                "norm_ff": keras.layers.LayerNormalization(epsilon=1e-6, name=f"block{i}_norm_ff"),
                "ff_in": keras.layers.Dense(ff_dim, activation="relu", name=f"block{i}_ff_in"),
                "ff_out": keras.layers.Dense(dim, name=f"block{i}_ff_out"),
            }
            block["norm_attention"].build(seq_shape)
            block["attention"].build(seq_shape, seq_shape)
            block["norm_ff"].build(seq_shape)
            block["ff_in"].build(seq_shape)
            block["ff_out"].build(seq_shape[:-1] + (ff_dim,))
            self.blocks.append(block)
        self.final_norm = keras.layers.LayerNormalization(epsilon=1e-6, name="final_norm")
        self.final_norm.build(seq_shape)
        self.drop = keras.layers.Dropout(self.dropout)

    def call(self, inputs: Any, lengths: Any = None, mask: Any = None, training: bool | None = None) -> Any:
        valid = valid_mask(inputs, lengths, mask)  # [B, L]
        x = inputs + ops.cast(ops.expand_dims(self.positions, 0), inputs.dtype)
        keys = ops.expand_dims(valid, 1)  # [B, 1, L]: every query attends to the valid keys
        attention_mask = ops.broadcast_to(keys, (ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[1]))
        for block in self.blocks:
            h = block["norm_attention"](x)
            h = block["attention"](h, h, attention_mask=attention_mask, training=training)
            x = x + self.drop(h, training=training)
            h = block["ff_out"](block["ff_in"](block["norm_ff"](x)))
            x = x + self.drop(h, training=training)
        x = self.final_norm(x)
        weights = ops.cast(valid, x.dtype)
        if self.readout == "first":
            return x[:, 0, :] * weights[:, :1]
        weights = ops.expand_dims(weights, -1)
        return ops.sum(x * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None  # the sequence axis is pooled away

    def compute_output_shape(self, inputs_shape: tuple, lengths_shape: tuple | None = None) -> tuple:
        return (inputs_shape[0], inputs_shape[-1])

    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self.num_heads, "num_layers": self.num_layers,
                "ff_dim": self.ff_dim, "dropout": self.dropout, "readout": self.readout}


@POOLINGS.register("attention")
def attention_pooling(**kwargs: Any) -> SelfAttentionPooling:
    """``SelfAttentionPooling()`` with its defaults: one block, two heads."""
    return SelfAttentionPooling(**kwargs)
