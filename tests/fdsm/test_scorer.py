"""One-step scorer: batching equals the loop it replaces, caching, calibration, rejection, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fdsm.denoiser import Denoiser
from fdsm.diffusion import NoiseSchedule
from fdsm.presets import get_preset
from fdsm.scorer import Scorer, calibrate_temperature, error_spread, fixed_noises, seen_offsets
from tests.fdsm.test_denoiser import randomize


def make(stream: str, **overrides) -> Scorer:
    cfg = get_preset("tiny", text_stream=stream, **overrides)
    return Scorer(randomize(Denoiser(cfg)).eval(), NoiseSchedule(cfg.timesteps), cfg)


def label_text(cfg, k: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.ones(k, cfg.text_tokens, dtype=torch.bool)
    mask[1, 3:] = False
    return (torch.randn(k, cfg.text_dim, generator=g), torch.randn(k, cfg.text_tokens, cfg.text_dim, generator=g),
            mask)


@pytest.mark.parametrize("stream", ["joint", "cached"])
def test_batched_errors_equal_a_loop_over_labels_and_noises(stream):
    scorer = make(stream)
    cfg = scorer.cfg
    pooled, tokens, mask = label_text(cfg, 4)
    feats = torch.randn(3, cfg.feature_dim)
    scorer.set_labels(pooled, tokens, mask)
    with torch.no_grad():
        batched = scorer.errors(feats)
        ab = scorer.schedule.alpha_bar[cfg.t_test]
        t = torch.tensor([cfg.t_test])
        loop = torch.zeros(3, 4)
        for b in range(3):
            for k in range(4):
                errs = []
                for eps in fixed_noises(cfg):
                    x_t = ab.sqrt() * feats[b] + (1 - ab).sqrt() * eps
                    eps_hat = scorer.denoiser(x_t[None], t, pooled[k:k + 1], tokens[k:k + 1], mask[k:k + 1])[0]
                    errs.append((eps_hat - eps).square().mean())
                loop[b, k] = torch.stack(errs).mean()
    assert batched.shape == (3, 4)
    assert torch.allclose(batched, loop, atol=1e-5)


def test_noises_are_seeded_and_errors_deterministic():
    cfg = get_preset("tiny")
    assert torch.equal(fixed_noises(cfg), fixed_noises(cfg))
    assert not torch.equal(fixed_noises(cfg), fixed_noises(cfg.replace(noise_seed=7)))
    assert fixed_noises(cfg).shape == (3, cfg.feature_dim)
    scorer = make("cached")
    scorer.set_labels(*label_text(scorer.cfg, 3))
    feats = torch.randn(2, scorer.cfg.feature_dim)
    assert torch.equal(scorer.errors(feats), scorer.errors(feats))


def test_errors_are_invariant_to_label_order():
    scorer = make("cached")
    pooled, tokens, mask = label_text(scorer.cfg, 5)
    feats = torch.randn(2, scorer.cfg.feature_dim)
    scorer.set_labels(pooled, tokens, mask)
    err = scorer.errors(feats)
    perm = torch.tensor([3, 0, 4, 2, 1])
    scorer.set_labels(pooled[perm], tokens[perm], mask[perm])
    assert torch.allclose(scorer.errors(feats), err[:, perm], atol=1e-6)


def test_probabilities_and_rejection():
    scorer = make("cached", temperature=0.5, reject_margin=1.0)
    err = torch.tensor([[1.0, 1.2, 3.0], [1.0, 2.0, 3.0]])
    p = scorer.probabilities(err)
    assert torch.allclose(p.sum(-1), torch.ones(2))
    assert torch.allclose(p[0], torch.softmax(-err[0] / 0.5, -1))
    # gaps / T = 0.4 (< 1: reject) and 2.0 (accept)
    assert scorer.decide(err).tolist() == [-1, 0]
    assert make("cached").decide(err).tolist() == [0, 0]  # margin 0: never reject


def test_calibrate_temperature_recovers_the_generating_temperature():
    g = torch.Generator().manual_seed(0)
    errors = torch.rand(4000, 6, generator=g) * 2.0
    true_t = 0.3
    labels = torch.multinomial(torch.softmax(-errors / true_t, -1), 1, generator=g)[:, 0]
    assert calibrate_temperature(errors, labels) == pytest.approx(true_t, rel=0.1)


def test_error_spread_is_the_mean_per_window_std_and_the_seen_offset_unit():
    errors = np.array([[1.0, 3.0], [0.0, 0.0], [2.0, 6.0]])  # per-window population stds 1, 0, 2
    assert error_spread(errors) == pytest.approx(1.0)
    assert error_spread(10 * errors) == pytest.approx(10.0)  # scales with the errors, whatever the temperature
    cfg = get_preset("tiny", seen_bias=0.5, error_spread=0.2, temperature=1e4)
    assert seen_offsets(cfg, np.array([True, False, True])).tolist() == pytest.approx([0.1, 0.0, 0.1])


def test_errors_without_labels_is_an_error():
    with pytest.raises(ValueError, match="set_labels"):
        make("joint").errors(torch.zeros(1, 32))


def test_bench_scorer_json_reports_every_measure(capsys):
    import importlib.util
    import json

    from fdsm.bench_scorer import main
    from fdsm.errors import FdsmError

    assert main(["--variants", "live", "--labels", "2", "--repeats", "1", "--json", "--set", "depth=1"]) == 0
    result = json.loads(capsys.readouterr().out)
    live = result["variants"]["live"]
    assert live["overrides"]["depth"] == 1 and live["params"]["denoiser"] > 0
    row = live["labels"]["2"]
    assert row["gflops_per_label"] > 0 and row["torch_cpu"]["p50_ms"] > 0
    if importlib.util.find_spec("onnxruntime"):
        assert row["onnxruntime"]["p50_ms"] > 0
    with pytest.raises(FdsmError):
        main(["--labels", "ten"])


def test_noising_goes_through_the_schedules_add_noise(monkeypatch):
    """One forward-noising map: the scorer's test-time noising is the schedule's `add_noise` at t_test."""
    scorer = make("joint")
    calls = []
    real = NoiseSchedule.add_noise

    def spy(self, x0, eps, t):
        calls.append(int(t))
        return real(self, x0, eps, t)

    monkeypatch.setattr(NoiseSchedule, "add_noise", spy)
    feats = torch.randn(3, scorer.cfg.feature_dim)
    x_t = scorer.noisy(feats)
    assert calls == [scorer.cfg.t_test] and x_t.shape == (3, scorer.cfg.num_noises, scorer.cfg.feature_dim)
    ab = scorer.schedule.alpha_bar[scorer.cfg.t_test]
    assert torch.allclose(x_t[1, 2], ab.sqrt() * feats[1] + (1 - ab).sqrt() * scorer.noises[2])
