"""Typed schemas for every config group.

Each YAML option under ``conf/<group>/`` starts its defaults list with the matching node stored here
as ``schema/<group>/<name>`` (``- /schema/sampler@_here_: inbatch``), so a misspelt key or a wrong type fails when the config is composed:
``trainer.batch_size=abc`` -> "Value 'abc' of type 'str' could not be converted to Integer".
Range checks (batch size > 0, temperature > 0, ...) happen where the value is used, with a message
naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


# ---- dataset/ --------------------------------------------------------------------------------
@dataclass
class DatasetConfig:
    name: str = MISSING


@dataclass
class ML1MConfig(DatasetConfig):
    name: str = "ml1m"
    data_dir: Optional[str] = None  # default: $MATCHKIT_DATA, else ~/.cache/matchkit
    download: bool = True
    url: str = "https://files.grouplens.org/datasets/movielens/ml-1m.zip"  # where download fetches ml-1m.zip
    genres: str = "first"  # first | all
    min_user_interactions: int = 0


@dataclass
class SyntheticConfig(DatasetConfig):
    name: str = "synthetic"
    n_users: int = 1000
    n_items: int = 500
    n_genres: int = 12
    interactions_per_user: List[int] = field(default_factory=lambda: [20, 60])
    popularity_skew: float = 1.0
    taste_strength: float = 0.8
    drift: float = 0.15
    n_favourites: int = 3
    seed: int = 0


@dataclass
class TabularColumnsConfig:
    """File column names by role (matchkit/datasets/tabular.py)."""

    user: str = "user_id"
    item: str = "item_id"
    timestamp: Optional[str] = "timestamp"  # null: the file is in time order
    rating: Optional[str] = None
    title: Optional[str] = None  # items' display names


@dataclass
class MultiValuedConfig:
    sep: str = "|"
    maxlen: int = 8  # the feature is int32 [n_items + 1, maxlen]


@dataclass
class TabularConfig(DatasetConfig):
    name: str = "tabular"
    interactions: Optional[str] = None  # required: a .csv / .tsv / .parquet path
    users: Optional[str] = None
    items: Optional[str] = None
    columns: TabularColumnsConfig = field(default_factory=TabularColumnsConfig)
    user_attributes: List[str] = field(default_factory=list)
    item_attributes: List[str] = field(default_factory=list)
    multi_valued: Dict[str, MultiValuedConfig] = field(default_factory=dict)
    user_col: str = "user_id"
    item_col: str = "item_id"
    format: str = "auto"  # auto | csv | parquet
    sep: str = ","
    min_rating: Optional[float] = None
    min_user_interactions: int = 0


# ---- samples (the sample builder) ------------------------------------------------------------
@dataclass
class SamplesConfig:
    seq_len: int = 50
    hist_features: List[str] = field(default_factory=lambda: ["movie_id", "genres"])
    valid: bool = False
    negsample: int = 0
    short_len: int = 0  # > 0: also split histories into short_* (most recent) and long_* columns (SDM)


# ---- features/ -------------------------------------------------------------------------------
@dataclass
class FeaturesConfig:
    """Feature column specs per tower: a list of ``{type: sparse|varlen_sparse|dense, name: ..., ...}``."""

    user: List[Any] = field(default_factory=list)
    item: List[Any] = field(default_factory=list)


# ---- model/ ----------------------------------------------------------------------------------
@dataclass
class ModelConfig:
    name: str = MISSING


@dataclass
class DNNModelConfig(ModelConfig):
    """Fields shared by the models whose towers are DNNs over embedded feature columns."""

    activation: str = "relu"
    output_activation: Optional[str] = None  # None: same as activation (DeepMatch); "linear" for signed vectors
    dropout: float = 0.0
    use_bn: bool = False
    l2_reg_embedding: float = 0.0
    l2_reg_dnn: float = 0.0


@dataclass
class DSSMConfig(DNNModelConfig):
    name: str = "dssm"
    user_dnn_units: List[int] = field(default_factory=lambda: [128, 64, 32])
    item_dnn_units: List[int] = field(default_factory=lambda: [64, 32])
    temperature: float = 0.05
    loss_type: str = "softmax"  # softmax | logistic
    logq_correction: bool = True
    remove_accidental_hits: bool = True
    hist_negatives: int = 0  # each row's H most recent history items as extra negatives of that row


@dataclass
class YoutubeDNNConfig(DNNModelConfig):
    name: str = "youtubednn"
    user_dnn_units: List[int] = field(default_factory=lambda: [64, 32])  # last = the item id embedding_dim
    output_activation: Optional[str] = "linear"
    l2_normalize: bool = True
    temperature: float = 0.05
    logq_correction: bool = True
    remove_accidental_hits: bool = True


@dataclass
class SDMConfig(ModelConfig):
    name: str = "sdm"
    num_heads: int = 2  # self-attention heads over the short-term LSTM outputs; must divide the item dim
    activation: str = "tanh"
    dropout: float = 0.0
    attention_bias: bool = False  # biases in the self-attention's projections (DeepMatch's have none)
    l2_reg_embedding: float = 0.0
    l2_normalize: bool = True
    temperature: float = 0.05
    logq_correction: bool = True
    remove_accidental_hits: bool = True


@dataclass
class NCFConfig(DNNModelConfig):
    name: str = "ncf"
    gmf_dim: int = 32
    mlp_units: List[int] = field(default_factory=lambda: [64, 32])
    output_activation: Optional[str] = "linear"
    temperature: float = 1.0


@dataclass
class FMConfig(ModelConfig):
    name: str = "fm"
    l2_normalize: bool = True
    temperature: float = 0.05
    l2_reg_embedding: float = 0.0
    logq_correction: bool = True
    remove_accidental_hits: bool = True


@dataclass
class MultiInterestConfig(ModelConfig):
    """Fields shared by the models with several vectors per user (matchkit/models/multi_interest.py)."""

    n_interests: int = 4
    dynamic_interests: bool = False  # MIND's per-user K = max(1, min(K, floor(log2(history length))))
    user_dnn_units: List[int] = field(default_factory=lambda: [64, 32])  # last = the item id embedding_dim
    activation: str = "relu"
    label_attention_pow: float = 1.0
    hard_attention: bool = False
    l2_normalize: bool = True
    temperature: float = 0.05
    logq_correction: bool = True
    remove_accidental_hits: bool = True
    l2_reg_embedding: float = 0.0


@dataclass
class MINDConfig(MultiInterestConfig):
    name: str = "mind"
    routing_iterations: int = 3
    label_attention_pow: float = 20.0


@dataclass
class ComiRecConfig(MultiInterestConfig):
    name: str = "comirec"
    extractor: str = "sa"  # sa (self-attention) | dr (dynamic routing)
    attention_units: Optional[int] = None  # ComiRec-SA hidden width; None: 4 x the embedding_dim
    routing_iterations: int = 3
    hard_attention: bool = True


# ---- sampler/ --------------------------------------------------------------------------------
@dataclass
class SamplerConfig:
    name: str = MISSING


@dataclass
class InBatchSamplerConfig(SamplerConfig):
    name: str = "inbatch"


@dataclass
class UniformSamplerConfig(SamplerConfig):
    name: str = "uniform"
    num_sampled: int = 255


@dataclass
class FrequencySamplerConfig(SamplerConfig):
    name: str = "frequency"
    num_sampled: int = 255
    distortion: float = 0.75


@dataclass
class AdaptiveSamplerConfig(SamplerConfig):
    name: str = "adaptive"
    num_sampled: int = 255


# ---- trainer/ --------------------------------------------------------------------------------
@dataclass
class EarlyStoppingConfig:
    monitor: str = "hr@50"  # a validation metric key; needs samples.valid=true
    patience: int = 0  # 0 = off


@dataclass
class TrainerConfig:
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 256
    epochs: int = 20
    steps_per_execution: int = 256
    jit_compile: bool = True
    strategy: str = "default"  # default | mirrored | one_device
    shuffle: bool = True
    progress: bool = True
    checkpoint: bool = True  # save <run dir>/checkpoints/ after every epoch
    resume: bool = False  # continue from the run dir's last complete epoch
    tensorboard: bool = False  # event files in <run dir>/tensorboard/
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)


# ---- eval/ -----------------------------------------------------------------------------------
@dataclass
class EvalConfig:
    ks: List[int] = field(default_factory=lambda: [10, 50, 100])
    headline: str = "hr@50"
    batch_size: int = 4096


# ---- export ----------------------------------------------------------------------------------
@dataclass
class ExportConfig:
    enabled: bool = True
    index: str = "hnsw"  # hnsw | flat
    hnsw_m: int = 32


@dataclass
class MatchkitConfig:
    dataset: Any = MISSING
    samples: SamplesConfig = field(default_factory=SamplesConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    model: Any = MISSING
    sampler: Any = MISSING
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    seed: int = 42


GROUP_SCHEMAS: dict[str, dict[str, type]] = {
    "dataset": {"ml1m": ML1MConfig, "synthetic": SyntheticConfig, "tabular": TabularConfig},
    "model": {"dssm": DSSMConfig, "youtubednn": YoutubeDNNConfig, "ncf": NCFConfig, "fm": FMConfig,
              "sdm": SDMConfig, "mind": MINDConfig, "comirec": ComiRecConfig},
    "sampler": {
        "inbatch": InBatchSamplerConfig,
        "uniform": UniformSamplerConfig,
        "frequency": FrequencySamplerConfig,
        "adaptive": AdaptiveSamplerConfig,
    },
}


def register_configs() -> None:
    """Store the schemas in Hydra's ConfigStore and register matchkit's resolvers (idempotent)."""
    from matchkit.config.resolvers import register_resolvers

    register_resolvers()
    cs = ConfigStore.instance()
    cs.store(name="matchkit_schema", node=MatchkitConfig)
    for group, nodes in GROUP_SCHEMAS.items():
        for name, node in nodes.items():
            cs.store(group=f"schema/{group}", name=name, node=node)
