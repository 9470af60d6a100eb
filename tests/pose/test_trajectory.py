"""Global motion: the root recovered from image + world landmarks, synthetic and on real pixels."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fdsm.skeleton import J
from pose.estimator import PersonLandmarks
from pose.stream import SkeletonMapper, SkeletonStream
from pose.trajectory import default_focal, root_position
from pose.video import iter_frames
from tests.pose.conftest import MAX_SIDE, SINGLE_CLIP, stack

W, H = 640, 480


def project(world: np.ndarray, root: np.ndarray, focal: float) -> np.ndarray:
    """Pinhole image landmarks (normalised x, y) of world points placed at `root` (MediaPipe camera axes)."""
    cam = world + root
    px = focal * cam[:, :2] / cam[:, 2:3] + (W / 2, H / 2)
    return np.concatenate([px / (W, H), cam[:, 2:3]], axis=1).astype(np.float32)


def body(depth_extent: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    world = rng.uniform(-0.5, 0.5, size=(33, 3)) * (0.5, 1.6, depth_extent)
    world -= world[[23, 24]].mean(axis=0)
    return world.astype(np.float32)


@pytest.mark.parametrize("root", [(0.0, 0.0, 3.0), (0.4, -0.3, 2.0), (-1.0, 0.5, 5.0)])
def test_planar_body_root_is_recovered_exactly(root: tuple) -> None:
    world, f = body(0.0), default_focal(W, H)
    est = root_position(project(world, np.array(root), f), np.ones(33), world, W, H)
    np.testing.assert_allclose(est, root, atol=1e-4)


def test_body_with_depth_root_is_close() -> None:
    world, f, root = body(0.3), 700.0, np.array([0.2, -0.1, 3.0])
    est = root_position(project(world, root, f), np.ones(33), world, W, H, focal=f)
    np.testing.assert_allclose(est, root, rtol=0.05, atol=0.03)


def test_degenerate_scale_is_nan() -> None:
    world = np.zeros((33, 3), np.float32)
    image = np.full((33, 3), 0.5, np.float32)
    assert np.isnan(root_position(image, np.ones(33), world, W, H)).all()


def test_focal_default_is_sixty_degrees_across_the_long_side() -> None:
    assert default_focal(W, H) == pytest.approx(320 / np.tan(np.pi / 6))
    assert default_focal(480, 640) == default_focal(640, 480)


def test_synthetic_jump_moves_spine_base_up_and_back() -> None:
    """World landmarks stay hip-centred; only the image position moves. The stream must add the jump back."""
    world, f = body(0.0), default_focal(W, H)
    mapper = SkeletonMapper(smoothing=False)
    heights = np.sin(np.linspace(0, np.pi, 31)) * 0.4  # a 0.4 m jump
    ys = []
    for k, h in enumerate(heights):
        image = project(world, np.array([0.0, 0.5 - h, 3.0]), f)  # MediaPipe y points down
        out = mapper.map_people([PersonLandmarks(image, np.ones(33, np.float32), world)], W, H, k / 30)
        ys.append(out.skeleton[0, J["spine_base"], 1])
    np.testing.assert_allclose(np.array(ys) - ys[0], heights, atol=1e-4)


def test_real_pixels_jump_up_and_back_down() -> None:
    """A real frame shifted up then down on the sensor, as a jump looks, moves the spine base up and back.

    The demo clip has no jump (the subject steps and lunges), so the jump is made from its real pixels:
    frame 0 moved up by up to 40 px and back, 31 frames at 30 fps.
    """
    _, frame = next(iter_frames(SINGLE_CLIP, max_side=MAX_SIDE))
    h, w = frame.shape[:2]
    shifts = np.round(40 * np.sin(np.linspace(0, np.pi, 31))).astype(int)
    with SkeletonStream(mode="video", num_poses=1, smoothing=False) as stream:
        ys, scale = [], []
        for k, dy in enumerate(shifts):
            moved = cv2.warpAffine(frame, np.float32([[1, 0, 0], [0, 1, -dy]]), (w, h), borderMode=cv2.BORDER_REPLICATE)
            out = stream.process(moved, k / 30)
            ys.append(out.skeleton[0, J["spine_base"], 1])
            p = out.landmarks[0]  # pixels per metre: image torso over world torso
            scale.append(np.linalg.norm((p.image[11, :2] - p.image[23, :2]) * (w, h))
                         / np.linalg.norm(p.world[11, :2] - p.world[23, :2]))
    rise = np.array(ys) - ys[0]
    expected_peak = 40 / np.median(scale)  # metres
    assert rise.argmax() in range(10, 21)  # the top of the jump is in the middle
    assert rise.max() == pytest.approx(expected_peak, rel=0.2)  # measured: 0.328 m for 0.321 m expected
    assert abs(rise[-1]) < 0.05  # and it comes back down


def test_real_clip_step_toward_camera_is_kept(single_run: list) -> None:
    """In the demo clip the subject steps toward the camera: the body grows in the image and the root must
    come closer (MediaPipe's world landmarks alone would keep it at the origin)."""
    sk = stack(single_run)[:, 0]
    depth = -sk[:, J["spine_base"], 2]  # y-up axes: the camera looks along -z
    size = [np.linalg.norm(f.landmarks[0].image[0, :2] - f.landmarks[0].image[[27, 28], :2].mean(0))
            for f in single_run]  # nose to ankles, in the image
    assert np.mean(size[-10:]) > np.mean(size[:10])
    assert np.mean(depth[:10]) - np.mean(depth[-10:]) > 0.2
