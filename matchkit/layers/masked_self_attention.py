"""Multi-head self-attention over the valid positions of a short padded sequence, with residual and LayerNorm."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from matchkit.errors import ConfigError
from matchkit.layers.batch_halves import in_batch_halves
from matchkit.layers.masked_softmax import masked_softmax
from matchkit.pooling.sequence import valid_mask


@keras.saving.register_keras_serializable(package="matchkit")
class MaskedSelfAttention(keras.layers.Layer):
    """``[B, L, D] -> [B, L, D]``: ``LayerNorm(x + MultiHead(x))``, each position attending only to the valid
    positions (the first ``length``) of its row.

    Per head ``h`` of width ``d = D / num_heads``: ``q, k, v = x W_q, x W_k, x W_v`` (the column blocks of one
    Dense ``D -> 3D``, applied one by one: XLA's backward for one product then a split is slower on CPU),
    ``a[i, j] = softmax_j over valid j of <q_i, k_j> / sqrt(d)``, head output ``sum_j a[i, j] v_j``; the
    heads are concatenated and projected by a Dense ``D -> D``. With ``use_bias`` this is
    ``keras.layers.MultiHeadAttention`` with a key mask; without, it is DeepMatch's
    ``SelfMultiHeadAttention`` (no biases in the four projections) with a key mask. Written with broadcast
    products instead of batched matmuls: for the short sequences it is meant for (SDM's session, ``L`` ~ 5)
    XLA on CPU runs those ~5x faster than ``B * heads`` tiny matmuls.

    Args:
        num_heads: attention heads; must divide ``D``.
        dropout: dropout rate of the attention weights (training only), in [0, 1).
        seed: seed of the initialisers and the dropout.
        use_bias: whether the q/k/v and output projections have biases.

    Call args:
        inputs: float ``[B, L, D]``.
        lengths: optional int ``[B]`` or ``[B, 1]``; the first ``length`` positions are valid. None: all are.

    Returns:
        ``[B, L, D]``. Outputs at padded positions are finite but meaningless (mask them downstream); a row
        with no valid position attends to nothing (``LayerNorm(x + output bias)``), never NaN.
    """

    def __init__(self, num_heads: int = 2, dropout: float = 0.0, seed: int | None = None, use_bias: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(num_heads, bool) or not isinstance(num_heads, int) or num_heads <= 0:
            raise ConfigError(f"num_heads should be a positive integer, received num_heads={num_heads!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ConfigError(f"dropout should be in [0, 1), received dropout={dropout}")
        self.num_heads = num_heads
        self.dropout = float(dropout)
        self.seed = seed
        self.use_bias = bool(use_bias)
        self.qkv = self.output_dense = None
        self.norm = keras.layers.LayerNormalization(name="norm")
        self.attention_dropout = keras.layers.Dropout(self.dropout, seed=seed, name="attention_dropout")

    def build(self, inputs_shape, lengths_shape=None):
        # Built explicitly (not lazily in call) so that a saved tower reloads its weights.
        width = int(inputs_shape[-1])
        if width % self.num_heads:
            raise ConfigError(f"num_heads must divide the sequence width {width}, received num_heads={self.num_heads}")
        init = keras.initializers.GlorotUniform
        self.qkv = keras.layers.Dense(3 * width, use_bias=self.use_bias, kernel_initializer=init(seed=self.seed),
                                      name="qkv")
        self.output_dense = keras.layers.Dense(width, use_bias=self.use_bias, name="output",
                                               kernel_initializer=init(seed=None if self.seed is None else self.seed + 1))
        self.qkv.build(tuple(inputs_shape))
        self.output_dense.build(tuple(inputs_shape))
        self.norm.build(tuple(inputs_shape))
        self.built = True

    def call(self, inputs: Any, lengths: Any = None, training: Any = None) -> Any:
        return in_batch_halves(lambda x, n: self._attend(x, n, training), inputs, lengths)

    def _attend(self, inputs: Any, lengths: Any, training: Any) -> Any:
        """The layer's function on some of the rows (``call`` runs it per half of the batch)."""
        batch, steps, width = ops.shape(inputs)[0], ops.shape(inputs)[1], inputs.shape[-1]
        heads, head_width = self.num_heads, width // self.num_heads
        kernel, bias = self.qkv.kernel, self.qkv.bias

        def project(i, shift=None):  # [B, L, H, d]
            product = ops.matmul(inputs, kernel[:, i * width:(i + 1) * width])
            return ops.reshape(product if shift is None else product + shift, (batch, steps, heads, head_width))

        # The biases are added where their gradients are cheap: a key bias shifts all of a query's scores
        # by one constant, which the softmax removes (its gradient is zero); the query bias b_q adds the
        # score <b_q, k_j> of each key, the same for every query; a value bias adds itself times the
        # query's total weight (1, or 0 for a row without valid positions).
        q = project(0)
        k = project(1, None if bias is None else ops.stop_gradient(bias[width:2 * width]))
        v = project(2)
        scores = ops.sum(ops.expand_dims(q, 3) * ops.expand_dims(ops.transpose(k, (0, 2, 1, 3)), 1), axis=-1)
        if bias is not None:
            key_scores = ops.sum(k * ops.reshape(bias[:width], (heads, head_width)), axis=-1)  # [B, L_key, H]
            scores = scores + ops.expand_dims(ops.transpose(key_scores, (0, 2, 1)), 1)
        scores = scores / (head_width ** 0.5)  # [B, L_query, H, L_key]
        valid = ops.reshape(valid_mask(inputs, lengths), (batch, 1, 1, steps))
        weights = self.attention_dropout(masked_softmax(scores, valid), training=training)
        v = ops.expand_dims(ops.transpose(v, (0, 2, 1, 3)), 1)  # [B, 1, H, L_key, d]
        attended = ops.sum(ops.expand_dims(weights, -1) * v, axis=3)  # [B, L_query, H, d]
        if bias is not None:
            total = ops.sum(weights, axis=-1, keepdims=True)  # [B, L_query, H, 1]
            attended = attended + total * ops.reshape(bias[2 * width:], (heads, head_width))
        attended = self.output_dense(ops.reshape(attended, (batch, steps, width)))
        return self.norm(inputs + attended)

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> None:
        return None

    def compute_output_shape(self, inputs_shape, lengths_shape=None):
        return tuple(inputs_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_heads": self.num_heads, "dropout": self.dropout, "seed": self.seed,
                "use_bias": self.use_bias}
