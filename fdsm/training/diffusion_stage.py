"""Stage 3: train the text-conditioned denoiser on frozen skeleton features (the FDSM objective).

Each step draws a batch of training-class features, a timestep and a noise per sample, and per sample
the rich or sparse text level by the curriculum; the loss is epsilon-MSE + TASL (+ the optional
triplet term). Model selection is zero-shot accuracy among the held-out VALIDATION classes (seen
classes kept out of this stage), never the unseen test classes. The final checkpoint holds the
selected weights, and the temperature and error spread (the seen-name offset's unit) calibrated on the
validation errors.
"""

from __future__ import annotations

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
    return tuple(torch.where(use.view(-1, *[1] * (c.dim() - 1)), m, c) for m, c in zip(mine, current, strict=True))


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
    x_all, y_all = feats.train, feats.train_labels
    rows = np.flatnonzero(np.isin(y_all, parts.train))
    if len(rows) == 0:
        raise FdsmError("no training features belong to the training classes (check --split and the features)")
    device = dist.device
    x_train = torch.from_numpy(x_all[rows]).to(device)
    y_train = torch.from_numpy(y_all[rows]).to(device)
    train_classes = torch.tensor(parts.train, device=device)
    texts = texts.to(device)
    levels = {lv: texts.level(lv, range(parts.num_classes)) for lv in (settings["rich"], settings["sparse"])}

    torch.manual_seed(seed)  # the initial weights, too, follow from the seed
    denoiser = Denoiser(model_cfg)
    schedule = NoiseSchedule(model_cfg.timesteps, model_cfg.beta_start, model_cfg.beta_end).to(device)
    curriculum = Curriculum(settings["rich"], settings["sparse"], settings["curriculum"])
    losses = LossConfig(tasl=settings["tasl"], triplet=settings["triplet"], tasl_low_bands=model_cfg.tasl_low_bands,
                        tasl_gamma=model_cfg.tasl_gamma)
    total, batch = settings["iterations"], settings["batch_size"]
    part = slice(dist.rank, None, dist.world)

    p_own = float(settings["sequence_texts"]) if own is not None and len(own.pooled) else 0.0
    own_texts = own.to(device) if p_own > 0 else None
    own_index = own_texts.index[torch.from_numpy(rows).to(device)] if own_texts is not None else None
    p_caption = float(settings["captions"]) if captions is not None and len(captions.pooled) else 0.0
    caption_texts = captions.to(device) if p_caption > 0 else None
    caption_index = caption_texts.index[torch.from_numpy(rows).to(device)] if caption_texts is not None else None
    p_synonym = float(settings["synonyms"]) if synonyms is not None else 0.0
    variants = synonyms.to(device) if p_synonym > 0 else None

    def pick_rows(use: torch.Tensor, new: tuple[torch.Tensor, ...], old: tuple[torch.Tensor, ...]) -> tuple[
            torch.Tensor, ...]:
        """Per sample: the `new` text tensors where `use`, else the `old` ones."""
        return tuple(torch.where(use.view(-1, *[1] * (o.dim() - 1)), n, o) for n, o in zip(new, old, strict=True))

    def text_of(classes: torch.Tensor, rich: torch.Tensor, draws: torch.Tensor | None) -> tuple[torch.Tensor, ...]:
        chosen = pick_rows(rich, tuple(lv[classes] for lv in levels[settings["rich"]]),
                           tuple(lv[classes] for lv in levels[settings["sparse"]]))
        if variants is None or draws is None:
            return chosen
        # draws (B, 2): whether to swap a name-level sample for a synonym, and which synonym
        is_name = torch.where(rich, settings["rich"] == "name", settings["sparse"] == "name")
        swap = is_name & (draws[:, 0] < p_synonym) & (variants.count[classes] > 0)
        return pick_rows(swap, variants.pick(classes, draws[:, 1]), chosen)

    def loss_fn(net: nn.Module, r: np.ndarray, step: int) -> tuple[torch.Tensor, dict[str, float]]:
        # Draw for the whole global batch, keep this rank's rows: the result does not depend on the world size.
        t = torch.randint(0, model_cfg.timesteps, (batch,))[part].to(device)
        eps = torch.randn(batch, model_cfg.feature_dim)[part].to(device)
        rich = curriculum.choose_rich(step, total, batch)[part].to(device)
        neg = train_classes[torch.randint(0, len(parts.train), (batch,))[part].to(device)]
        draws = torch.rand(batch, 2)[part].to(device) if variants is not None else None
        own_draws = torch.rand(batch)[part].to(device) if own_index is not None else None
        idx = torch.from_numpy(r).to(device)
        x0, y = x_train[idx], y_train[idx]
        x_t = schedule.add_noise(x0, eps, t)
        pooled, tokens, mask = text_of(y, rich, draws)
        if own_index is not None:
            pooled, tokens, mask = use_row_texts(own_texts, own_index[idx], rich & (own_draws < p_own),
                                                 (pooled, tokens, mask))
        if caption_index is not None:  # drawn last, so runs without captions keep every earlier draw
            use = rich & (torch.rand(batch)[part].to(device) < p_caption)
            pooled, tokens, mask = use_row_texts(caption_texts, caption_index[idx], use, (pooled, tokens, mask))
        if settings["triplet"]:
            n_pooled, n_tokens, n_mask = text_of(neg, rich, draws)
            both = net(torch.cat([x_t, x_t]), torch.cat([t, t]), torch.cat([pooled, n_pooled]),
                       torch.cat([tokens, n_tokens]), torch.cat([mask, n_mask]))
            eps_pos, eps_neg = both.chunk(2)
        else:
            eps_pos, eps_neg = net(x_t, t, pooled, tokens, mask), None
        terms = fdsm_losses(losses, schedule, x0, x_t, eps, t, eps_pos, eps_neg, neg == y)
        return terms["total"], {k: float(v.detach()) for k, v in terms.items() if k != "total"}

    stage_dir = out / "diffusion"
    loop_settings = LoopSettings(total, batch, settings["lr"], settings["weight_decay"], settings["warmup"],
                                 settings["checkpoint_every"], seed, settings["eval_every"], settings["ema"])
    identity = {"stage": "diffusion", "settings": settings, "model": model_cfg.to_dict(), "seed": seed,
                "rows": len(rows), "parts": [parts.train, parts.val, parts.unseen]}
    loop = TrainLoop(denoiser, loop_settings, len(rows), stage_dir / "state.pt", "diffusion", dist, identity)

    val_x, val_y = _validation(feats, parts, seed) if parts.val else (None, None)
    val_text = texts.level(settings["sparse"], parts.val) if parts.val else None

    def val_errors() -> np.ndarray:
        return label_errors(denoiser, model_cfg, val_x, *val_text)

    def evaluate() -> dict[str, float]:
        err = val_errors()
        return {"val_top1": topk_accuracy(-err, val_y, 1), "val_top5": topk_accuracy(-err, val_y, 5)}

    best_weights = stage_dir / "best.pt"

    def on_best(_: dict[str, float]) -> None:
        atomic_write(best_weights, lambda tmp: torch.save(denoiser.state_dict(), tmp))

    has_val = val_x is not None and len(val_x) > 0
    loop.run(loss_fn, resume, evaluate if has_val else None, "val_top1", on_best if has_val else None)

    metrics: dict[str, Any] = {"history": loop.history}
    if has_val:
        metrics["last"] = loop.history[-1]
        metrics["best"] = loop.best
        if settings["select"] == "best" and best_weights.is_file():
            denoiser.load_state_dict(torch.load(best_weights, map_location=device, weights_only=True))
        err = val_errors()
        spread = error_spread(err)  # 0 only for a text-blind denoiser (identical errors): keep the unit then
        calibrated = {"temperature": calibrate_temperature(torch.from_numpy(err), torch.from_numpy(val_y)),
                      **({"error_spread": spread} if spread > 0 else {})}
    else:
        calibrated = {}
    metrics["selected"] = settings["select"] if has_val else "last"
    final_cfg = model_cfg.replace(**calibrated)
    target = out / "checkpoint"
    if dist.is_main:
        modules = {"denoiser": denoiser.cpu(), "encoder": (encoder or SkeletonEncoder(final_cfg)).cpu()}
        save_checkpoint(target, final_cfg, modules, {**meta, "metrics": metrics,
                                                    "encoder_trained": encoder is not None})
    return target
