"""A camera that never hangs the app: a reader thread keeping only the newest frame, and a watchdog.

OpenCV's return codes cannot be trusted for a stalled or unplugged webcam (read() may block forever or keep
saying True), so the watchdog judges the camera by the time of its last new frame. When frames stop for
`stall_after` seconds it abandons the reader (a blocked thread is left to die on its own), and reopens the
camera with growing back-off, reporting each step through `status` and `on_status`. The clock is injected so
tests can drive the watchdog deterministically.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from app.cv import import_cv2
from app.sources import Frame
from fdsm.errors import FdsmError
from pose.video import open_video

BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)


class Capture(Protocol):
    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


def open_camera(index: int) -> Capture:
    """cv2.VideoCapture for a camera index, or a one-line FdsmError when there is no such camera."""
    import_cv2()  # silence OpenCV's V4L probing noise before pose.video opens the device
    return open_video(int(index))


def camera_available(index: int = 0) -> bool:
    """True when camera `index` opens (used to pick the webcam or the demo clip at start-up)."""
    try:
        open_camera(index).release()
    except FdsmError:
        return False
    return True


class CameraSource:
    """FrameSource over a live camera; opens it at once so a missing camera is an immediate error."""

    def __init__(self, index: int = 0, opener: Callable[[int], Capture] = open_camera,
                 clock: Callable[[], float] = time.monotonic, stall_after: float = 2.0,
                 backoff: Sequence[float] = BACKOFF_S, watchdog_interval: float | None = 0.1,
                 on_status: Callable[[str], None] | None = None) -> None:
        self.index = index
        self.name = f"camera {index}"
        self.fps = 30.0  # nominal; the measured rate is shown by the UI
        self.status = ""
        self.reconnects = 0
        self._opener, self._clock, self._stall_after, self._backoff = opener, clock, stall_after, tuple(backoff)
        self._on_status = on_status
        self._lock = threading.Lock()
        self._new = threading.Event()
        self._closed = threading.Event()
        self._latest: Frame | None = None
        self._handed = -1
        self._count = 0
        self._generation = 0
        self._attempt = 0
        self._retry_at = 0.0
        self._live = False
        self._start_reader(opener(index))
        if watchdog_interval:
            threading.Thread(target=self._watch, args=(watchdog_interval,), daemon=True,
                             name="camera-watchdog").start()

    @property
    def finished(self) -> bool:
        return self._closed.is_set()

    def next_frame(self, timeout: float) -> Frame | None:
        """The newest frame not handed out before (older ones are simply overwritten, never queued)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                frame = self._latest
                if frame is not None and frame.index != self._handed:
                    self._handed = frame.index
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closed.is_set():
                return None
            self._new.wait(remaining)
            self._new.clear()

    def check(self) -> None:
        """One watchdog step: detect a stall by frame age, or retry opening when a back-off delay has passed."""
        now = self._clock()
        with self._lock:
            if self._live:
                if now - self._last_frame_at <= self._stall_after:
                    return
                self._live = False
                self._latest = None  # a frame from before the stall is stale by now
                self._generation += 1  # the old reader notices and releases its capture when (if) it wakes
                self._retry_at = now + self._delay()
                msg = (f"{self.name}: no frame for {now - self._last_frame_at:.1f} s; "
                       f"reconnecting in {self._delay():.1f} s")
            elif now < self._retry_at:
                return
            else:
                msg = None
        if msg:
            self._report(msg)
            return
        try:
            cap = self._opener(self.index)
        except FdsmError as exc:
            self._attempt += 1
            self._retry_at = now + self._delay()
            self._report(f"{exc}; retrying in {self._delay():.1f} s")
            return
        self.reconnects += 1
        self._start_reader(cap)
        self._report(f"{self.name}: reconnected")

    def _delay(self) -> float:
        return self._backoff[min(self._attempt, len(self._backoff) - 1)]

    def _start_reader(self, cap: Capture) -> None:
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._live = True
            self._last_frame_at = self._clock()  # grace period for the first frame
        threading.Thread(target=self._read, args=(cap, generation), daemon=True, name="camera-reader").start()

    def _read(self, cap: Capture, generation: int) -> None:
        try:
            while generation == self._generation and not self._closed.is_set():
                ok, image = cap.read()
                if generation != self._generation:
                    break
                if not ok or image is None or image.size == 0:
                    self._closed.wait(0.01)  # a failing read: let the watchdog judge by frame age
                    continue
                with self._lock:
                    self._latest = Frame(image, self._clock(), self._count)
                    self._count += 1
                    self._last_frame_at = self._clock()
                    self._attempt = 0
                self._new.set()
        finally:
            cap.release()

    def _watch(self, interval: float) -> None:
        while not self._closed.wait(interval):
            self.check()

    def _report(self, msg: str) -> None:
        self.status = msg
        if self._on_status:
            self._on_status(msg)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._generation += 1
        self._new.set()
