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


@dataclass
class NameVariants:
    """Each class's synonyms (other ways to type its name), encoded: pooled (C, V, D), tokens (C, V, L, D),
    mask (C, V, L); `count` (C,) how many of the V slots are real (0 = the class has no synonym)."""

    pooled: torch.Tensor
    tokens: torch.Tensor
    mask: torch.Tensor
    count: torch.Tensor

    def to(self, device: torch.device) -> NameVariants:
        return NameVariants(self.pooled.to(device), self.tokens.to(device), self.mask.to(device), self.count.to(device))

    def pick(self, classes: torch.Tensor, u: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The synonym at fraction `u` in [0, 1) of each class's list (classes without one give slot 0)."""
        slot = (u * self.count[classes]).long().clamp(max=self.pooled.shape[1] - 1)
        return self.pooled[classes, slot], self.tokens[classes, slot], self.mask[classes, slot]


def encode_synonyms(encoder: TextEncoder, bank: str, num_classes: int) -> NameVariants:
    """The synonyms of the first `num_classes` classes of a prompt bank, encoded and padded to the longest list."""
    classes = load_bank(bank)[:num_classes]
    width = max([len(c.synonyms) for c in classes] + [1])
    texts = [(list(c.synonyms) + [c.name] * width)[:width] for c in classes]  # padding slots are never picked
    pooled, tokens, mask = encoder.encode([t for row in texts for t in row])
    c = len(classes)
    return NameVariants(torch.from_numpy(np.asarray(pooled)).reshape(c, width, -1),
                        torch.from_numpy(np.asarray(tokens)).reshape(c, width, *np.asarray(tokens).shape[1:]),
                        torch.from_numpy(np.asarray(mask)).reshape(c, width, -1),
                        torch.tensor([len(x.synonyms) for x in classes]))


def encode_bank(encoder: TextEncoder, bank: str, num_classes: int) -> LevelTexts:
    """The first `num_classes` classes of a prompt bank (name or .json path), encoded at every level."""
    classes = load_bank(bank)
    if len(classes) < num_classes:
        raise FdsmError(f"prompt bank {bank!r} has {len(classes)} classes; the split needs {num_classes}")
    classes = classes[:num_classes]
    pooled, tokens, mask = zip(*(encoder.encode([c.text(level) for c in classes]) for level in LEVELS), strict=True)
    return LevelTexts([c.name for c in classes], torch.from_numpy(np.stack(pooled)), torch.from_numpy(np.stack(tokens)),
                      torch.from_numpy(np.stack(mask)))
