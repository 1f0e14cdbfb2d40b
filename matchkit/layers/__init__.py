"""Keras layers shared by the models (towers, normalisation, multi-interest extraction)."""

from matchkit.layers.capsule_routing import CapsuleRouting
from matchkit.layers.dnn import DNN, JoinedDNN
from matchkit.layers.flat_embedding import FlatEmbedding
from matchkit.layers.interest_gate import InterestGate
from matchkit.layers.interest_mask import InterestMask, ServingInterests
from matchkit.layers.l2_normalize import L2Normalize
from matchkit.layers.label_aware_attention import LabelAwareAttention
from matchkit.layers.masked_self_attention import MaskedSelfAttention
from matchkit.layers.query_attention import QueryAttentionPooling, VocabularyAttentionPooling
from matchkit.layers.self_attentive import SelfAttentiveInterests
from matchkit.layers.unrolled_lstm import UnrolledLSTM

__all__ = ["CapsuleRouting", "DNN", "FlatEmbedding", "InterestGate", "InterestMask", "JoinedDNN", "L2Normalize",
           "LabelAwareAttention", "MaskedSelfAttention", "QueryAttentionPooling", "SelfAttentiveInterests",
           "ServingInterests", "UnrolledLSTM", "VocabularyAttentionPooling"]
