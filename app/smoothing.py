"""Score smoothing and the one decision everything shows: an EMA of the probabilities, then argmax or "unsure".

Raw per-window scores jitter, so the app shows an exponential moving average of them. What it names is always
the argmax of exactly those smoothed scores, never a label held over from earlier: the big label, the bars,
the timeline, the recorded overlay and the JSON `top` are this one decision. When the best label does not lead
the second by `margin` (a log-ratio of their smoothed probabilities, i.e. a difference of calibrated logits, so
it means the same for 3 labels or 30), the decision is "unsure" and no label is named. To keep the display from
blinking between a label and "unsure", a label already shown stays while it is still the argmax and leads by at
least `margin * KEEP`. "Nothing matches" (the recognizer rejected the window) is smoothed the same way, with
separate enter/leave thresholds. See docs/app.md for how `UNSURE_MARGIN` was calibrated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

UNSURE = "unsure"
NO_MATCH = "nothing matches"
UNSURE_MARGIN = 0.50  # log-ratio best/second: `fdsm-bench decision --set trained --quantile 0.5`, see docs/app.md
KEEP = 0.5  # a label already shown stays down to this fraction of the margin (while it is still the argmax)


@dataclass(frozen=True)
class SmoothedScores:
    top: str | None  # the argmax of `scores`, or None: see `reason`
    scores: dict[str, float]
    reason: str | None = None  # why `top` is None: UNSURE or NO_MATCH (None while `top` names a label)


def decide(scores: Mapping[str, float], margin: float, shown: str | None = None) -> str | None:
    """The argmax of `scores` when it leads the second by log-ratio `margin` (`margin * KEEP` if already
    `shown`), else None. Ties go to the first label in order."""
    if not scores:
        return None
    ranked = sorted(scores, key=lambda k: -scores[k])
    best = ranked[0]
    if len(ranked) == 1 or margin <= 0.0:
        return best
    need = margin * KEEP if best == shown else margin
    return best if log_ratio(scores[best], scores[ranked[1]]) >= need else None


def log_ratio(p: float, q: float) -> float:
    """log(p / q) for probabilities, safe at zero."""
    tiny = 1e-12
    return math.log(max(p, tiny)) - math.log(max(q, tiny))


class ScoreSmoother:
    """EMA with factor `alpha` (weight of the newest window); names the argmax only past `margin` (log-ratio).

    `ScoreSmoother(alpha=1.0, margin=0.0)` is the raw view: every window's own scores and their argmax.
    """

    @classmethod
    def raw(cls) -> ScoreSmoother:
        """The raw view (`fdsm-live --raw`): every window's own scores and their argmax, never unsure."""
        return cls(alpha=1.0, margin=0.0)

    def __init__(self, alpha: float = 0.5, margin: float = UNSURE_MARGIN, reject_on: float = 0.6,
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
        self._top = None if self._rejecting else decide(self._scores, self.margin, self._top)
        reason = NO_MATCH if self._rejecting else (UNSURE if self._top is None and self._scores else None)
        return SmoothedScores(self._top, dict(self._scores), reason)
