"""Frame sources: a video file read frame by frame (headless) or replayed at its own frame rate (window).

A source hands out the frame that is due *now*: when the consumer falls behind, frames are skipped, never
queued, so the picture and the scores stay live.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

import numpy as np

from app.cv import import_cv2
from fdsm.errors import FdsmError
from pose.video import fit_size, open_video, video_fps


@dataclass(frozen=True)
class Frame:
    """One BGR uint8 (H, W, 3) image, its time in seconds on the source's clock and its frame number."""

    image: np.ndarray
    t: float
    index: int


class FrameSource(Protocol):
    """What the pipeline runner reads from: a camera or a replayed file."""

    name: str
    fps: float

    def next_frame(self, timeout: float) -> Frame | None:
        """The newest frame not yet handed out, waiting at most `timeout` s; None if there is none yet."""

    @property
    def finished(self) -> bool:
        """True once a non-looping source has nothing more to give."""

    def close(self) -> None: ...


class VideoFile:
    """A video file opened and checked up front, so a bad file is one clear error, not a silent empty run."""

    def __init__(self, path: str | Path, max_side: int | None = None) -> None:
        self.path = Path(path)
        cv2 = import_cv2()
        check_video_path(self.path, cv2)
        self._cap = open_video(self.path)
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise FdsmError(f"{self.path}: no frame could be decoded (truncated or corrupt video)")
        self.fps = video_fps(self._cap)
        count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frame_count = count if count > 0 else None
        self.size = fit_size(first.shape[1], first.shape[0], max_side)
        self.name = self.path.name
        self._cv2 = cv2
        self._pending: np.ndarray | None = first
        self.position = 0  # index of the next frame read() returns

    def read(self) -> Frame | None:
        """The next frame in file order, or None at the end."""
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            ok, image = self._cap.read()
            if not ok or image is None:
                return None
        if (image.shape[1], image.shape[0]) != self.size:
            image = self._cv2.resize(image, self.size, interpolation=self._cv2.INTER_AREA)
        frame = Frame(image, self.position / self.fps, self.position)
        self.position += 1
        return frame

    def skip(self) -> bool:
        """Advance one frame without decoding it for the caller; False at the end."""
        if self._pending is not None:
            self._pending = None
        elif not self._cap.grab():
            return False
        self.position += 1
        return True

    def seek(self, index: int) -> None:
        """Jump to frame `index` (clamped to the file)."""
        last = (self.frame_count - 1) if self.frame_count else index
        index = max(0, min(int(index), last))
        self._pending = None
        self._cap.set(self._cv2.CAP_PROP_POS_FRAMES, index)
        self.position = index

    def truncation_note(self) -> str | None:
        """A one-line reason when fewer frames decoded than the header promised (called at the end)."""
        if self.frame_count and self.position < 0.9 * self.frame_count:
            return f"{self.path}: video ended after {self.position} of {self.frame_count} frames (truncated?)"
        return None

    def close(self) -> None:
        self._cap.release()


def check_video_path(path: Path, cv2: ModuleType | None = None) -> None:
    """Raise a one-line FdsmError for a path that cannot be a video: missing, a folder, empty, an image.

    OpenCV happily "opens" a still image as a one-frame video and an empty file as nothing at all; both
    deserve their own message.
    """
    if not path.exists():
        raise FdsmError(f"video file not found: {path}")
    if path.is_dir():
        raise FdsmError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise FdsmError(f"{path}: is empty (0 bytes)")
    cv2 = cv2 or import_cv2()
    if cv2.haveImageReader(str(path)):
        raise FdsmError(f"{path}: is a still image, not a video (give an .mp4, .avi, .mov, ... file)")


class Replay:
    """Replays a VideoFile at the file's frame rate with pause, seek and loop; drops frames the reader missed.

    After `decode_ahead()` the decoding (and the skipping of missed frames) runs on a thread of its own, so the
    caller's pose estimation and the 1080p decoding use both cores; one decoded frame is held at most.
    """

    def __init__(self, video: VideoFile, loop: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.video = video
        self.name = video.name
        self.fps = video.fps
        self.loop = loop
        self.dropped = 0
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._paused = False
        self._done = False
        self._show_once = False
        self._loop_offset = 0.0
        self._anchor = (clock(), 0)  # (clock time, frame index) that plays at that time
        self._slot: Frame | None = None  # the decoder thread's frame, waiting for the caller
        self._slot_changed = threading.Condition()
        self._generation = 0  # bumped by seek: a frame decoded before it is discarded
        self._decoder: threading.Thread | None = None
        self._closed = False

    def decode_ahead(self) -> None:
        """From now on decode on a thread of its own: the next due frame is ready when the caller asks."""
        if self._decoder is None:
            self._decoder = threading.Thread(target=self._decode_loop, daemon=True, name="replay-decoder")
            self._decoder.start()

    @property
    def finished(self) -> bool:
        return self._done and self._slot is None

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            if paused == self._paused:
                return
            self._paused = paused
            if not paused:  # restart the clock from where playback stopped
                self._anchor = (self._clock(), self.video.position)
        self._wake.set()

    def seek(self, index: int) -> None:
        """Jump to a frame; the next call hands it out even while paused, so the picture follows the slider."""
        with self._lock:
            self.video.seek(index)
            self._anchor = (self._clock(), self.video.position)
            self._show_once = True
            self._done = False
            with self._slot_changed:  # a frame decoded before the seek must not be shown after it
                self._slot, self._generation = None, self._generation + 1
                self._slot_changed.notify_all()
        self._wake.set()

    def next_frame(self, timeout: float) -> Frame | None:
        if self._decoder is None:
            return self._next_due(timeout)[0]
        deadline = time.monotonic() + timeout
        with self._slot_changed:
            while self._slot is None and not self._done and (left := deadline - time.monotonic()) > 0:
                self._slot_changed.wait(left)
            frame, self._slot = self._slot, None
            self._slot_changed.notify_all()
        return frame

    def _next_due(self, timeout: float) -> tuple[Frame | None, int]:
        """The frame due now (or None, after waiting up to `timeout` for one) and the seek generation it is of."""
        with self._lock:
            frame, generation = self._due_frame(), self._generation
        if frame is None and not self._done:
            self._wake.wait(min(timeout, self._wait_hint()))
            self._wake.clear()
        return frame, generation

    def _decode_loop(self) -> None:
        while not self._closed:
            with self._slot_changed:
                while self._slot is not None and not self._closed:  # hold one frame, never a queue
                    self._slot_changed.wait()
            if self._done:  # the end of a non-looping file: wait for a seek or close
                self._wake.wait(0.1)
                self._wake.clear()
                continue
            frame, generation = self._next_due(0.1)
            with self._slot_changed:
                if frame is not None and generation == self._generation and not self._closed:
                    self._slot = frame
                self._slot_changed.notify_all()  # a frame, or the end of the file

    def _wait_hint(self) -> float:
        if self._paused:
            return 1.0
        start, index = self._anchor
        return max(0.0, (self.video.position - index) / self.fps - (self._clock() - start))

    def _due_frame(self) -> Frame | None:
        if self._show_once:
            self._show_once = False
            return self._read_or_wrap()
        if self._paused or self._done:
            return None
        start, index = self._anchor
        due = index + int((self._clock() - start) * self.fps)
        count = self.video.frame_count
        if count and self.video.position >= count:  # past the last frame: wrap (loop) or finish
            return self._read_or_wrap()
        if count:
            due = min(due, count - 1)  # very late near the end: still show the last frame
        if due < self.video.position:
            return None
        while self.video.position < due:  # we are late: drop what was missed instead of queueing it
            if not self.video.skip():
                break
            self.dropped += 1
        return self._read_or_wrap()

    def _read_or_wrap(self) -> Frame | None:
        """The next frame; at the end, wrap to the start (loop) or finish. Time keeps running across a loop
        (t = loops x duration + file time), so a looping clip is scored as one continuous stream."""
        frame = self.video.read()
        if frame is None and self.loop and self.video.position > 0:
            self._loop_offset += self.video.position / self.fps
            self.video.seek(0)
            self._anchor = (self._clock(), 0)
            frame = self.video.read()
        if frame is None:
            self._done = True
            return None
        return Frame(frame.image, frame.t + self._loop_offset, frame.index)

    def close(self) -> None:
        self._done = self._closed = True
        with self._slot_changed:
            self._slot_changed.notify_all()
        self._wake.set()
        if self._decoder is not None:
            self._decoder.join(2.0)
        with self._lock:
            self.video.close()
