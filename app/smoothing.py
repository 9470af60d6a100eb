"""Score smoothing over time: an EMA of the label probabilities and hysteresis on the shown top label.

Raw per-window scores jitter; a label that flips every 200 ms is unreadable. The EMA damps the scores, and
the shown top label changes only when a challenger's probability exceeds the shown one's by a factor of
exp(`margin`). The margin is a log-ratio, not a difference, because probabilities over many typed labels
are flat (eight labels at 0.06-0.18): a fixed difference of 0.05 there kept the first top label on screen
long after another was clearly ahead. "Nothing matches" (the recognizer rejected the window) is smoothed
the same way, with separate enter/leave thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SmoothedScores:
    top: str | None  # None = nothing matches (or no scores yet)
    scores: dict[str, float]


class ScoreSmoother:
    """EMA with factor `alpha` (weight of the newest window); top label switches only past `margin` (log-ratio)."""

    def __init__(self, alpha: float = 0.5, margin: float = 0.2, reject_on: float = 0.6,
                 reject_off: float = 0.4) -> None:
        if not 0.0 < alpha <= 1.0:
            raise ValueError("alpha must be in (0, 1]")
        if margin < 0.0:
            raise ValueError("margin must be >= 0")
        if not 0.0 <= reject_off <= reject_on <= 1.0:
            raise ValueError("need 0 <= reject_off <= reject_on <= 1")
        self.alpha, self.margin, self.reject_on, self.reject_off = alpha, margin, reject_on, reject_off
        self.reset()

    def reset(self) -> None:
        self._scores: dict[str, float] = {}
        self._top: str | None = None
        self._reject = 0.0
        self._rejecting = False

    def update(self, scores: Mapping[str, float], rejected: bool = False) -> SmoothedScores:
        """Fold in one window's probabilities (summing to 1) and whether the recognizer said "nothing matches"."""
        a = self.alpha
        if set(scores) != set(self._scores):  # new label set: start over from this window
            self._scores = {k: float(v) for k, v in scores.items()}
            self._top = None
            self._reject = float(rejected)
        else:
            self._scores = {k: a * float(v) + (1 - a) * self._scores[k] for k, v in scores.items()}
            self._reject = a * float(rejected) + (1 - a) * self._reject
        self._rejecting = self._reject >= (self.reject_off if self._rejecting else self.reject_on)
        if self._scores:
            best = max(self._scores, key=self._scores.__getitem__)
            if self._top not in self._scores or self._scores[best] > self._scores[self._top] * math.exp(self.margin):
                self._top = best
        return SmoothedScores(None if self._rejecting else self._top, dict(self._scores))
