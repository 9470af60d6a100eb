"""Test doubles for the pipeline's parts: a pose stage, a window buffer, a recognizer and a camera capture.

They follow the Protocols in app.pipeline / app.camera, so the pipeline, the headless replay and the window are
exercised on real video frames without MediaPipe timing or a trained checkpoint deciding the outcome.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from tests.conftest import standing_pose


@dataclass
class FakeLandmarks:
    image: np.ndarray
    visibility: np.ndarray


@dataclass
class FakePoseOutput:
    t: float
    skeleton: np.ndarray
    persons: int
    track_ids: tuple
    landmarks: tuple


class FakePose:
    """One person whose right hand height follows the frame's mean brightness (so real frames drive it)."""

    def __init__(self, persons: int = 1) -> None:
        self.persons = persons
        self.times: list[float] = []
        self.closed = False

    def process(self, frame: np.ndarray, t: float | None) -> FakePoseOutput:
        self.times.append(t)
        skel = np.full((2, 25, 3), np.nan, np.float32)
        lms: list[FakeLandmarks | None] = [None, None]
        for slot in range(self.persons):
            body = standing_pose() + np.float32([slot * 0.8, 0, 0])
            body[11, 1] = 1.0 + float(frame.mean()) / 255.0
            skel[slot] = body
            img = np.zeros((33, 3), np.float32)
            img[:, 0] = 0.3 + 0.4 * slot + 0.005 * np.arange(33)
            img[:, 1] = np.linspace(0.1, 0.9, 33)
            lms[slot] = FakeLandmarks(img, np.ones(33, np.float32))
        return FakePoseOutput(t, skel, self.persons, tuple(range(self.persons)) + (None,) * (2 - self.persons),
                              tuple(lms))

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeWindow:
    skeleton: np.ndarray
    fps: float
    t_end: float


@dataclass
class FakeWindows:
    """Emits the rows of the last `seconds` every `stride` seconds (no resampling: rows are frames)."""

    seconds: float = 0.5
    stride: float = 0.2
    rows: list = field(default_factory=list)
    resets: int = 0
    _next: float | None = None

    def reset(self) -> None:
        self.rows, self._next = [], None
        self.resets += 1

    def push(self, t: float, skeleton: np.ndarray) -> FakeWindow | None:
        self.rows.append((t, skeleton))
        self.rows = [(s, r) for s, r in self.rows if s > t - self.seconds]
        if self._next is None:
            self._next = t + self.seconds
        if t < self._next:
            return None
        self._next = t + self.stride
        return FakeWindow(np.stack([r for _, r in self.rows]), 30.0, t)


@dataclass
class FakeResult:
    top: str | None
    scores: dict[str, float]
    errors: dict[str, float]
    matches: dict[str, object]
    trained: dict[str, bool]


class FakeRecognizer:
    """Softmax over labels of a score that depends on the window's right-hand height; rejects flat windows."""

    def __init__(self, reject_below: float = 0.0) -> None:
        self.labels: list[str] = []
        self.calls = 0
        self.reject_below = reject_below

    def set_labels(self, labels: list[str]) -> None:
        if not labels:
            raise ValueError("empty")
        self.labels = list(labels)

    def recognize(self, skeleton: np.ndarray, fps: float = 30.0) -> FakeResult:
        self.calls += 1
        hand = float(np.nanmean(skeleton[:, 0, 11, 1]))
        logits = np.array([-abs(hand - (1.0 + i / max(1, len(self.labels)))) * 8 for i in range(len(self.labels))])
        p = np.exp(logits - logits.max())
        p /= p.sum()
        scores = dict(zip(self.labels, p.tolist(), strict=True))
        top = self.labels[int(p.argmax())] if p.max() >= self.reject_below else None
        return FakeResult(top, scores, {k: -v for k, v in scores.items()},
                          {k: ("jump up" if k == "jump" else None) for k in self.labels},
                          {k: k == "sit down" for k in self.labels})


class FakeCapture:
    """A camera: numbered frames until `stop_after`, then read() blocks (as an unplugged webcam can)."""

    def __init__(self, stop_after: int | None = None, shape: tuple[int, int] = (48, 64)) -> None:
        self.stop_after = stop_after
        self.shape = shape
        self.reads = 0  # frames returned
        self.calls = 0  # read() calls entered: calls > reads means the previous frame was stored
        self.released = threading.Event()
        self._unblock = threading.Event()

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.calls += 1
        if self.stop_after is not None and self.reads >= self.stop_after:
            self._unblock.wait(5.0)
            return False, None
        self.reads += 1
        self._unblock.wait(0.002)
        return True, np.full((*self.shape, 3), self.reads % 256, np.uint8)

    def release(self) -> None:
        self.released.set()
        self._unblock.set()
