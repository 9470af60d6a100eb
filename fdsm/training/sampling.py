"""Per-sample training texts and the random draws of one denoiser training step.

A step's texts are the class texts at each sample's curriculum level, with a synonym in place of a name,
and a sequence's own text or its window's kinematic caption in place of a rich-level text, each with its
own probability. All draws of a step are made for the whole global batch in one fixed order and cut to
this rank's rows, so training does not depend on the world size or on which optional texts are on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from fdsm.curriculum import Curriculum
from fdsm.presets import ModelConfig
from fdsm.training.parts import ClassParts
from fdsm.training.texts import LevelTexts, NameVariants, RowTexts


def use_row_texts(rows: RowTexts, index: torch.Tensor, use: torch.Tensor,
                  current: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """Per sample: its row's own text (pooled, tokens, mask) where `use` and the row has one (index >= 0),
    else the `current` text."""
    use = use & (index >= 0)
    mine = tuple(m[index.clamp(min=0)] for m in (rows.pooled, rows.tokens, rows.mask))
    return pick_rows(use, mine, current)


def pick_rows(use: torch.Tensor, new: tuple[torch.Tensor, ...],
              old: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """Per sample: the `new` text tensors where `use`, else the `old` ones."""
    return tuple(torch.where(use.view(-1, *[1] * (o.dim() - 1)), n, o) for n, o in zip(new, old, strict=True))


@dataclass
class Draws:
    """Everything random in one training step, drawn for the whole global batch and cut to this rank's rows, in
    a fixed order (so the result depends neither on the world size nor on which optional texts are on)."""

    t: torch.Tensor
    eps: torch.Tensor
    rich: torch.Tensor
    negatives: torch.Tensor
    synonym: torch.Tensor | None
    own: torch.Tensor | None
    caption: torch.Tensor | None


@dataclass
class RowSource:
    """Texts of single training rows (a sequence's own text, a window's caption), used with probability `p`."""

    texts: RowTexts
    index: torch.Tensor  # (training rows,) index into `texts`, -1 = the row has none
    p: float

    @classmethod
    def build(cls, texts: RowTexts | None, p: float, rows: np.ndarray, device: torch.device) -> RowSource | None:
        if texts is None or not len(texts.pooled) or p <= 0:
            return None
        moved = texts.to(device)
        return cls(moved, moved.index[torch.from_numpy(rows).to(device)], float(p))


@dataclass
class TextSampler:
    """Per-sample training texts: the class text at the curriculum's level, a synonym instead of a name
    (probability `p_synonym`), a row's own text and then its window's caption instead of a rich-level text."""

    rich: tuple[torch.Tensor, ...]  # every class at the rich level: (pooled, tokens, mask)
    sparse: tuple[torch.Tensor, ...]
    name_levels: tuple[bool, bool]  # whether the rich / sparse level is the name level
    synonyms: NameVariants | None
    p_synonym: float
    own: RowSource | None
    captions: RowSource | None

    def of_classes(self, classes: torch.Tensor, rich: torch.Tensor, draws: torch.Tensor | None) -> tuple[
            torch.Tensor, ...]:
        """Class texts at each sample's level; draws (B, 2): whether to swap a name for a synonym, and which."""
        chosen = pick_rows(rich, tuple(lv[classes] for lv in self.rich), tuple(lv[classes] for lv in self.sparse))
        if self.synonyms is None or draws is None:
            return chosen
        is_name = torch.where(rich, *self.name_levels)
        swap = is_name & (draws[:, 0] < self.p_synonym) & (self.synonyms.count[classes] > 0)
        return pick_rows(swap, self.synonyms.pick(classes, draws[:, 1]), chosen)

    def of_rows(self, idx: torch.Tensor, classes: torch.Tensor, d: Draws) -> tuple[torch.Tensor, ...]:
        """The positive texts of the training rows `idx` (of classes `classes`)."""
        texts = self.of_classes(classes, d.rich, d.synonym)
        for source, draw in ((self.own, d.own), (self.captions, d.caption)):
            if source is not None and draw is not None:
                texts = use_row_texts(source.texts, source.index[idx], d.rich & (draw < source.p), texts)
        return texts


def text_sampler(texts: LevelTexts, parts: ClassParts, settings: dict[str, Any], synonyms: NameVariants | None,
                 own: RowSource | None, captions: RowSource | None, device: torch.device) -> TextSampler:
    """The sampler of one run: class texts on `device`, the optional sources switched on by their probability."""
    texts = texts.to(device)
    rich, sparse = (texts.level(settings[k], range(parts.num_classes)) for k in ("rich", "sparse"))
    p_synonym = float(settings["synonyms"]) if synonyms is not None else 0.0
    variants = synonyms.to(device) if p_synonym > 0 else None
    return TextSampler(rich, sparse, (settings["rich"] == "name", settings["sparse"] == "name"), variants,
                       p_synonym, own, captions)


def draw(batch: int, part: slice, device: torch.device, cfg: ModelConfig, curriculum: Curriculum, step: int,
         total: int, num_train_classes: int, sampler: TextSampler) -> Draws:
    """One step's random draws (see `Draws`)."""
    def cut(x: torch.Tensor) -> torch.Tensor:
        return x[part].to(device)

    t = cut(torch.randint(0, cfg.timesteps, (batch,)))
    eps = cut(torch.randn(batch, cfg.feature_dim))
    rich = cut(curriculum.choose_rich(step, total, batch))
    negatives = cut(torch.randint(0, num_train_classes, (batch,)))
    synonym = cut(torch.rand(batch, 2)) if sampler.synonyms is not None else None
    own = cut(torch.rand(batch)) if sampler.own is not None else None
    caption = cut(torch.rand(batch)) if sampler.captions is not None else None
    return Draws(t, eps, rich, negatives, synonym, own, caption)
