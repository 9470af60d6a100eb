"""Two-stream joint-attention DiT with adaLN-Zero: predicts the noise on a skeleton feature given text.

One skeleton token and `text_tokens` text tokens keep separate weights (modulation, QKV, output, MLP)
but attend jointly. SG-SRM follows the skeleton stream's attention residual in every block. All
modulation and output layers start at zero, so a fresh model predicts exactly 0.

`text_stream="joint"`: text tokens also attend to the skeleton token (the paper's model).
`text_stream="cached"`: text tokens attend only to text tokens, so for a fixed timestep each label's
per-block text keys/values and modulations (`TextCache`) are computed once and reused for every
window and noise.

The skeleton stream may carry several tokens (..., S, D); each is an independent query that attends
to itself and to the text, never to its neighbours. With one token this is the usual joint
attention; the scorer puts its S fixed noises on that axis so they share one label's text K/V.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from fdsm.presets import ModelConfig
from fdsm.spectral import SGSRM

TIME_FREQ_DIM = 256


def timestep_embedding(t: torch.Tensor, dim: int = TIME_FREQ_DIM, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding (B,) -> (B, dim): [cos(t f_i), sin(t f_i)], f_i geometric from 1 to 1/max_period."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def mlp(d_in: int, d_hidden: int, d_out: int, act: nn.Module) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, d_hidden), act, nn.Linear(d_hidden, d_out))


def zero_linear(d_in: int, d_out: int) -> nn.Linear:
    """A linear layer initialised to exactly zero (adaLN-Zero)."""
    layer = nn.Linear(d_in, d_out)
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def modulate(h: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """h (..., N, D) * (1 + scale) + shift, with shift/scale (..., D) broadcast over the N tokens."""
    return h * (1 + scale[..., None, :]) + shift[..., None, :]


def attend(q: torch.Tensor, keys: list[torch.Tensor], values: list[torch.Tensor],
           valid: list[torch.Tensor | None], own: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """Multi-head attention of q (..., H, Q, d) over groups of keys/values (..., H, S_i, d) -> (..., Q, H*d).

    Groups may broadcast against q (a label's cached text K/V serves every window and noise) and are
    never concatenated; `valid[i]` (..., S_i) bool masks padded keys (None = all valid). `own` = (k, v)
    shaped like q: each query also attends to its own key (and to no other query's).
    """
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores, sizes = [], [k.shape[-2] for k in keys]
    if own is not None:
        scores.append((q * own[0]).sum(-1, keepdim=True) * scale)
        sizes.insert(0, 1)
    for k, ok in zip(keys, valid, strict=True):
        s = q @ k.transpose(-1, -2) * scale
        scores.append(s if ok is None else s.masked_fill(~ok[..., None, None, :], torch.finfo(s.dtype).min))
    probs = list(torch.softmax(torch.cat(scores, dim=-1), dim=-1).split(sizes, dim=-1))
    out = probs.pop(0) * own[1] if own is not None else 0
    out = out + sum(p @ v for p, v in zip(probs, values, strict=True))
    return out.transpose(-2, -3).flatten(-2)


@dataclass
class TextCache:
    """Per-label text stream at one timestep: skeleton-stream modulations, gate, valid mask, per-block K/V."""

    xmod: torch.Tensor  # (depth, K, 6D) adaLN modulation of the skeleton stream in each block
    fmod: torch.Tensor  # (K, 2D) final-layer modulation
    gate: torch.Tensor  # (K, 1) SG-SRM gate (0 when SG-SRM is off)
    valid: torch.Tensor  # (K, L) bool
    kv: torch.Tensor  # (depth, 2, K, H, L, d)

    def tensors(self) -> tuple[torch.Tensor, ...]:
        """The fields in order: also the ONNX graph's input order."""
        return self.xmod, self.fmod, self.gate, self.valid, self.kv

    def around(self, before: int, after: int) -> TextCache:
        """Insert singleton dims before/after the label dim K, e.g. (1, K) to broadcast over windows."""
        def put(x: torch.Tensor, k_dim: int) -> torch.Tensor:
            for _ in range(before):
                x = x.unsqueeze(k_dim)
            for _ in range(after):
                x = x.unsqueeze(k_dim + before + 1)
            return x

        return TextCache(put(self.xmod, 1), put(self.fmod, 0), put(self.gate, 0), put(self.valid, 0),
                         put(self.kv, 2))


class Stream(nn.Module):
    """One stream's weights in a block: adaLN-Zero modulation, QKV, output projection and MLP."""

    def __init__(self, width: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.heads = heads
        self.mod = nn.Sequential(nn.SiLU(), zero_linear(width, 6 * width))
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.mlp = mlp(width, int(width * mlp_ratio), width, nn.GELU(approximate="tanh"))

    def pre(self, h: torch.Tensor, mod: torch.Tensor) -> tuple[tuple[torch.Tensor, ...], torch.Tensor,
                                                                   torch.Tensor, torch.Tensor]:
        """Modulation chunks (from `self.mod(c)`) and per-head q, k, v (..., H, N, d) of tokens h (..., N, D)."""
        m = mod.chunk(6, dim=-1)
        qkv = self.qkv(modulate(self.norm1(h), m[0], m[1])).unflatten(-1, (3, self.heads, -1))
        q, k, v = (y.transpose(-2, -3) for y in qkv.unbind(-3))
        return m, q, k, v

    def post(self, h: torch.Tensor, attn: torch.Tensor, m: tuple[torch.Tensor, ...],
             residual: SGSRM | None = None, gate: torch.Tensor | None = None) -> torch.Tensor:
        """Gated attention residual, optional SG-SRM, gated MLP residual."""
        h = h + m[2][..., None, :] * self.proj(attn)
        if residual is not None:
            h = residual(h, gate)
        return h + m[5][..., None, :] * self.mlp(modulate(self.norm2(h), m[3], m[4]))


class JointBlock(nn.Module):
    """Skeleton stream + text stream with joint attention (or text-only attention when cached)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.x = Stream(cfg.width, cfg.heads, cfg.mlp_ratio)
        self.l = Stream(cfg.width, cfg.heads, cfg.mlp_ratio)

    def skeleton(self, x, xmod, kl, vl, valid, sgsrm, gate):
        """Update the skeleton tokens given the text K/V (which may broadcast); also return x's own k, v."""
        m, q, k, v = self.x.pre(x, xmod)
        return self.x.post(x, attend(q, [kl], [vl], [valid], own=(k, v)), m, sgsrm, gate), k, v

    def forward(self, x, l, c, valid, sgsrm, gate, joint: bool):
        ml, ql, kl, vl = self.l.pre(l, self.l.mod(c))
        x_new, kx, vx = self.skeleton(x, self.x.mod(c), kl, vl, valid, sgsrm, gate)
        attn = attend(ql, [kx, kl], [vx, vl], [None, valid]) if joint else attend(ql, [kl], [vl], [valid])
        return x_new, self.l.post(l, attn, ml)


class Denoiser(nn.Module):
    """eps_hat = D(x_t, t, pooled text, text tokens, text mask); see the module docstring."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.width
        self.x_in = nn.Linear(cfg.feature_dim, d)
        self.l_in = nn.Linear(cfg.text_dim, d)
        self.l_pos = nn.Parameter(torch.randn(cfg.text_tokens, d) * 0.02)
        self.t_mlp = mlp(TIME_FREQ_DIM, d, d, nn.SiLU())
        self.y_mlp = mlp(cfg.text_dim, d, d, nn.SiLU())
        self.sgsrm = SGSRM(d, cfg.text_dim, cfg.sgsrm_alpha, cfg.sgsrm_cutoff, cfg.gate_hidden) if cfg.sgsrm else None
        self.blocks = nn.ModuleList(JointBlock(cfg) for _ in range(cfg.depth))
        self.final_norm = nn.LayerNorm(d, elementwise_affine=False, eps=1e-6)
        self.final_mod = nn.Sequential(nn.SiLU(), zero_linear(d, 2 * d))
        self.out = zero_linear(d, cfg.feature_dim)

    def _condition(self, t, pooled, tokens):
        if tokens.shape[-2] != self.cfg.text_tokens:
            raise ValueError(f"expected {self.cfg.text_tokens} text tokens, got {tokens.shape[-2]}")
        c = self.t_mlp(timestep_embedding(t)) + self.y_mlp(pooled)
        gate = self.sgsrm.gate(pooled) if self.sgsrm is not None else torch.zeros_like(c[..., :1])
        return c, gate, self.l_in(tokens) + self.l_pos

    def _finish(self, x: torch.Tensor, fmod: torch.Tensor) -> torch.Tensor:
        shift, scale = fmod.chunk(2, dim=-1)
        return self.out(modulate(self.final_norm(x), shift, scale))

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, pooled: torch.Tensor, tokens: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """(B, F), (B,) long, (B, Dt), (B, L, Dt), (B, L) bool -> eps_hat (B, F)."""
        c, gate, l = self._condition(t, pooled, tokens)
        x = self.x_in(x_t)[..., None, :]
        joint = self.cfg.text_stream == "joint"
        for block in self.blocks:
            x, l = block(x, l, c, mask, self.sgsrm, gate, joint)
        return self._finish(x, self.final_mod(c)).squeeze(-2)

    def encode_text(self, t: torch.Tensor, pooled: torch.Tensor, tokens: torch.Tensor,
                    mask: torch.Tensor) -> TextCache:
        """Run the text stream alone (valid for text_stream="cached"); keep every block's text K/V and the
        skeleton stream's modulations, which depend only on (t, text)."""
        if self.cfg.text_stream != "cached":
            raise ValueError("encode_text needs a model with text_stream='cached'")
        c, gate, l = self._condition(t, pooled, tokens)
        kvs = []
        for i, block in enumerate(self.blocks):
            m, q, k, v = block.l.pre(l, block.l.mod(c))
            kvs.append(torch.stack([k, v]))
            if i + 1 < len(self.blocks):  # the last block's text output is never read
                l = block.l.post(l, attend(q, [k], [v], [mask]), m)
        xmod = torch.stack([block.x.mod(c) for block in self.blocks])
        return TextCache(xmod, self.final_mod(c), gate, mask, torch.stack(kvs))

    def denoise_cached(self, x_t: torch.Tensor, cache: TextCache) -> torch.Tensor:
        """eps_hat for skeleton tokens x_t (..., S, F), each scored independently against a cache whose
        leading dims broadcast with x_t's leading dims (S is the token axis; use S = 1 for one feature)."""
        x = self.x_in(x_t)
        for block, xmod, (kl, vl) in zip(self.blocks, cache.xmod, cache.kv, strict=True):
            x, _, _ = block.skeleton(x, xmod, kl, vl, cache.valid, self.sgsrm, cache.gate)
        return self._finish(x, cache.fmod)
