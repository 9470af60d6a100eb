"""Zero-shot evaluation of checkpoints on a split: ZSL top-1/top-5, GZSL seen/unseen/harmonic mean, over
noise seeds and training seeds, with a per-class table, a confusion matrix and a JSON report.

ZSL scores the unseen test features against the unseen classes only. GZSL scores seen-class test
features (the folder's `gtest.npy`, or the corpus's held-out share) and the unseen test features
against the trained and the unseen classes together, ranked as the Recognizer ranks them (the trained
classes' errors raised by the checkpoint's seen-name offset, `Checkpoint.stack`): S and U are the top-1
accuracies of the two parts, H their harmonic mean. Validation classes (held out of the denoiser's
training for model selection) are neither seen nor candidates: the denoiser never trained on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fdsm.checkpoint import Checkpoint
from fdsm.data.features import FeatureSet
from fdsm.splits import Split
from fdsm.training.metrics import confusion_matrix, harmonic_mean, mean_std, topk_accuracy
from fdsm.training.texts import LevelTexts
from fdsm.training.zeroshot import label_errors


@dataclass
class TestSet:
    """Unseen test features (labels = class ids) and, optionally, seen-class test features."""

    unseen: tuple[np.ndarray, np.ndarray]
    seen: tuple[np.ndarray, np.ndarray] | None

    @classmethod
    def from_features(cls, fs: FeatureSet, split: Split) -> TestSet:
        seen = None
        if fs.gzsl is not None and fs.gzsl_labels is not None:
            keep = np.isin(fs.gzsl_labels, split.seen)
            seen = (fs.gzsl[keep], fs.gzsl_labels[keep]) if keep.any() else None
        return cls((fs.zsl, fs.zsl_labels), seen)


def evaluate_one(ckpt: Checkpoint, texts: LevelTexts, level: str, split: Split, test: TestSet,
                 noise_seed: int) -> dict[str, Any]:
    """All metrics of one checkpoint with one set of fixed test noises."""
    cfg = ckpt.cfg.replace(noise_seed=noise_seed)
    unseen = list(split.unseen)
    x_u, y_u = test.unseen
    pos = {c: i for i, c in enumerate(unseen)}
    target = np.array([pos[int(c)] for c in y_u], np.int64)
    err = label_errors(ckpt.denoiser, cfg, x_u, *texts.level(level, unseen), desc=f"ZSL (noise seed {noise_seed})")
    result: dict[str, Any] = {
        "noise_seed": noise_seed,
        "zsl_top1": topk_accuracy(-err, target, 1),
        "zsl_top5": topk_accuracy(-err, target, 5),
        "confusion": confusion_matrix(err.argmin(1), target, len(unseen)).tolist(),
    }
    trained = gzsl_classes(ckpt, split)
    keep = None if test.seen is None else np.isin(test.seen[1], trained)
    if keep is not None and keep.any():
        x_s, y_s = test.seen[0][keep], test.seen[1][keep]
        candidates = np.array(sorted(trained) + unseen, np.int64)
        err = label_errors(ckpt.denoiser, cfg, np.concatenate([x_s, x_u]), *texts.level(level, candidates.tolist()),
                           desc="GZSL")
        stacked = ckpt.stack(err, np.isin(candidates, trained))
        correct = candidates[stacked.argmin(1)] == np.concatenate([y_s, y_u])
        s, u = float(correct[: len(y_s)].mean()), float(correct[len(y_s):].mean())
        result.update(gzsl_seen=s, gzsl_unseen=u, gzsl_h=harmonic_mean(s, u))
    return result


def gzsl_classes(ckpt: Checkpoint, split: Split) -> list[int]:
    """The classes the denoiser was trained on (the checkpoint's record; all seen classes when it has none)."""
    recorded = sorted(ckpt.trained_classes)
    return recorded if recorded else list(split.seen)


METRICS = ("zsl_top1", "zsl_top5", "gzsl_seen", "gzsl_unseen", "gzsl_h")


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and std of each metric over all runs, over noise seeds (per checkpoint, averaged) and over
    training seeds (of the per-checkpoint means)."""
    summary: dict[str, Any] = {}
    for key in METRICS:
        values = [r[key] for r in runs if key in r]
        if not values:
            continue
        per_ckpt: dict[str, list[float]] = {}
        for r in runs:
            per_ckpt.setdefault(r["checkpoint"], []).append(r[key])
        summary[key] = {
            **mean_std(values),
            "std_over_noise": float(np.mean([np.std(v) for v in per_ckpt.values()])),
            "std_over_training": float(np.std([np.mean(v) for v in per_ckpt.values()])),
        }
    return summary


def total_confusion(runs: list[dict[str, Any]]) -> np.ndarray:
    """The ZSL confusion matrices of all runs, summed."""
    return np.sum([np.asarray(r["confusion"]) for r in runs], axis=0)

