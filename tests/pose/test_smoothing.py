"""One-Euro filter: identity when off, steady on noise, fast on real movement, NaN-safe."""

from __future__ import annotations

import numpy as np
import pytest

from pose.smoothing import OneEuroFilter


def run(f: OneEuroFilter, xs: np.ndarray, fps: float = 30.0) -> np.ndarray:
    return np.stack([f(k / fps, x) for k, x in enumerate(xs)])


def test_switch_off_is_identity() -> None:
    xs = np.random.default_rng(0).normal(size=(20, 25, 3)).astype(np.float32)
    np.testing.assert_array_equal(run(OneEuroFilter(enabled=False), xs), xs)


def test_constant_signal_is_unchanged() -> None:
    xs = np.full((30, 4), 1.5)
    np.testing.assert_allclose(run(OneEuroFilter(), xs), xs, atol=1e-6)


def test_jitter_on_a_still_body_is_reduced() -> None:
    noise = np.random.default_rng(1).normal(scale=0.01, size=(300, 75))
    out = run(OneEuroFilter(), 1.0 + noise)
    assert out[30:].std() < 0.5 * noise[30:].std()


def test_fast_motion_is_followed_more_closely_with_beta() -> None:
    t = np.arange(60) / 30.0
    xs = np.sin(2 * np.pi * 2.0 * t)[:, None]  # a 2 Hz wave, 1 m amplitude
    lag_static = np.abs(run(OneEuroFilter(beta=0.0), xs) - xs)[10:].mean()
    lag_adaptive = np.abs(run(OneEuroFilter(beta=2.0), xs) - xs)[10:].mean()
    assert lag_adaptive < 0.5 * lag_static


def test_nan_passes_through_and_restarts_the_element() -> None:
    f = OneEuroFilter()
    f(0.0, np.array([0.0, 0.0]))
    out = f(1 / 30, np.array([np.nan, 1.0]))
    assert np.isnan(out[0]) and 0 < out[1] < 1
    out = f(2 / 30, np.array([5.0, 1.0]))
    assert out[0] == pytest.approx(5.0)  # no history: starts at the new value, not dragged from 0


def test_reset_and_bad_parameters() -> None:
    f = OneEuroFilter()
    f(0.0, np.zeros(3))
    f.reset()
    np.testing.assert_allclose(f(0.1, np.ones(3)), 1.0)
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff=0.0)
