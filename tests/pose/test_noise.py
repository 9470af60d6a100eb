"""`fdsm-bench pose-noise`: the jitter estimator on known noise, the robust summary, and one real clip."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.bench import main as bench
from pose import noise
from tests.pose.conftest import SINGLE_CLIP


def test_jitter_recovers_white_noise_on_a_smooth_motion():
    rng = np.random.default_rng(0)
    t = np.arange(3000) / 60.0
    motion = np.stack([0.3 * np.sin(2 * np.pi * 0.5 * t), 0.1 * t, np.zeros_like(t)], axis=1)  # slow, curved
    res = noise.jitter(motion + rng.normal(0.0, 0.01, motion.shape), noise.sg_frames(60.0))
    assert np.sqrt(np.mean(res**2)) == pytest.approx(0.01, rel=0.05)
    assert np.abs(noise.jitter(motion, noise.sg_frames(60.0))).max() < 1e-3  # the motion itself is not jitter


def test_fit_window_is_odd_and_follows_the_frame_rate():
    assert noise.sg_frames(60.0) == 19 and noise.sg_frames(30.0) == 9 and noise.sg_frames(5.0) == 5
    w = noise.savgol_weights(9)
    assert w.sum() == pytest.approx(1.0) and w @ (np.arange(9) - 4.0) ** 2 == pytest.approx(0.0, abs=1e-9)


def test_summary_is_the_median_over_clips():
    def clip(scale: float) -> dict:
        figures = {"jitter_mm": dict.fromkeys(noise.GROUPS, 10.0 * scale), "depth_mm": 20.0 * scale,
                   "across_mm": 10.0 * scale, "root_mm": dict.fromkeys("xyz", scale), "samples": 50}
        return {"raw": figures}

    summary = noise.median_over_clips([clip(1.0), clip(1.2), clip(30.0)], "raw")  # one clip swapped sides
    assert summary["jitter_mm"]["trunk"] == pytest.approx(12.0) and summary["depth_ratio"] == pytest.approx(2.0)


def test_missing_video_is_one_line(capsys):
    assert bench(["pose-noise", "no/such/clip.mp4"]) != 0
    err = capsys.readouterr().err
    assert "no such video" in err and "Traceback" not in err


def test_real_clip_prints_the_figures(capsys):
    assert bench(["pose-noise", str(SINGLE_CLIP), "--frames", "40", "--num-poses", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    clip = result["videos"][0]
    assert clip["video_fps"] == 60.0 and clip["missing_frames"] == 0.0
    raw, smooth = clip["raw"]["jitter_mm"], clip["smoothed"]["jitter_mm"]
    assert 0 < raw["trunk"] < raw["hands_feet"] < 100  # extremities jitter most
    assert all(smooth[g] < raw[g] for g in noise.GROUPS)  # the live smoothing removes part of it
