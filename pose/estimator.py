"""MediaPipe PoseLandmarker (Tasks API) behind a small, offline, quiet interface.

Modes: "video" for files (caller-supplied, increasing timestamps), "live" for a camera (timestamps from
`time.monotonic()` when none is given; synchronous, so no frame is dropped behind the caller's back) and
"image" for unrelated stills. Frames are BGR uint8 (H, W, 3) numpy arrays, as OpenCV delivers them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from fdsm.errors import FdsmError
from pose.model import task_path
from pose.video import cv2  # imported there so cv2's Qt plugin path never reaches PySide6

MODES = ("video", "live", "image")
_RUNNING_MODE = {"video": vision.RunningMode.VIDEO, "live": vision.RunningMode.VIDEO, "image": vision.RunningMode.IMAGE}
# Edges of the 33-landmark BlazePose topology, for drawing overlays.
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = tuple(
    (c.start, c.end) for c in vision.PoseLandmarksConnections.POSE_LANDMARKS
)


class FrameError(FdsmError):
    """A frame is not a non-empty BGR uint8 (H, W, 3) numpy array."""


@dataclass(frozen=True)
class PersonLandmarks:
    """One detected person.

    image: (33, 3) float32, x and y normalised to [0, 1] by the frame's width and height, z relative depth.
    visibility: (33,) float32 in [0, 1].
    world: (33, 3) float32 metres, MediaPipe axes (x image-right, y down, z away from the camera),
    origin at the hip centre in every frame.
    """

    image: np.ndarray
    visibility: np.ndarray
    world: np.ndarray


def check_frame(frame: object) -> np.ndarray:
    """Return `frame` as a C-contiguous BGR uint8 (H, W, 3) array, or raise FrameError saying what is wrong."""
    if frame is None:
        raise FrameError("empty frame (None): the video source returned no image")
    if not isinstance(frame, np.ndarray):
        raise FrameError(f"frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise FrameError(f"frame must be uint8 BGR, got dtype {frame.dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise FrameError(f"frame must be shaped (H, W, 3) BGR, got {frame.shape}")
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise FrameError(f"empty frame {frame.shape}")
    return np.ascontiguousarray(frame)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level stderr for the block: LiteRT prints INFO/WARNING chatter at start-up, on the first
    inference and at shutdown. Python exceptions still carry their messages."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


DUPLICATE = 0.25  # mean landmark distance / body height below which two detections are one person


def distinct(people: list[PersonLandmarks], width: int, height: int) -> list[PersonLandmarks]:
    """Drop detections that repeat an earlier one: MediaPipe can return the same body twice when its detector
    re-finds a person it is also tracking; NTU has two body slots and a duplicate would take the second."""
    scale = np.array([width, height], dtype=np.float32)
    kept: list[PersonLandmarks] = []
    for person in people:
        xy = person.image[:, :2] * scale
        if all(np.linalg.norm(xy - k.image[:, :2] * scale, axis=1).mean()
               > DUPLICATE * max(float(body_height(k.image)) * height, 1.0) for k in kept):
            kept.append(person)
    return kept


def body_height(points: np.ndarray) -> np.floating:
    """A person's apparent height: the vertical extent of their (33, 2+) landmarks, in the units of `points`.

    The duplicate test, the tracker's size gate and the second look's cover all scale with it.
    """
    return np.ptp(points[:, 1])


class PoseEstimator:
    """Up to `num_poses` people per frame: 33 image landmarks with visibility and 33 world landmarks each."""

    def __init__(self, mode: str = "video", num_poses: int = 2, min_confidence: float = 0.5,
                 model: Path | None = None, quiet: bool = True) -> None:
        if mode not in MODES:
            raise FdsmError(f"pose mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not 1 <= num_poses <= 2:
            raise FdsmError(f"num_poses must be 1 or 2 (NTU holds at most 2 bodies), got {num_poses}")
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(task_path(model))),
            running_mode=_RUNNING_MODE[mode],
            num_poses=num_poses,
            min_pose_detection_confidence=min_confidence,
            min_pose_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        self._quiet = quiet
        with self._silenced():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._warm = False
        self.mode = mode
        self.num_poses = num_poses
        self._last_ms = -1

    def _silenced(self) -> contextlib.AbstractContextManager:
        return _quiet_stderr() if self._quiet else contextlib.nullcontext()

    def _timestamp_ms(self, t: float | None) -> int:
        """Milliseconds for MediaPipe, forced strictly increasing (it rejects repeats and steps back)."""
        if t is None:
            if self.mode == "video":
                raise FdsmError("video mode needs a timestamp per frame (seconds)")
            t = time.monotonic()
        ms = max(int(round(t * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        return ms

    def detect(self, frame: np.ndarray, t: float | None = None) -> list[PersonLandmarks]:
        """Landmarks of the people in a BGR frame at time `t` seconds (ignored in image mode)."""
        if self._landmarker is None:
            raise FdsmError("pose estimator is closed")
        bgr = check_frame(frame)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        with self._silenced() if not self._warm else contextlib.nullcontext():
            if self.mode == "image":
                result = self._landmarker.detect(image)
            else:
                result = self._landmarker.detect_for_video(image, self._timestamp_ms(t))
        self._warm = True
        people = []
        for lms, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True):
            img = np.array([(p.x, p.y, p.z, p.visibility or 0.0) for p in lms], dtype=np.float32)
            wld = np.array([(p.x, p.y, p.z) for p in world], dtype=np.float32)
            people.append(PersonLandmarks(image=img[:, :3], visibility=img[:, 3], world=wld))
        return distinct(people, frame.shape[1], frame.shape[0])

    def close(self) -> None:
        """Release the MediaPipe graph now (otherwise its finalizer prints an error at interpreter exit)."""
        if self._landmarker is not None:
            with self._silenced():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
