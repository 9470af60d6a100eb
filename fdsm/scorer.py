"""One-step zero-shot scoring: fixed seeded noises at the test timestep, one batched denoiser pass for
all windows x labels x noises, per-label mean error -> calibrated probabilities (optionally "no match")."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from fdsm import ranking
from fdsm.denoiser import Denoiser, TextCache
from fdsm.diffusion import NoiseSchedule
from fdsm.presets import ModelConfig
from fdsm.ranking import error_spread, seen_offsets

__all__ = ["LabelText", "Scorer", "calibrate_temperature", "error_spread", "fixed_noises", "seen_offsets"]

LabelText = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # pooled (K, Dt), tokens (K, L, Dt), mask (K, L)


def fixed_noises(cfg: ModelConfig) -> torch.Tensor:
    """(num_noises, feature_dim) standard normal draws from `noise_seed`: the same on every machine."""
    gen = torch.Generator().manual_seed(cfg.noise_seed)
    return torch.randn(cfg.num_noises, cfg.feature_dim, generator=gen, dtype=torch.float32)


class Scorer(nn.Module):
    """Per-label denoising error of skeleton features; lower error = better match."""

    def __init__(self, denoiser: Denoiser, schedule: NoiseSchedule, cfg: ModelConfig) -> None:
        super().__init__()
        self.denoiser, self.schedule, self.cfg = denoiser, schedule, cfg
        self.register_buffer("noises", fixed_noises(cfg), persistent=False)
        self.labels: TextCache | LabelText | None = None

    def prepare_labels(self, pooled: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> TextCache | LabelText:
        """What `errors` needs per label: the cached text stream, or the raw text tensors for a joint model."""
        if self.cfg.text_stream != "cached":
            return pooled, tokens, mask.bool()
        t = torch.full((pooled.shape[0],), self.cfg.t_test, dtype=torch.long, device=pooled.device)
        with torch.no_grad():
            return self.denoiser.encode_text(t, pooled, tokens, mask.bool())

    def set_labels(self, pooled: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> None:
        """Fix the K candidate labels (text tensors from the text encoder)."""
        self.labels = self.prepare_labels(pooled, tokens, mask)

    def noisy(self, features: torch.Tensor) -> torch.Tensor:
        """(B, F) -> (B, N, F): each feature noised with each fixed noise at t_test."""
        t = torch.as_tensor(self.cfg.t_test, device=features.device)
        return self.schedule.add_noise(features[:, None, :], self.noises, t)

    def errors(self, features: torch.Tensor, labels: TextCache | LabelText | None = None) -> torch.Tensor:
        """(B, F) features -> (B, K) mean squared noise-prediction error over noises and channels."""
        labels = self.labels if labels is None else labels
        if labels is None:
            raise ValueError("no labels set: call set_labels first")
        x_t = self.noisy(features)  # (B, N, F)
        b, n, f = x_t.shape
        if isinstance(labels, TextCache):
            eps_hat = self.denoiser.denoise_cached(x_t[:, None], labels.around(1, 0))  # noises on the token axis
        else:
            pooled, tokens, mask = labels
            k = pooled.shape[0]

            def rows(x: torch.Tensor) -> torch.Tensor:  # (K, ...) -> (B*K*N, ...)
                return x[None, :, None].expand(b, k, n, *x.shape[1:]).reshape(b * k * n, *x.shape[1:])

            t = torch.full((b * k * n,), self.cfg.t_test, dtype=torch.long, device=features.device)
            x = x_t[:, None].expand(b, k, n, f).reshape(-1, f)
            eps_hat = self.denoiser(x, t, rows(pooled), rows(tokens), rows(mask)).reshape(b, k, n, f)
        return (eps_hat - self.noises[:, None, :].transpose(0, 1)).square().mean(dim=(-1, -2))

    def probabilities(self, errors: torch.Tensor, temperature: float | None = None) -> torch.Tensor:
        """`fdsm.ranking.probabilities` at the checkpoint's calibrated temperature by default."""
        p = ranking.probabilities(errors.detach().cpu().numpy(), temperature or self.cfg.temperature)
        return torch.from_numpy(p)

    def decide(self, errors: torch.Tensor) -> torch.Tensor:
        """`fdsm.ranking.decide` with the checkpoint's temperature and reject margin: (B,) best index or -1."""
        best = ranking.decide(errors.detach().cpu().numpy(), self.cfg.temperature, self.cfg.reject_margin)
        return torch.from_numpy(np.asarray(best, np.int64))


def calibrate_temperature(errors: torch.Tensor, labels: torch.Tensor, lo: float = 1e-4, hi: float = 1e4) -> float:
    """Temperature minimising the NLL of softmax(-errors/T) on held-out (errors (N, K), true label index (N,)).

    Golden-section search over log T (the NLL is unimodal in T for a fixed error matrix).
    """
    errors = errors.detach().double()
    labels = labels.long()

    def nll(log_t: float) -> float:
        return float(nn.functional.cross_entropy(-errors / math.exp(log_t), labels))

    a, b = math.log(lo), math.log(hi)
    r = (math.sqrt(5) - 1) / 2
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = nll(c), nll(d)
    for _ in range(80):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = nll(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = nll(d)
    return math.exp((a + b) / 2)
