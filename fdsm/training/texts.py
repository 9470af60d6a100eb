"""Class texts at the three levels, encoded once per run for training, validation and evaluation."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Self

import numpy as np
import torch

from fdsm.errors import FdsmError
from fdsm.text.encoder import TextEncoder
from fdsm.text.policy import TextPolicy, prompt_for
from fdsm.text.prompts import LEVELS, load_bank


class OnDevice:
    """`to(device)` for a dataclass holding tensors: a copy with every tensor field moved, the rest kept."""

    def to(self, device: torch.device) -> Self:
        moved = {f.name: getattr(self, f.name).to(device) for f in fields(self)
                 if isinstance(getattr(self, f.name), torch.Tensor)}
        return replace(self, **moved)


@dataclass
class LevelTexts(OnDevice):
    """Encoded texts of every class at every level: pooled (3, C, D), tokens (3, C, L, D), mask (3, C, L)."""

    names: list[str]
    pooled: torch.Tensor
    tokens: torch.Tensor
    mask: torch.Tensor

    def level(self, level: str, classes: list[int] | tuple[int, ...]) -> tuple[torch.Tensor, ...]:
        """(pooled, tokens, mask) of `classes` at one level."""
        i, idx = LEVELS.index(level), torch.as_tensor(list(classes), dtype=torch.long)
        return self.pooled[i, idx], self.tokens[i, idx], self.mask[i, idx]


@dataclass
class NameVariants(OnDevice):
    """Each class's synonyms (other ways to type its name), encoded: pooled (C, V, D), tokens (C, V, L, D),
    mask (C, V, L); `count` (C,) how many of the V slots are real (0 = the class has no synonym)."""

    pooled: torch.Tensor
    tokens: torch.Tensor
    mask: torch.Tensor
    count: torch.Tensor

    def pick(self, classes: torch.Tensor, u: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The synonym at fraction `u` in [0, 1) of each class's list (classes without one give slot 0)."""
        slot = (u * self.count[classes]).long().clamp(max=self.pooled.shape[1] - 1)
        return self.pooled[classes, slot], self.tokens[classes, slot], self.mask[classes, slot]


def encode_synonyms(encoder: TextEncoder, bank: str, num_classes: int, policy: TextPolicy) -> NameVariants:
    """The synonyms of the first `num_classes` classes of a prompt bank as `policy` writes a typed name, encoded
    and padded to the longest list."""
    classes = load_bank(bank)[:num_classes]
    width = max([len(c.synonyms) for c in classes] + [1])
    names = [(list(c.synonyms) + [c.name] * width)[:width] for c in classes]  # padding slots are never picked
    texts = [[prompt_for(n, policy, bank, "name") for n in row] for row in names]
    pooled, tokens, mask = encoder.encode([t for row in texts for t in row])
    c = len(classes)
    return NameVariants(torch.from_numpy(np.asarray(pooled)).reshape(c, width, -1),
                        torch.from_numpy(np.asarray(tokens)).reshape(c, width, *np.asarray(tokens).shape[1:]),
                        torch.from_numpy(np.asarray(mask)).reshape(c, width, -1),
                        torch.tensor([len(x.synonyms) for x in classes]))


@dataclass
class RowTexts(OnDevice):
    """Texts of single training sequences (Bandai's "wave right hand, exhausted"), per training feature row:
    the distinct texts encoded (pooled (U, D), tokens (U, L, D), mask (U, L)) and each row's index (-1 = none)."""

    pooled: torch.Tensor
    tokens: torch.Tensor
    mask: torch.Tensor
    index: torch.Tensor


def encode_row_texts(encoder: TextEncoder, per_row: list[str]) -> RowTexts:
    """Encode each distinct non-empty text once; rows with "" get index -1."""
    distinct = sorted({t for t in per_row if t})
    position = {t: i for i, t in enumerate(distinct)}
    index = torch.tensor([position.get(t, -1) for t in per_row], dtype=torch.long)
    if not distinct:
        return RowTexts(torch.zeros(0), torch.zeros(0), torch.zeros(0, dtype=torch.bool), index)
    pooled, tokens, mask = (torch.from_numpy(np.asarray(a)) for a in encoder.encode(distinct))
    return RowTexts(pooled, tokens, mask, index)


def class_prompts(bank: str, num_classes: int, policy: TextPolicy, level: str) -> list[str]:
    """The texts of the first `num_classes` classes of a prompt bank at `level`, as `policy` writes them for a
    user who types the class's name: the same function the Recognizer and fdsm-eval encode typed labels with."""
    classes = load_bank(bank)
    if len(classes) < num_classes:
        raise FdsmError(f"prompt bank {bank!r} has {len(classes)} classes; the split needs {num_classes}")
    return [prompt_for(c.name, policy, bank, level) for c in classes[:num_classes]]


def encode_bank(encoder: TextEncoder, bank: str, num_classes: int, policy: TextPolicy) -> LevelTexts:
    """The first `num_classes` classes of a prompt bank (name or .json path), encoded at every level."""
    classes = load_bank(bank)[:num_classes]
    pooled, tokens, mask = zip(*(encoder.encode(class_prompts(bank, num_classes, policy, level))
                                 for level in LEVELS), strict=True)
    return LevelTexts([c.name for c in classes], torch.from_numpy(np.stack(pooled)), torch.from_numpy(np.stack(tokens)),
                      torch.from_numpy(np.stack(mask)))
