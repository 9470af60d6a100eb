"""Curriculum-based semantic abstraction: early training sees rich text, late training the sparse level.

p_rich(step) = 0.5 (1 + cos(pi step / total)) decays from 1 to 0; each sample draws independently.
Which text levels count as rich and sparse is configurable among name / definition / kinematics
(the reference code uses definition -> kinematics; the paper's figure shows kinematics -> name).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from fdsm.errors import FdsmError
from fdsm.text.prompts import LEVELS


def p_rich(step: int, total: int) -> float:
    """Probability of the rich level at `step` of `total` (clamped to the schedule's end)."""
    if total <= 0:
        raise ValueError(f"total steps must be > 0, got {total}")
    return 0.5 * (1.0 + math.cos(math.pi * min(max(step, 0), total) / total))


@dataclass(frozen=True)
class Curriculum:
    """Rich -> sparse text-level schedule; `choose_rich` draws, per sample, whether it uses the rich level."""

    rich: str = "kinematics"
    sparse: str = "name"
    enabled: bool = True

    def __post_init__(self) -> None:
        for level in (self.rich, self.sparse):
            if level not in LEVELS:
                raise FdsmError(f"unknown text level {level!r}; choose from {', '.join(LEVELS)}")

    def choose_rich(self, step: int, total: int, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n,) bool: which samples use the rich level at this step (all False when disabled)."""
        if not self.enabled:
            return torch.zeros(n, dtype=torch.bool)
        return torch.rand(n, generator=generator) < p_rich(step, total)
