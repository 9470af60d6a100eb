"""Real-video fixtures for the pose tests: each clip is run through the stream once per test session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fdsm.assets import asset_path

DATA = Path(__file__).resolve().parent / "data"
SINGLE_CLIP = asset_path("demo", "pose2sim_single_cam01.mp4")
MULTI_CLIP = DATA / "pose2sim_multi_cam01.mp4"
MAX_SIDE = 480  # decode at reduced size: the tests stay quick and MediaPipe still finds everyone


def run_clip(path: Path, num_poses: int, smoothing: bool = True, limit: int | None = None) -> list:
    from pose.stream import SkeletonStream
    from pose.video import iter_frames

    with SkeletonStream(mode="video", num_poses=num_poses, smoothing=smoothing) as stream:
        return [stream.process(frame, t) for t, frame in iter_frames(path, max_side=MAX_SIDE, limit=limit)]


@pytest.fixture(scope="session")
def single_run() -> list:
    """StreamFrames of the one-person demo clip (100 frames at 60 fps), smoothing off (raw MediaPipe)."""
    return run_clip(SINGLE_CLIP, num_poses=1, smoothing=False)


@pytest.fixture(scope="session")
def multi_run() -> list:
    """StreamFrames of the first 60 frames (1 s) of the two-person clip, default settings."""
    return run_clip(MULTI_CLIP, num_poses=2, limit=60)


def stack(frames: list) -> np.ndarray:
    """(T, 2, 25, 3) skeleton of a run."""
    return np.stack([f.skeleton for f in frames])
