"""Offline evaluation: top-K retrieval (exact or faiss) and ranking metrics."""

from matchkit.evaluation.metrics import (
    compute_metrics,
    hit_rate,
    mrr,
    multi_target_ranks,
    ndcg,
    ndcg_at_k,
    recall,
    recall_at_k,
    target_ranks,
)
from matchkit.evaluation.topk import build_faiss_index, exact_topk, faiss_search

__all__ = [
    "build_faiss_index",
    "compute_metrics",
    "exact_topk",
    "faiss_search",
    "hit_rate",
    "mrr",
    "multi_target_ranks",
    "ndcg",
    "ndcg_at_k",
    "recall",
    "recall_at_k",
    "target_ranks",
]
