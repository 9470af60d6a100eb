"""The two ways a label is scored from the user's examples, both on the scorer's error scale.

`inversion` (diffusion-native, textual-inversion style): the label's text-stream input (pooled embedding and
token embeddings, as the scorer consumes them) is fitted to the examples with the frozen denoiser, minimising the
FDSM objective at the scoring timestep with the scorer's fixed noises, starting from the typed name's encoding.
The fitted label is then scored by the very one-step inference every typed label goes through.

`prototype`: a window is scored by its distance to the nearest example crop in the skeleton encoder's feature
space (cosine), mapped onto the error scale relative to the window's typed-label errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

    from fdsm.scorer import Scorer

METHODS = ("prototype", "inversion")
INVERSION_STEPS = 60
INVERSION_LR = 0.05
# Prototype mapping onto the error scale, in the checkpoint's error spreads: a window's example-backed error is the
# mean of its typed-label errors + error_spread * (PROTOTYPE_SCALE * cosine distance - PROTOTYPE_SHIFT).
PROTOTYPE_SCALE = 32.0
PROTOTYPE_SHIFT = 1.5


@dataclass
class TextFit:
    """An inverted label: text-stream inputs that make the denoiser fit the examples."""

    pooled: np.ndarray  # (Dt,)
    tokens: np.ndarray  # (L, Dt)
    mask: np.ndarray  # (L,) bool


def fit_texts(scorer: Scorer, features: list[np.ndarray] | list[torch.Tensor], pooled: np.ndarray, tokens: np.ndarray,
              mask: np.ndarray, steps: int = INVERSION_STEPS, lr: float = INVERSION_LR) -> list[TextFit]:
    """Textual inversion of K labels at once: label k's pooled (K, Dt) and tokens (K, L, Dt), from the typed names'
    encodings, fitted by Adam to its example features `features[k]` (n_k, F).

    Each label's loss is the scorer's own error on its examples (fixed noises, t_test), so what is minimised is
    exactly what scoring measures; the denoiser stays frozen. The labels' losses are summed and Adam is
    per-parameter, so fitting K labels together gives the same fits as fitting each alone, only faster.
    The only teaching step that needs torch, imported here.
    """
    import torch

    from fdsm.denoiser import TextCache

    features = [torch.as_tensor(f) for f in features]
    p = torch.tensor(np.asarray(pooled, np.float32), requires_grad=True)
    tk = torch.tensor(np.asarray(tokens, np.float32), requires_grad=True)
    m = torch.from_numpy(np.asarray(mask, bool))
    owner = torch.cat([torch.full((len(f),), k) for k, f in enumerate(features)])
    counts = torch.tensor([float(len(f)) for f in features])
    x_t = scorer.noisy(torch.cat(features))  # (n, N, F): every example row with every fixed noise
    t = torch.full((len(p),), scorer.cfg.t_test, dtype=torch.long)
    opt = torch.optim.Adam([p, tk], lr=lr)
    for param in scorer.parameters():
        param.requires_grad_(False)
    for _ in range(steps):
        opt.zero_grad()
        cache = scorer.denoiser.encode_text(t, p, tk, m)
        own = TextCache(cache.xmod[:, owner], cache.fmod[owner], cache.gate[owner], cache.valid[owner],
                        cache.kv[:, :, owner])
        err = (scorer.denoiser.denoise_cached(x_t, own) - scorer.noises).square().mean(dim=(-1, -2))  # (n,)
        (torch.zeros(len(p)).index_add(0, owner, err) / counts).sum().backward()
        opt.step()
    return [TextFit(p.detach()[k].numpy().copy(), tk.detach()[k].numpy().copy(), np.asarray(mask[k], bool))
            for k in range(len(p))]


def unit(features: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine geometry)."""
    f = np.asarray(features, np.float32)
    return f / np.maximum(np.linalg.norm(f, axis=-1, keepdims=True), 1e-8)


def prototype_distance(features: np.ndarray, examples: list[np.ndarray]) -> np.ndarray:
    """(B, F) window features -> (B,) cosine distance to each example's nearest crop, averaged over the examples.

    `examples`: per example, (n_i, F) unit crop features. Averaging over examples (not the nearest of all crops)
    keeps the distance's scale the same whether a label has 1 or 5 examples, so one calibration serves both.
    """
    f = unit(features)
    return np.mean([1.0 - (f @ e.T).max(axis=1) for e in examples], axis=0)


def prototype_errors(distance: np.ndarray, typed_errors: np.ndarray, error_spread: float,
                     scale: float = PROTOTYPE_SCALE, shift: float = PROTOTYPE_SHIFT) -> np.ndarray:
    """(B, J) distances -> (B, J) errors beside the window's (B, K) typed-label errors (K may be 0); `scale` and
    `shift` are free only for the calibration sweep of `fdsm-bench fewshot`."""
    ref = typed_errors.mean(axis=1, keepdims=True) if typed_errors.shape[1] else 0.0
    return (ref + error_spread * (scale * distance - shift)).astype(np.float32)
