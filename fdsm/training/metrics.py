"""Zero-shot metrics: top-k accuracy, the GZSL harmonic mean, per-class tables, confusion matrices.

Every function takes plain NumPy arrays: scores are "higher is better" (pass negative denoising
errors), labels are positions in the candidate list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fdsm.errors import FdsmError


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of rows whose true label is among the k highest scores (k is capped at the class count)."""
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    if scores.ndim != 2 or len(scores) != len(labels):
        raise ValueError(f"scores must be (N, K) with N = len(labels), got {scores.shape} and {labels.shape}")
    if len(labels) == 0:
        return float("nan")
    k = min(k, scores.shape[1])
    # Rank of the true label = number of candidates scoring strictly higher (ties count in its favour).
    true = scores[np.arange(len(labels)), labels]
    rank = (scores > true[:, None]).sum(axis=1)
    return float((rank < k).mean())


def harmonic_mean(seen: float, unseen: float) -> float:
    """GZSL harmonic mean H = 2 s u / (s + u); 0 when both are 0."""
    return 0.0 if seen + unseen == 0 else 2.0 * seen * unseen / (seen + unseen)


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    cm = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(cm, (np.asarray(labels), np.asarray(pred)), 1)
    return cm


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    """Recall of each class from a confusion matrix (NaN for a class with no samples)."""
    totals = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(cm) / np.maximum(totals, 1), np.nan)


def per_class_table(cm: np.ndarray, names: list[str]) -> str:
    """A markdown table: class, samples, top-1, most frequent wrong prediction."""
    acc = per_class_accuracy(cm)
    rows = ["| class | samples | top-1 % | most confused with |", "|---|---:|---:|---|"]
    for i, name in enumerate(names):
        wrong = cm[i].copy()
        wrong[i] = 0
        confused = f"{names[int(wrong.argmax())]} ({int(wrong.max())})" if wrong.max() > 0 else "-"
        value = "-" if np.isnan(acc[i]) else f"{100 * acc[i]:.1f}"
        rows.append(f"| {name} | {int(cm[i].sum())} | {value} | {confused} |")
    return "\n".join(rows)


def save_confusion_png(cm: np.ndarray, names: list[str], path: str | Path, title: str) -> Path:
    """Row-normalized confusion matrix as a PNG (matplotlib Agg, no display needed)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise FdsmError("--confusion needs matplotlib (pip install matplotlib)") from exc
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    size = max(4.0, 0.35 * len(names) + 2.0)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(norm, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path


def mean_std(values: list[float]) -> dict[str, float]:
    """{"mean", "std", "n"} with the population standard deviation (0 for a single value)."""
    arr = np.asarray(values, dtype=np.float64)
    return {"mean": float(arr.mean()), "std": float(arr.std()), "n": len(arr)}
