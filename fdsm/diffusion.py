"""DDPM noise schedule used by FDSM: T = 50 steps, scaled-linear betas 0.00085..0.012, epsilon prediction."""

from __future__ import annotations

import torch
from torch import nn


class NoiseSchedule(nn.Module):
    """alpha-bar table and the forward/inverse noising maps (buffers follow the module's device)."""

    def __init__(self, timesteps: int = 50, beta_start: float = 0.00085, beta_end: float = 0.012) -> None:
        super().__init__()
        self.timesteps = timesteps
        betas = torch.linspace(beta_start**0.5, beta_end**0.5, timesteps, dtype=torch.float64) ** 2
        self.register_buffer("betas", betas.float(), persistent=False)
        self.register_buffer("alpha_bar", torch.cumprod(1.0 - betas, 0).float(), persistent=False)

    def _coefs(self, t: torch.Tensor, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ab = self.alpha_bar[t].reshape(-1, *([1] * (like.dim() - 1)))
        return ab.sqrt(), (1.0 - ab).sqrt()

    def add_noise(self, x0: torch.Tensor, eps: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps; `t` (B,) long, x0 and eps (B, ...)."""
        a, s = self._coefs(t, x0)
        return a * x0 + s * eps

    def x0_from_eps(self, x_t: torch.Tensor, eps_hat: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Invert `add_noise` with a predicted noise: x0_hat = (x_t - sqrt(1 - abar) eps_hat) / sqrt(abar)."""
        a, s = self._coefs(t, x_t)
        return (x_t - s * eps_hat) / a
