"""From per-label denoising errors to what the user sees: calibrated probabilities, the decision (best label or
"no match") and the seen-name offsets. NumPy only: the live ONNX path ranks without importing torch, and the
torch `Scorer` calls these same functions.
"""

from __future__ import annotations

import numpy as np

from fdsm.presets import ModelConfig


def probabilities(errors: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(-errors / temperature) over the last (label) axis, float32."""
    logits = -np.asarray(errors, np.float64) / temperature
    logits -= logits.max(axis=-1, keepdims=True)
    p = np.exp(logits)
    return (p / p.sum(axis=-1, keepdims=True)).astype(np.float32)


def decide(errors: np.ndarray, temperature: float, reject_margin: float) -> np.ndarray:
    """(B,) index of the lowest error per row, or -1 where the runner-up is within `reject_margin` temperature
    units (= log(p_best / p_runner_up)); a margin <= 0 never rejects."""
    errors = np.asarray(errors)
    best = errors.argmin(axis=-1)
    if reject_margin <= 0 or errors.shape[-1] < 2:
        return best
    two = np.sort(errors, axis=-1)[..., :2]
    gap = (two[..., 1] - two[..., 0]) / temperature
    return np.where(gap < reject_margin, -1, best)


def seen_offsets(cfg: ModelConfig, trained: np.ndarray) -> np.ndarray:
    """(K,) error offsets for calibrated stacking: `seen_bias` x `error_spread` on each trained label.

    A denoiser fits the names it was trained on better than any new name, so in a label set that mixes both
    a never-trained name almost never wins; raising the trained names' errors by a constant evens that out
    (the constant was chosen on validation folds: docs/default-model.md). Its unit is the checkpoint's own
    error spread, not the temperature: a calibration that runs to its bound (a flat or anti-informative
    validation) would otherwise blow the offset up or shrink it to nothing.
    """
    return (cfg.seen_bias * cfg.error_spread * np.asarray(trained, bool)).astype(np.float32)


def error_spread(errors: np.ndarray) -> float:
    """Mean over windows of the std of a window's errors across labels: the scale `seen_bias` is measured in."""
    return float(np.asarray(errors, np.float64).std(axis=1).mean())
