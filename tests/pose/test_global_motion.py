"""Global motion reaches the scorer: a walk across the frame is a translating skeleton in the normalized window.

MediaPipe's world landmarks are hip-centred in every frame; `pose.trajectory` adds the root back, the
window buffer keeps it, and `fdsm.skeleton.normalize` (the scorer's input) centres on the FIRST frame's
spine base only, so the walk survives as a translation of about its length in torso units.
"""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.skeleton import J, normalize, torso_length
from pose.estimator import PersonLandmarks
from pose.stream import SkeletonMapper
from pose.trajectory import default_focal
from pose.window import WindowBuffer
from tests.pose.test_trajectory import H, W, body, project

FPS, SECONDS, WINDOW_FRAMES = 30.0, 2.0, 32


def walk_windows(distance: float, smoothing: bool) -> list:
    """Windows of a body whose image position moves `distance` metres to the right over 2 s, 3 m away."""
    world, f = body(0.0), default_focal(W, H)
    mapper, buffer = SkeletonMapper(smoothing=smoothing), WindowBuffer(seconds=SECONDS, stride=0.5, fps=FPS)
    windows = []
    for k in range(int(2.5 * FPS) + 1):
        t = k / FPS
        x = -distance / 2 + distance * min(t / SECONDS, 1.0)
        image = project(world, np.array([x, 0.3, 3.0]), f)
        frame = mapper.map_people([PersonLandmarks(image, np.ones(33, np.float32), world)], W, H, t)
        if (win := buffer.push(t, frame.skeleton)) is not None:
            windows.append(win)
    return windows


@pytest.mark.parametrize("smoothing", [False, True])
def test_a_walk_across_the_frame_translates_in_the_scorers_window(smoothing: bool) -> None:
    windows = walk_windows(2.0, smoothing)
    full = next(w for w in windows if w.t_end >= SECONDS - 1e-6)  # the window spanning the whole walk
    base = normalize(full.skeleton, WINDOW_FRAMES)[:, 0, J["spine_base"]]
    raw = full.skeleton[:, 0, J["spine_base"]]
    raw_travel = np.linalg.norm(raw[-1] - raw[0])
    assert raw_travel == pytest.approx(2.0, rel=0.15 if smoothing else 0.02)  # the stream carries the walk
    travel = np.linalg.norm(base[-1] - base[0])
    assert travel == pytest.approx(raw_travel / torso_length(full.skeleton), rel=1e-3)  # and normalize keeps it
    steps = np.linalg.norm(np.diff(base, axis=0), axis=1)
    assert (steps > 0).mean() > 0.9  # it moves throughout the window, not in one jump
    still = normalize(walk_windows(0.0, smoothing)[-1].skeleton, WINDOW_FRAMES)[:, 0, J["spine_base"]]
    assert np.abs(still - still[0]).max() < 1e-3  # standing still stays still
