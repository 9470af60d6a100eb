"""Denoiser: adaLN-Zero start, text masking, cached text stream, sizes of the presets."""

from __future__ import annotations

import pytest
import torch

from fdsm.denoiser import Denoiser
from fdsm.presets import ModelConfig, get_preset


def randomize(module: torch.nn.Module, seed: int = 0, std: float = 0.1) -> torch.nn.Module:
    """Fill every parameter with noise so that zero-initialized layers no longer hide bugs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * std)
    return module


def inputs(cfg: ModelConfig, b: int = 5, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.ones(b, cfg.text_tokens, dtype=torch.bool)
    mask[:, cfg.text_tokens // 2:] = torch.rand(b, 1, generator=g) > 0.5
    return (torch.randn(b, cfg.feature_dim, generator=g), torch.randint(0, cfg.timesteps, (b,), generator=g),
            torch.randn(b, cfg.text_dim, generator=g), torch.randn(b, cfg.text_tokens, cfg.text_dim, generator=g), mask)


@pytest.mark.parametrize("stream", ["joint", "cached"])
def test_fresh_denoiser_predicts_exactly_zero(stream):
    cfg = get_preset("tiny", text_stream=stream)
    out = Denoiser(cfg)(*inputs(cfg))
    assert out.shape == (5, cfg.feature_dim)
    assert torch.count_nonzero(out) == 0


@pytest.mark.parametrize("stream", ["joint", "cached"])
def test_padded_text_tokens_are_ignored_and_text_matters(stream):
    cfg = get_preset("tiny", text_stream=stream)
    den = randomize(Denoiser(cfg)).eval()
    x, t, pooled, tokens, mask = inputs(cfg)
    mask[:, -2:] = False
    noisy_pad = tokens.clone()
    noisy_pad[:, -2:] += 100.0
    assert torch.allclose(den(x, t, pooled, tokens, mask), den(x, t, pooled, noisy_pad, mask), atol=1e-5)
    other = den(x, t, pooled, tokens.flip(0), mask.flip(0))
    assert (other - den(x, t, pooled, tokens, mask)).abs().max() > 1e-3


def test_cached_text_stream_equals_the_full_forward():
    cfg = get_preset("tiny", text_stream="cached")
    den = randomize(Denoiser(cfg)).eval()
    x, t, pooled, tokens, mask = inputs(cfg)
    cache = den.encode_text(t, pooled, tokens, mask)
    assert cache.kv.shape == (cfg.depth, 2, 5, cfg.heads, cfg.text_tokens, cfg.width // cfg.heads)
    assert torch.allclose(den.denoise_cached(x[:, None], cache)[:, 0], den(x, t, pooled, tokens, mask), atol=1e-5)
    # several skeleton tokens are scored independently: each equals its own one-token result
    many = torch.stack([x, x.flip(0), 2 * x], dim=1)  # (B, 3, F)
    together = den.denoise_cached(many, cache)
    for s in range(3):
        assert torch.allclose(together[:, s], den.denoise_cached(many[:, s:s + 1], cache)[:, 0], atol=1e-5)


def test_joint_text_stream_sees_the_skeleton_token_and_cached_does_not():
    for stream, differs in (("joint", True), ("cached", False)):
        cfg = get_preset("tiny", text_stream=stream, depth=3)
        den = randomize(Denoiser(cfg)).eval()
        x, t, pooled, tokens, mask = inputs(cfg)
        captured = []  # text tokens after two blocks, for two different skeleton inputs
        for xx in (x, x + 1.0):
            c, _, l = den._condition(t, pooled, tokens)
            h = den.x_in(xx)[..., None, :]
            for block in den.blocks[:2]:
                h, l = block(h, l, c, mask, den.sgsrm, None if den.sgsrm is None else den.sgsrm.gate(pooled),
                             stream == "joint")
            captured.append(l)
        assert ((captured[0] - captured[1]).abs().max() > 1e-4) == differs


def test_preset_sizes():
    with torch.device("meta"):
        paper = Denoiser(get_preset("paper", text_dim=1024))
        live = Denoiser(get_preset("live"))
    n_paper = sum(p.numel() for p in paper.parameters())
    assert 255e6 < n_paper < 265e6  # the published model: about 260 M with 1024-d text
    assert sum(p.numel() for p in live.parameters()) < n_paper / 20


def test_wrong_token_count_is_rejected():
    cfg = get_preset("tiny")
    x, t, pooled, tokens, mask = inputs(cfg)
    with pytest.raises(ValueError, match="text tokens"):
        Denoiser(cfg)(x, t, pooled, tokens[:, :-1], mask[:, :-1])


def test_token_axis_sgsrm_is_refused_when_the_config_is_validated():
    from fdsm.errors import FdsmError

    with pytest.raises(FdsmError, match="sgsrm_axis must be 'channel'"):
        get_preset("tiny", sgsrm_axis="token")
