"""PoseEstimator on a fixed image (published landmarks), bad frames, modes and timestamps."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from fdsm.errors import FdsmError
from pose.estimator import FrameError, PoseEstimator, check_frame
from pose.ntu import NUM_LANDMARKS

ASTRONAUT = Path(__file__).resolve().parent / "data" / "astronaut.png"


@pytest.fixture(scope="module")
def image_estimator():
    with PoseEstimator(mode="image", num_poses=1) as est:
        yield est


def test_reproduces_published_astronaut_landmarks(image_estimator: PoseEstimator) -> None:
    # deps.md: mediapipe 0.10.21 solutions.pose (model_complexity=1) on skimage.data.astronaut(), 3 decimals.
    people = image_estimator.detect(cv2.imread(str(ASTRONAUT)))
    assert len(people) == 1
    p = people[0]
    assert p.image.shape == (NUM_LANDMARKS, 3) and p.world.shape == (NUM_LANDMARKS, 3)
    assert p.visibility.shape == (NUM_LANDMARKS,)
    nose = [*p.image[0], p.visibility[0]]
    np.testing.assert_allclose(nose, [0.435, 0.25, -0.83, 0.999], atol=1e-3)
    np.testing.assert_allclose(p.world[11], [0.202, -0.46, -0.051], atol=1e-3)
    np.testing.assert_allclose(p.world[12], [-0.126, -0.458, -0.108], atol=1e-3)


@pytest.mark.parametrize("frame, reason", [
    (np.zeros((48, 64, 3), np.float32), "dtype float32"),
    (np.zeros((48, 64), np.uint8), r"\(H, W, 3\)"),
    (np.zeros((48, 64, 4), np.uint8), r"\(H, W, 3\)"),
    (np.zeros((0, 64, 3), np.uint8), "empty frame"),
    (None, "empty frame"),
    ([[1, 2, 3]], "numpy array"),
])  # fmt: skip
def test_bad_frames_are_clear_errors(image_estimator: PoseEstimator, frame: object, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        image_estimator.detect(frame)


def test_check_frame_makes_views_contiguous() -> None:
    frame = np.zeros((20, 30, 3), np.uint8)[:, ::2]
    assert check_frame(frame).flags["C_CONTIGUOUS"]


def test_blank_frame_has_nobody(image_estimator: PoseEstimator) -> None:
    assert image_estimator.detect(np.full((240, 320, 3), 127, np.uint8)) == []


def test_bad_options_and_closed_estimator() -> None:
    with pytest.raises(FdsmError, match="mode"):
        PoseEstimator(mode="webcam")
    with pytest.raises(FdsmError, match="num_poses"):
        PoseEstimator(num_poses=3)
    est = PoseEstimator(mode="video")
    with pytest.raises(FdsmError, match="timestamp"):
        est.detect(np.zeros((64, 64, 3), np.uint8))
    est.close()
    est.close()  # idempotent
    with pytest.raises(FdsmError, match="closed"):
        est.detect(np.zeros((64, 64, 3), np.uint8), 0.0)


def test_timestamps_are_forced_increasing() -> None:
    frame = cv2.imread(str(ASTRONAUT))
    with PoseEstimator(mode="live", num_poses=1) as est:
        assert len(est.detect(frame)) == 1  # live: monotonic clock
        assert len(est.detect(frame, 0.0)) == 1  # a clock that steps back is not an error
        assert len(est.detect(frame, 0.0)) == 1  # nor is a repeated timestamp


def test_a_body_returned_twice_is_kept_once() -> None:
    from pose.estimator import PersonLandmarks, distinct

    def body(x: float, jitter: float = 0.0) -> PersonLandmarks:
        image = np.zeros((NUM_LANDMARKS, 3), np.float32)
        image[:, 0] = x + jitter * np.cos(np.arange(NUM_LANDMARKS))
        image[:, 1] = np.linspace(0.2, 0.9, NUM_LANDMARKS)
        return PersonLandmarks(image, np.ones(NUM_LANDMARKS, np.float32), np.zeros((NUM_LANDMARKS, 3), np.float32))

    first, again, other = body(0.3), body(0.31, jitter=0.01), body(0.6)
    assert distinct([first, again, other], 1920, 1080) == [first, other]
    # two people side by side, shoulder to shoulder (an embrace seen from the side) stay two
    assert len(distinct([body(0.3), body(0.42)], 1920, 1080)) == 2


def test_body_height_is_the_vertical_extent_in_the_points_units() -> None:
    from pose.estimator import body_height

    image = np.zeros((NUM_LANDMARKS, 3), np.float32)
    image[:, 1] = np.linspace(0.25, 0.75, NUM_LANDMARKS)
    assert body_height(image) == pytest.approx(0.5)
    assert body_height(image[:, :2] * (640, 480)) == pytest.approx(240.0)
