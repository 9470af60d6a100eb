"""Stage 3: train the text-conditioned denoiser on frozen skeleton features (the FDSM objective).

Each step draws a batch of training-class features, a timestep and a noise per sample, and per sample
the rich or sparse text level by the curriculum; the loss is epsilon-MSE + TASL (+ the optional
triplet term). Model selection is zero-shot accuracy among the held-out VALIDATION classes (seen
classes kept out of this stage), never the unseen test classes. The final checkpoint holds the
selected weights, and the temperature and error spread (the seen-name offset's unit) calibrated on the
validation errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from fdsm.atomic import atomic_write
from fdsm.checkpoint import save_checkpoint
from fdsm.curriculum import Curriculum
from fdsm.data.features import FeatureSet
from fdsm.denoiser import Denoiser
from fdsm.diffusion import NoiseSchedule
from fdsm.errors import FdsmError
from fdsm.losses import LossConfig, fdsm_losses
from fdsm.presets import ModelConfig
from fdsm.scorer import calibrate_temperature, error_spread
from fdsm.skeleton_encoder import SkeletonEncoder
from fdsm.training.loop import DistInfo, LoopSettings, TrainLoop
from fdsm.training.metrics import topk_accuracy
from fdsm.training.parts import ClassParts
from fdsm.training.texts import LevelTexts, NameVariants, RowTexts
from fdsm.training.zeroshot import label_errors

VAL_LIMIT = 2000  # validation features scored at each evaluation (a fixed, seeded subset)


def _validation(feats: FeatureSet, parts: ClassParts, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features of the validation classes and their positions in `parts.val`."""
    x, y = feats.train, feats.train_labels
    rows = np.flatnonzero(np.isin(y, parts.val))
    if len(rows) > VAL_LIMIT:
        rows = np.sort(np.random.default_rng(seed).choice(rows, VAL_LIMIT, replace=False))
    position = {c: i for i, c in enumerate(parts.val)}
    return x[rows], np.array([position[int(c)] for c in y[rows]], np.int64)


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


def predict(net: nn.Module, x_t: torch.Tensor, t: torch.Tensor, pos: tuple[torch.Tensor, ...],
            neg: tuple[torch.Tensor, ...] | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Noise predictions with the positive texts and, for the triplet term, the negative ones (one pass)."""
    if neg is None:
        return net(x_t, t, *pos), None
    both = net(torch.cat([x_t, x_t]), torch.cat([t, t]), *(torch.cat([p, n]) for p, n in zip(pos, neg, strict=True)))
    eps_pos, eps_neg = both.chunk(2)
    return eps_pos, eps_neg


@dataclass
class Validation:
    """Zero-shot scoring among the validation classes: model selection and the calibration of the checkpoint."""

    features: np.ndarray
    labels: np.ndarray
    texts: tuple[torch.Tensor, ...]

    @classmethod
    def build(cls, feats: FeatureSet, parts: ClassParts, texts: LevelTexts, level: str, seed: int) -> Validation | None:
        if not parts.val:
            return None
        x, y = _validation(feats, parts, seed)
        return cls(x, y, texts.level(level, parts.val)) if len(x) else None

    def errors(self, denoiser: Denoiser, cfg: ModelConfig) -> np.ndarray:
        return label_errors(denoiser, cfg, self.features, *self.texts)

    def metrics(self, denoiser: Denoiser, cfg: ModelConfig) -> dict[str, float]:
        err = self.errors(denoiser, cfg)
        return {"val_top1": topk_accuracy(-err, self.labels, 1), "val_top5": topk_accuracy(-err, self.labels, 5)}

    def calibration(self, denoiser: Denoiser, cfg: ModelConfig) -> dict[str, float]:
        """Temperature (NLL) and error spread of the validation errors; a text-blind denoiser (identical errors,
        spread 0) keeps the spread's unit."""
        err = self.errors(denoiser, cfg)
        spread = error_spread(err)
        return {"temperature": calibrate_temperature(torch.from_numpy(err), torch.from_numpy(self.labels)),
                **({"error_spread": spread} if spread > 0 else {})}


def loss_config(settings: dict[str, Any]) -> LossConfig:
    """The objective's switches and TASL numbers from the diffusion settings."""
    return LossConfig(tasl=settings["tasl"], triplet=settings["triplet"], tasl_low_bands=settings["tasl_low_bands"],
                      tasl_gamma=settings["tasl_gamma"])


def train_diffusion(feats: FeatureSet, texts: LevelTexts, parts: ClassParts, model_cfg: ModelConfig,
                    settings: dict[str, Any], seed: int, out: Path, resume: bool, dist: DistInfo,
                    encoder: SkeletonEncoder | None, meta: dict[str, Any],
                    synonyms: NameVariants | None = None, own: RowTexts | None = None,
                    captions: RowTexts | None = None) -> Path:
    """Train, select, calibrate and write the checkpoint folder `<out>/checkpoint`; returns its path.

    With `synonyms` and `settings["synonyms"] = p`, a name-level training sample is one of its class's
    synonyms with probability p: users type "drinking" or "take a sip", not only the bank's name. With
    `own` (per training feature row) and `settings["sequence_texts"] = q`, a rich-level sample of a
    sequence that has its own text uses it with probability q (compositional texts: content x style).
    With `captions` (per training feature row: its window's kinematic caption, fdsm.captions) and
    `settings["captions"] = c`, a rich-level sample uses its window's caption with probability c.
    """
    rows = np.flatnonzero(np.isin(feats.train_labels, parts.train))
    if len(rows) == 0:
        raise FdsmError("no training features belong to the training classes (check --split and the features)")
    device = dist.device
    x_train = torch.from_numpy(feats.train[rows]).to(device)
    y_train = torch.from_numpy(feats.train_labels[rows]).to(device)
    train_classes = torch.tensor(parts.train, device=device)
    sampler = text_sampler(texts, parts, settings, synonyms,
                           RowSource.build(own, settings["sequence_texts"], rows, device),
                           RowSource.build(captions, settings["captions"], rows, device), device)

    torch.manual_seed(seed)  # the initial weights, too, follow from the seed
    denoiser = Denoiser(model_cfg)
    schedule = NoiseSchedule(model_cfg.timesteps, model_cfg.beta_start, model_cfg.beta_end).to(device)
    curriculum = Curriculum(settings["rich"], settings["sparse"], settings["curriculum"])
    losses = loss_config(settings)
    total, batch = settings["iterations"], settings["batch_size"]
    part = slice(dist.rank, None, dist.world)

    def loss_fn(net: nn.Module, r: np.ndarray, step: int) -> tuple[torch.Tensor, dict[str, float]]:
        d = draw(batch, part, device, model_cfg, curriculum, step, total, len(parts.train), sampler)
        idx = torch.from_numpy(r).to(device)
        x0, y, neg = x_train[idx], y_train[idx], train_classes[d.negatives]
        x_t = schedule.add_noise(x0, d.eps, d.t)
        negative = sampler.of_classes(neg, d.rich, d.synonym) if settings["triplet"] else None
        eps_pos, eps_neg = predict(net, x_t, d.t, sampler.of_rows(idx, y, d), negative)
        terms = fdsm_losses(losses, schedule, x0, x_t, d.eps, d.t, eps_pos, eps_neg, neg == y)
        return terms["total"], {k: float(v.detach()) for k, v in terms.items() if k != "total"}

    stage_dir = out / "diffusion"
    loop_settings = LoopSettings(total, batch, settings["lr"], settings["weight_decay"], settings["warmup"],
                                 settings["checkpoint_every"], seed, settings["eval_every"], settings["ema"])
    identity = {"stage": "diffusion", "settings": settings, "model": model_cfg.to_dict(), "seed": seed,
                "rows": len(rows), "parts": [parts.train, parts.val, parts.unseen]}
    loop = TrainLoop(denoiser, loop_settings, len(rows), stage_dir / "state.pt", "diffusion", dist, identity)
    val = Validation.build(feats, parts, texts, settings["sparse"], seed)
    best_weights = stage_dir / "best.pt"

    def on_best(_: dict[str, float]) -> None:
        atomic_write(best_weights, lambda tmp: torch.save(denoiser.state_dict(), tmp))

    loop.run(loss_fn, resume, (lambda: val.metrics(denoiser, model_cfg)) if val else None, "val_top1",
             on_best if val else None)
    metrics: dict[str, Any] = {"history": loop.history, "selected": settings["select"] if val else "last"}
    calibrated: dict[str, float] = {}
    if val is not None:
        metrics.update(last=loop.history[-1], best=loop.best)
        if settings["select"] == "best" and best_weights.is_file():
            denoiser.load_state_dict(torch.load(best_weights, map_location=device, weights_only=True))
        calibrated = val.calibration(denoiser, model_cfg)
    final_cfg = model_cfg.replace(**calibrated)
    target = out / "checkpoint"
    if dist.is_main:
        modules = {"denoiser": denoiser.cpu(), "encoder": (encoder or SkeletonEncoder(final_cfg)).cpu()}
        save_checkpoint(target, final_cfg, modules, {**meta, "metrics": metrics,
                                                    "encoder_trained": encoder is not None})
    return target
