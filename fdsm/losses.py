"""FDSM training losses: epsilon MSE, TASL on the implied clean feature, optional triplet; each a switch."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from fdsm.diffusion import NoiseSchedule
from fdsm.spectral import tasl_loss


@dataclass(frozen=True)
class LossConfig:
    """Which terms are on and their weights (paper: diffusion + TASL, triplet off, margin 1.0); fdsm-train
    builds it from its `diffusion` settings, where each of these is set."""

    diffusion: bool = True
    tasl: bool = True
    triplet: bool = False
    tasl_weight: float = 1.0
    triplet_weight: float = 1.0
    margin: float = 1.0
    tasl_low_bands: int = 5
    tasl_gamma: float = 1.0


def triplet_loss(eps_pos: torch.Tensor, eps_neg: torch.Tensor, eps: torch.Tensor, same_class: torch.Tensor,
                 margin: float = 1.0) -> torch.Tensor:
    """mean over valid samples of relu(err(pos) - err(neg) + margin); per-sample MSE; same-class negatives masked."""
    err_pos = (eps_pos - eps).square().mean(-1)
    err_neg = (eps_neg - eps).square().mean(-1)
    keep = (~same_class).to(eps.dtype)
    return (F.relu(err_pos - err_neg + margin) * keep).sum() / keep.sum().clamp_min(1.0)


def fdsm_losses(cfg: LossConfig, schedule: NoiseSchedule, x0: torch.Tensor, x_t: torch.Tensor, eps: torch.Tensor,
                t: torch.Tensor, eps_pos: torch.Tensor, eps_neg: torch.Tensor | None = None,
                same_class: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Each enabled term and their weighted sum under "total".

    `eps_pos` is the prediction with the sample's own text; `eps_neg` (triplet only) with another
    class's text for the same x_t and t; `same_class` (B,) marks negatives that share the class.
    """
    terms: dict[str, torch.Tensor] = {}
    total = x0.new_zeros(())
    if cfg.diffusion:
        terms["diffusion"] = F.mse_loss(eps_pos, eps)
        total = total + terms["diffusion"]
    if cfg.tasl:
        x0_hat = schedule.x0_from_eps(x_t, eps_pos, t)
        terms["tasl"] = tasl_loss(x0_hat, x0, t, schedule.timesteps, cfg.tasl_low_bands, cfg.tasl_gamma)
        total = total + cfg.tasl_weight * terms["tasl"]
    if cfg.triplet:
        if eps_neg is None or same_class is None:
            raise ValueError("the triplet loss needs eps_neg and same_class")
        terms["triplet"] = triplet_loss(eps_pos, eps_neg, eps, same_class, cfg.margin)
        total = total + cfg.triplet_weight * terms["triplet"]
    terms["total"] = total
    return terms
