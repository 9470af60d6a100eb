"""Loss switches, the triplet margin and same-class masking."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from fdsm.diffusion import NoiseSchedule
from fdsm.losses import LossConfig, fdsm_losses, triplet_loss
from fdsm.spectral import tasl_loss


def batch(b: int = 6, f: int = 16, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    sched = NoiseSchedule()
    x0, eps = torch.randn(b, f, generator=g), torch.randn(b, f, generator=g)
    t = torch.randint(0, 50, (b,), generator=g)
    pos, neg = torch.randn(b, f, generator=g), torch.randn(b, f, generator=g)
    return sched, x0, sched.add_noise(x0, eps, t), eps, t, pos, neg


def test_triplet_is_hinge_on_per_sample_errors_with_same_class_masked():
    eps = torch.zeros(3, 4)
    pos = torch.full((3, 4), 1.0)  # error 1
    neg = torch.tensor([[0.5] * 4, [2.0] * 4, [3.0] * 4])  # errors 0.25, 4, 9
    same = torch.tensor([False, False, True])
    # sample 0: relu(1 - 0.25 + 1) = 1.75; sample 1: relu(1 - 4 + 1) = 0; sample 2 masked
    assert triplet_loss(pos, neg, eps, same, margin=1.0).item() == pytest.approx(1.75 / 2)
    assert triplet_loss(pos, neg, eps, torch.ones(3, dtype=torch.bool)).item() == 0.0


def test_switches_select_terms_and_total_is_weighted_sum():
    sched, x0, x_t, eps, t, pos, neg = batch()
    same = torch.tensor([True, False, False, False, True, False])
    cfg = LossConfig(diffusion=True, tasl=True, triplet=True, tasl_weight=0.5, triplet_weight=2.0)
    out = fdsm_losses(cfg, sched, x0, x_t, eps, t, pos, neg, same)
    assert set(out) == {"diffusion", "tasl", "triplet", "total"}
    assert out["diffusion"].item() == pytest.approx(F.mse_loss(pos, eps).item())
    assert out["tasl"].item() == pytest.approx(tasl_loss(sched.x0_from_eps(x_t, pos, t), x0, t, 50).item())
    assert out["total"].item() == pytest.approx(
        out["diffusion"].item() + 0.5 * out["tasl"].item() + 2.0 * out["triplet"].item(), rel=1e-6)
    only = fdsm_losses(LossConfig(tasl=False), sched, x0, x_t, eps, t, pos)
    assert set(only) == {"diffusion", "total"} and only["total"].item() == pytest.approx(only["diffusion"].item())


def test_perfect_prediction_gives_zero_loss_and_triplet_needs_negatives():
    sched, x0, x_t, eps, t, _, _ = batch()
    assert fdsm_losses(LossConfig(), sched, x0, x_t, eps, t, eps)["total"].item() == pytest.approx(0.0, abs=1e-10)
    with pytest.raises(ValueError, match="triplet"):
        fdsm_losses(LossConfig(triplet=True), sched, x0, x_t, eps, t, eps)
