"""The FDSM noise schedule and its forward/inverse maps."""

from __future__ import annotations

import pytest
import torch

from fdsm.diffusion import NoiseSchedule


def test_scaled_linear_betas_and_alpha_bar():
    s = NoiseSchedule(50, 0.00085, 0.012)
    assert s.betas[0].item() == pytest.approx(0.00085, rel=1e-6)
    assert s.betas[-1].item() == pytest.approx(0.012, rel=1e-6)
    assert (s.betas[1:] > s.betas[:-1]).all()
    assert torch.allclose(s.betas.sqrt().diff(), s.betas.sqrt().diff()[0].expand(49), atol=1e-7)  # linear in sqrt
    assert s.alpha_bar[25].item() == pytest.approx(0.934, abs=1e-3)
    assert torch.allclose(s.alpha_bar, torch.cumprod(1 - s.betas.double(), 0).float())


def test_x0_from_eps_inverts_add_noise():
    s = NoiseSchedule()
    x0, eps = torch.randn(6, 16), torch.randn(6, 16)
    t = torch.tensor([0, 5, 10, 25, 40, 49])
    x_t = s.add_noise(x0, eps, t)
    assert torch.allclose(s.x0_from_eps(x_t, eps, t), x0, atol=1e-5)
    ab = s.alpha_bar[25]
    assert torch.allclose(x_t[3], ab.sqrt() * x0[3] + (1 - ab).sqrt() * eps[3])


def test_unused_helpers_are_gone():
    """Training draws its timesteps in the loop; a second, unused way to draw them was dead code."""
    assert not hasattr(NoiseSchedule(), "sample_timesteps")
