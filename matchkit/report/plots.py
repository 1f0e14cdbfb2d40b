"""PNG plots of a run: training loss per epoch, and HR / Recall / NDCG against K.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display needed) and written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from matchkit.io.atomic import atomic_path

METRICS = (("hr", "HR"), ("recall", "Recall"), ("ndcg", "NDCG"))


def _figure(width: float = 6.4, height: float = 4.2):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: str | os.PathLike) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path


def plot_loss(history: Sequence[dict], path: str | os.PathLike, title: str = "") -> Path:
    """Training loss per epoch (and, when the history has them, validation metrics on a second axis)."""
    fig = _figure()
    ax = fig.add_subplot()
    epochs = [h["epoch"] for h in history]
    ax.plot(epochs, [h["loss"] for h in history], marker="o", color="tab:blue", label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    if epochs:
        ax.set_xticks(epochs if len(epochs) <= 20 else epochs[:: max(1, len(epochs) // 10)])
    valid = [h["valid"] for h in history if "valid" in h]
    handles, labels = ax.get_legend_handles_labels()
    if len(valid) == len(history) and valid:
        ax2 = ax.twinx()
        key = next((k for k in valid[0] if k.startswith("hr@")), next(iter(valid[0])))
        ax2.plot(epochs, [v[key] for v in valid], marker="s", color="tab:orange", label=f"valid {key}")
        ax2.set_ylabel(f"validation {key}")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    ax.set_title(title or "Training loss per epoch")
    return _save(fig, path)


def plot_metrics_at_k(metrics: dict, ks: Sequence[int], path: str | os.PathLike, title: str = "") -> Path:
    """HR@K, Recall@K and NDCG@K against K; solid: all items ranked, dashed: seen items filtered out."""
    ks = sorted(int(k) for k in ks)
    fig = _figure(7.2, 4.4)
    ax = fig.add_subplot()
    colors = {"hr": "tab:blue", "recall": "tab:green", "ndcg": "tab:red"}
    for suffix, style, extra in (("", "-", ""), ("_filtered", "--", " (seen filtered)")):
        curves = {key: [metrics.get(f"{key}@{k}{suffix}") for k in ks] for key, _ in METRICS}
        labels = dict(METRICS)
        if curves["hr"] == curves["recall"]:  # one held-out item per user: the same curve
            labels["hr"] = "HR@K = Recall"
            del curves["recall"]
        for key, values in curves.items():
            if all(v is not None for v in values):
                ax.plot(ks, values, style, marker="o", color=colors[key], label=f"{labels[key]}@K{extra}")
    ax.set_xlabel("K")
    ax.set_ylabel("metric value")
    ax.set_xticks(ks)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(title or "Test metrics against K")
    return _save(fig, path)
