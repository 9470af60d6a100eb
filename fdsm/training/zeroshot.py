"""Zero-shot scoring of many features against a label set, in chunks, through the one `Scorer`."""

from __future__ import annotations

import numpy as np
import torch
from tqdm import tqdm

from fdsm.denoiser import Denoiser
from fdsm.diffusion import NoiseSchedule
from fdsm.presets import ModelConfig
from fdsm.scorer import Scorer


def label_errors(denoiser: Denoiser, cfg: ModelConfig, features: np.ndarray, pooled: torch.Tensor,
                 tokens: torch.Tensor, mask: torch.Tensor, chunk: int = 64, desc: str | None = None) -> np.ndarray:
    """(N, K) mean denoising error of every feature against every label (lower = better match)."""
    device = next(denoiser.parameters()).device
    schedule = NoiseSchedule(cfg.timesteps, cfg.beta_start, cfg.beta_end).to(device)
    scorer = Scorer(denoiser, schedule, cfg).to(device)
    was_training = denoiser.training
    denoiser.eval()
    out = []
    with torch.no_grad():
        labels = scorer.prepare_labels(pooled.to(device), tokens.to(device), mask.to(device))
        starts = range(0, len(features), chunk)
        for s in tqdm(starts, desc=desc, unit="batch", disable=desc is None, dynamic_ncols=True):
            x = torch.from_numpy(np.ascontiguousarray(features[s:s + chunk], np.float32)).to(device)
            out.append(scorer.errors(x, labels).cpu().numpy())
    denoiser.train(was_training)
    return np.concatenate(out) if out else np.zeros((0, pooled.shape[0]), np.float32)
