"""Frequency tools of FDSM: orthonormal DCT-II, the semantic-guided spectral residual module (SG-SRM)
and the timestep-adaptive spectral loss (TASL). No SciPy: the DCT is a matrix product."""

from __future__ import annotations

import math

import torch
from torch import nn


def dct_matrix(n: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Orthonormal DCT-II matrix C (n x n): row k is sqrt(2/n) cos(pi (2i+1) k / 2n), row 0 scaled by 1/sqrt(2)."""
    i = torch.arange(n, dtype=torch.float64)
    c = torch.cos(math.pi * (2 * i[None, :] + 1) * i[:, None] / (2 * n)) * math.sqrt(2.0 / n)
    c[0] /= math.sqrt(2.0)
    return c.to(dtype)


def dct(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Orthonormal DCT-II of `x` along `dim`."""
    c = dct_matrix(x.shape[dim], x.dtype).to(x.device)
    return (x.transpose(dim, -1) @ c.T).transpose(dim, -1)


def idct(coeffs: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Inverse of `dct` (orthonormal DCT-III) along `dim`."""
    c = dct_matrix(coeffs.shape[dim], coeffs.dtype).to(coeffs.device)
    return (coeffs.transpose(dim, -1) @ c).transpose(dim, -1)


def first_high_band(length: int, cutoff: float) -> int:
    """Index of the first high-frequency band: bands k >= cutoff * length count as high."""
    return math.ceil(cutoff * length)


def highpass_matrix(length: int, cutoff: float) -> torch.Tensor:
    """P = C^T diag(k >= cutoff*L) C: x @ P keeps only the high DCT bands of x (P is symmetric)."""
    c = dct_matrix(length, torch.float64)
    keep = (torch.arange(length) >= first_high_band(length, cutoff)).to(torch.float64)
    return (c.T @ (keep[:, None] * c)).float()


class SGSRM(nn.Module):
    """Semantic-guided spectral residual: x + alpha * g(text) * HighPass(x).

    Equivalently IDCT(DCT(x) * [1 on low bands, 1 + alpha*g on high bands]). The gate g in (0, 1)
    comes from the pooled text embedding, so fast-motion descriptions can boost high frequencies.
    `dim` is the axis filtered: the channel axis (-1) by default, the token axis (-2) for sequences.
    """

    def __init__(self, length: int, text_dim: int, alpha: float = 1.0, cutoff: float = 0.25,
                 hidden: int = 256, dim: int = -1) -> None:
        super().__init__()
        self.alpha = alpha
        self.dim = dim
        self.register_buffer("highpass", highpass_matrix(length, cutoff), persistent=False)
        self.gate = nn.Sequential(nn.Linear(text_dim, hidden), nn.ReLU(), nn.Linear(hidden, 1), nn.Sigmoid())

    def high(self, x: torch.Tensor) -> torch.Tensor:
        """The high-frequency part of x along `self.dim`."""
        return (x.transpose(self.dim, -1) @ self.highpass).transpose(self.dim, -1)

    def forward(self, x: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
        """`x` (..., N, D); `gate` from `self.gate(pooled)`, (..., 1) broadcast over tokens and channels."""
        return x + self.alpha * gate[..., None] * self.high(x)


def tasl_weights(length: int, t: torch.Tensor, timesteps: int, low_bands: int = 5, gamma: float = 1.0) -> torch.Tensor:
    """(B, length) band weights: 1 on the first `low_bands` bands, gamma * (1 - t/T) on the rest."""
    high = gamma * (1.0 - t.to(torch.float32) / timesteps)  # (B,)
    w = high[:, None].expand(-1, length).clone()
    w[:, :low_bands] = 1.0
    return w


def tasl_loss(x0_hat: torch.Tensor, x0: torch.Tensor, t: torch.Tensor, timesteps: int,
              low_bands: int = 5, gamma: float = 1.0) -> torch.Tensor:
    """TASL: mean over batch and bands of W_k(t) * (DCT(x0_hat) - DCT(x0))_k^2, features (B, F)."""
    diff = dct(x0_hat - x0, dim=-1)  # the DCT is linear
    return (tasl_weights(x0.shape[-1], t, timesteps, low_bands, gamma) * diff.square()).mean()
