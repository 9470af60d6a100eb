"""DCT identities, SG-SRM's defining equation and TASL's closed form."""

from __future__ import annotations

import math

import pytest
import torch

from fdsm.diffusion import NoiseSchedule
from fdsm.spectral import SGSRM, dct, dct_matrix, first_high_band, idct, tasl_loss, tasl_weights


def test_dct_matrix_is_orthonormal_and_matches_the_definition():
    n = 7
    c = dct_matrix(n, torch.float64)
    assert torch.allclose(c @ c.T, torch.eye(n, dtype=torch.float64), atol=1e-12)
    x = torch.randn(n, dtype=torch.float64)
    by_sum = [sum(x[i] * math.cos(math.pi * (2 * i + 1) * k / (2 * n)) for i in range(n))
              * math.sqrt((1 if k == 0 else 2) / n) for k in range(n)]
    assert torch.allclose(dct(x), torch.tensor(by_sum, dtype=torch.float64), atol=1e-12)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_dct_round_trip_and_energy_along_any_axis(dim):
    x = torch.randn(5, 6, 8)
    coeffs = dct(x, dim=dim)
    assert coeffs.shape == x.shape
    assert torch.allclose(idct(coeffs, dim=dim), x, atol=1e-5)
    assert torch.allclose(coeffs.square().sum(), x.square().sum(), rtol=1e-5)
    # the transform acts along `dim` only: it equals a loop over the other axes
    moved = torch.movedim(x, dim, -1).reshape(-1, x.shape[dim])
    ref = torch.stack([dct(row) for row in moved]).reshape(torch.movedim(x, dim, -1).shape)
    assert torch.allclose(torch.movedim(ref, -1, dim), coeffs, atol=1e-5)


def test_constant_signal_has_only_a_dc_coefficient():
    coeffs = dct(torch.full((16,), 2.0))
    assert coeffs[0].item() == pytest.approx(2.0 * 4.0)
    assert coeffs[1:].abs().max() < 1e-5


def explicit_highpass(x: torch.Tensor, cutoff: float, dim: int) -> torch.Tensor:
    coeffs = dct(x, dim=dim)
    keep = torch.arange(x.shape[dim]) >= first_high_band(x.shape[dim], cutoff)
    shape = [1] * x.dim()
    shape[dim] = -1
    return idct(coeffs * keep.reshape(shape), dim=dim)


@pytest.mark.parametrize("dim,shape", [(-1, (3, 1, 32)), (-2, (3, 12, 8))])
def test_sgsrm_equals_x_plus_alpha_gate_highpass(dim, shape):
    torch.manual_seed(0)
    module = SGSRM(shape[dim], text_dim=10, alpha=0.7, cutoff=0.25, hidden=16, dim=dim)
    x, pooled = torch.randn(shape), torch.randn(shape[0], 10)
    gate = module.gate(pooled)
    assert gate.shape == (shape[0], 1) and ((gate > 0) & (gate < 1)).all()
    out = module(x, gate)
    expected = x + 0.7 * gate[:, :, None] * explicit_highpass(x, 0.25, dim)
    assert torch.allclose(out, expected, atol=1e-5)
    # in the DCT domain: low bands untouched, high bands scaled by 1 + alpha * g
    m = first_high_band(shape[dim], 0.25)
    ratio = dct(out, dim=dim) / dct(x, dim=dim)
    low, high = ratio.narrow(dim, 0, m), ratio.narrow(dim, m, shape[dim] - m)
    assert torch.allclose(low, torch.ones_like(low), atol=1e-3)
    assert torch.allclose(high, (1 + 0.7 * gate[:, :, None]).expand_as(high), atol=1e-3)


def test_tasl_weights_follow_the_schedule():
    w = tasl_weights(10, torch.tensor([0, 25, 49]), timesteps=50, low_bands=5, gamma=1.0)
    assert torch.equal(w[:, :5], torch.ones(3, 5))
    assert torch.allclose(w[:, 5:], torch.tensor([1.0, 0.5, 0.02])[:, None].expand(3, 5))


def test_tasl_equals_its_closed_form_in_the_epsilon_error():
    torch.manual_seed(1)
    sched = NoiseSchedule()
    b, f = 8, 64
    x0, eps, eps_hat = torch.randn(b, f), torch.randn(b, f), torch.randn(b, f)
    t = torch.randint(0, 50, (b,))
    x_t = sched.add_noise(x0, eps, t)
    loss = tasl_loss(sched.x0_from_eps(x_t, eps_hat, t), x0, t, 50, low_bands=5, gamma=1.0)
    ab = sched.alpha_bar[t][:, None]
    closed = (tasl_weights(f, t, 50) * (1 - ab) / ab * dct(eps_hat - eps).square()).mean()
    assert loss.item() == pytest.approx(closed.item(), rel=1e-4)
    assert tasl_loss(x0, x0, t, 50).item() == 0.0


def test_paper_cut_off_is_192_of_768_channels():
    """SG-SRM keeps the lowest quarter of the DCT bands: M = L/4 = 192 for the paper's 768-wide stream."""
    from fdsm.presets import get_preset

    paper = get_preset("paper")
    assert (paper.width, first_high_band(paper.width, paper.sgsrm_cutoff)) == (768, 192)
