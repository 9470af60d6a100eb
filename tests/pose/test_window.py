"""WindowBuffer: exact resampling of irregular timestamps, stride, validity gate, gaps, restarts."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.skeleton import normalize
from pose.window import WindowBuffer
from tests.conftest import standing_pose


def frame_at(t: float, second: bool = False) -> np.ndarray:
    """(2, 25, 3): a standing body sliding along x at 1 m/s; the second slot empty unless asked."""
    f = np.full((2, 25, 3), np.nan, np.float32)
    f[0] = standing_pose() + np.array([t, 0.0, 0.0], np.float32)
    if second:
        f[1] = standing_pose() + np.array([2.0, 0.0, -t], np.float32)
    return f


def feed(buf: WindowBuffer, times: np.ndarray, **kw) -> list:
    return [w for t in times if (w := buf.push(float(t), frame_at(float(t), **kw))) is not None]


def test_irregular_timestamps_are_resampled_exactly_to_the_model_fps() -> None:
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.02, 0.06, size=120))  # 17-50 fps jitter
    wins = feed(WindowBuffer(seconds=2.0, stride=0.5, fps=30.0, min_valid=0.9), times, second=True)
    assert wins
    for w in wins:
        assert w.skeleton.shape == (61, 2, 25, 3) and w.skeleton.dtype == np.float32 and w.fps == 30.0
        grid = w.t_end - (60 - np.arange(61)) / 30.0
        ok = np.isfinite(w.skeleton[:, 0, 0, 0])
        # linear motion is reproduced exactly by linear interpolation at every grid time
        np.testing.assert_allclose(w.skeleton[ok, 0, 0, 0], grid[ok], atol=1e-4)
        np.testing.assert_allclose(w.skeleton[ok, 1, 0, 2], -grid[ok], atol=1e-4)
        assert w.valid_fraction >= 0.9


def test_stride_sets_the_scoring_rate() -> None:
    times = np.arange(0, 10, 1 / 30)
    wins = feed(WindowBuffer(seconds=2.0, stride=0.25, min_valid=0.99), times)
    ends = np.array([w.t_end for w in wins])
    np.testing.assert_allclose(np.diff(ends), 0.25, atol=1 / 30 + 1e-9)
    assert ends[0] >= 2.0 - 1e-9  # before 2 s of history the window is not full enough
    assert len(wins) == pytest.approx((10 - 2) / 0.25, abs=2)


def test_too_little_valid_data_is_not_emitted() -> None:
    buf = WindowBuffer(seconds=1.0, stride=0.1, min_valid=0.6)
    out = []
    for k in range(90):
        t = k / 30
        f = frame_at(t) if k % 3 == 0 or k < 30 else np.full((2, 25, 3), np.nan, np.float32)
        out.append(buf.push(t, f))
    assert any(w is not None for w in out[20:30])  # full first second: windows come out
    assert all(w is None for w in out[60:])  # afterwards the body is seen one frame in three: too sparse


def test_long_gaps_are_nan_not_bridged() -> None:
    buf = WindowBuffer(seconds=2.0, stride=2.0, min_valid=0.0, max_gap=0.25)
    times = [k / 30 for k in range(30)] + [1.5 + k / 30 for k in range(16)]  # nothing between 1.0 and 1.5 s
    wins = feed(buf, np.array(times))
    sk = wins[-1].skeleton
    grid = wins[-1].t_end - (60 - np.arange(61)) / 30.0
    gap = (grid > 0.97 + 1e-6) & (grid < 1.5 - 1e-6)
    assert np.isnan(sk[gap, 0]).all() and np.isfinite(sk[~gap & (grid >= 0), 0]).all()


def test_windows_feed_the_shared_normalization() -> None:
    wins = feed(WindowBuffer(seconds=2.0, stride=1.0), np.arange(0, 3, 1 / 30), second=True)
    x = normalize(wins[0].skeleton, 64)
    assert x.shape == (64, 2, 25, 3) and np.isfinite(x).all()


def test_restart_and_repeated_time() -> None:
    buf = WindowBuffer(seconds=1.0, stride=0.5, min_valid=0.0)
    feed(buf, np.arange(0, 2, 1 / 30))
    assert buf.push(0.0, frame_at(0.0)) is None  # a replay restarted: history is cleared
    assert buf.push(0.0, frame_at(0.0)) is None  # same time: the frame is replaced, not duplicated
    w = feed(buf, np.arange(1 / 30, 0.6, 1 / 30))[0]
    grid = w.t_end - (30 - np.arange(31)) / 30.0
    assert np.isnan(w.skeleton[grid < -1e-9, 0]).all()  # nothing from before the restart leaks in
    assert np.isfinite(w.skeleton[grid > 1e-9, 0]).all()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        WindowBuffer(seconds=0)
    with pytest.raises(ValueError, match=r"\(2, 25, 3\)"):
        WindowBuffer().push(0.0, np.zeros((25, 3)))


def test_resize_keeps_what_is_buffered() -> None:
    """A model loaded after the first frames may want another window length; the rows already there stay."""
    buf = WindowBuffer(seconds=1.0, stride=0.5, min_valid=0.0)
    feed(buf, np.arange(0, 0.9, 1 / 30))
    buf.resize(2.0)
    wins = feed(buf, np.arange(0.9, 2.2, 1 / 30))
    assert wins and all(w.skeleton.shape == (61, 2, 25, 3) for w in wins)
    last = wins[-1]
    assert np.isfinite(last.skeleton[:, 0, 0, 0]).mean() > 0.9  # the rows from before the resize are used
    with pytest.raises(ValueError):
        buf.resize(0.0)
