"""Class texts at the three levels, encoded once per run for training, validation and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from fdsm.errors import FdsmError
from fdsm.text.encoder import TextEncoder
from fdsm.text.prompts import LEVELS, load_bank


@dataclass
class LevelTexts:
    """Encoded texts of every class at every level: pooled (3, C, D), tokens (3, C, L, D), mask (3, C, L)."""

    names: list[str]
    pooled: torch.Tensor
    tokens: torch.Tensor
    mask: torch.Tensor

    def level(self, level: str, classes: list[int] | tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        """(pooled, tokens, mask) of `classes` at one level."""
        i, idx = LEVELS.index(level), torch.as_tensor(list(classes), dtype=torch.long)
        return self.pooled[i, idx], self.tokens[i, idx], self.mask[i, idx]

    def to(self, device: torch.device) -> LevelTexts:
        return LevelTexts(self.names, self.pooled.to(device), self.tokens.to(device), self.mask.to(device))


def encode_bank(encoder: TextEncoder, bank: str, num_classes: int) -> LevelTexts:
    """The first `num_classes` classes of a prompt bank (name or .json path), encoded at every level."""
    classes = load_bank(bank)
    if len(classes) < num_classes:
        raise FdsmError(f"prompt bank {bank!r} has {len(classes)} classes; the split needs {num_classes}")
    classes = classes[:num_classes]
    pooled, tokens, mask = zip(*(encoder.encode([c.text(level) for c in classes]) for level in LEVELS), strict=True)
    return LevelTexts([c.name for c in classes], torch.from_numpy(np.stack(pooled)), torch.from_numpy(np.stack(tokens)),
                      torch.from_numpy(np.stack(mask)))
