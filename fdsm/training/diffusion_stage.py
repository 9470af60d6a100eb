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
from fdsm.training.config import scored_level
from fdsm.training.loop import DistInfo, LoopSettings, TrainLoop
from fdsm.training.metrics import topk_accuracy
from fdsm.training.parts import ClassParts
from fdsm.training.sampling import RowSource, draw, text_sampler
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


def loss_config(loss: dict[str, Any]) -> LossConfig:
    """The objective's terms from the `loss` section of the training config."""
    return LossConfig(tasl=loss["tasl"], triplet=loss["triplet"], tasl_low_bands=loss["tasl_low_bands"],
                      tasl_gamma=loss["tasl_gamma"])


def train_diffusion(feats: FeatureSet, texts: LevelTexts, parts: ClassParts, model_cfg: ModelConfig,
                    settings: dict[str, Any], seed: int, out: Path, resume: bool, dist: DistInfo,
                    encoder: SkeletonEncoder | None, meta: dict[str, Any],
                    synonyms: NameVariants | None = None, own: RowTexts | None = None,
                    captions: RowTexts | None = None) -> Path:
    """Train, select, calibrate and write the checkpoint folder `<out>/checkpoint`; returns its path.

    `settings` is the training config's `diffusion` section with its `loss` section under "loss".

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
    losses = loss_config(settings["loss"])
    total, batch = settings["iterations"], settings["batch_size"]
    part = slice(dist.rank, None, dist.world)

    def loss_fn(net: nn.Module, r: np.ndarray, step: int) -> tuple[torch.Tensor, dict[str, float]]:
        d = draw(batch, part, device, model_cfg, curriculum, step, total, len(parts.train), sampler)
        idx = torch.from_numpy(r).to(device)
        x0, y, neg = x_train[idx], y_train[idx], train_classes[d.negatives]
        x_t = schedule.add_noise(x0, d.eps, d.t)
        negative = sampler.of_classes(neg, d.rich, d.synonym) if losses.triplet else None
        eps_pos, eps_neg = predict(net, x_t, d.t, sampler.of_rows(idx, y, d), negative)
        terms = fdsm_losses(losses, schedule, x0, x_t, d.eps, d.t, eps_pos, eps_neg, neg == y)
        return terms["total"], {k: float(v.detach()) for k, v in terms.items() if k != "total"}

    stage_dir = out / "diffusion"
    loop_settings = LoopSettings(total, batch, settings["lr"], settings["weight_decay"], settings["warmup"],
                                 settings["checkpoint_every"], seed, settings["eval_every"], settings["ema"])
    identity = {"stage": "diffusion", "settings": settings, "model": model_cfg.to_dict(), "seed": seed,
                "rows": len(rows), "parts": [parts.train, parts.val, parts.unseen]}
    loop = TrainLoop(denoiser, loop_settings, len(rows), stage_dir / "state.pt", "diffusion", dist, identity)
    val = Validation.build(feats, parts, texts, scored_level(settings), seed)
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
