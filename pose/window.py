"""Sliding windows over the skeleton stream: the last `seconds` of every body, resampled to the model's fps.

Frames arrive at the camera's irregular times; the model was trained on sequences at a fixed rate (30 fps).
Each window is the stream linearly interpolated onto the regular grid t_end - seconds, ..., t_end (step
1 / fps). A grid point with no sample within `max_gap` on either side, or before the first sample, is NaN
(missing), never zero. Every `stride` seconds one window is due; it is emitted only when the main body is
present in at least `min_valid` of its frames. Windows are RAW metres: the recognizer applies
`fdsm.skeleton.normalize`, the one normalization shared with training.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from fdsm.skeleton import DEFAULT_FPS, MAX_BODIES, NUM_JOINTS, valid_fraction


@dataclass(frozen=True)
class Window:
    """(T, M, 25, 3) float32 raw skeleton at `fps`, ending at `t_end` seconds."""

    skeleton: np.ndarray
    fps: float
    t_end: float
    valid_fraction: float


class WindowBuffer:
    """Ring buffer of the last `seconds` of frames; `push` returns a Window every `stride` seconds."""

    def __init__(self, seconds: float = 2.0, stride: float = 0.25, fps: float = DEFAULT_FPS,
                 min_valid: float = 0.6, max_gap: float = 0.25, max_bodies: int = MAX_BODIES) -> None:
        if seconds <= 0 or stride <= 0 or fps <= 0 or not 0 <= min_valid <= 1:
            raise ValueError("window seconds, stride and fps must be > 0 and min_valid in [0, 1]")
        self.stride, self.fps = stride, fps
        self.min_valid, self.max_gap, self.max_bodies = min_valid, max_gap, max_bodies
        self.resize(seconds)
        self.reset()

    def resize(self, seconds: float) -> None:
        """Change the window length, keeping what is buffered (a model loaded later may want another length)."""
        if seconds <= 0:
            raise ValueError("window seconds must be > 0")
        self.length = int(round(seconds * self.fps)) + 1
        self.seconds = seconds

    def reset(self) -> None:
        self._times: deque[float] = deque()
        self._frames: deque[np.ndarray] = deque()
        self._next_due: float | None = None

    def push(self, t: float, frame: np.ndarray) -> Window | None:
        """Add one frame `(M, 25, 3)` observed at `t` seconds; return the window if one is due and valid.

        A time earlier than the last one (a replay restarted) clears the buffer; an equal time replaces
        the last frame.
        """
        frame = np.asarray(frame, dtype=np.float32)
        if frame.shape != (self.max_bodies, NUM_JOINTS, 3):
            raise ValueError(f"window frame must be ({self.max_bodies}, 25, 3), got {frame.shape}")
        if self._times and t < self._times[-1]:
            self.reset()
        if self._times and t == self._times[-1]:
            self._frames[-1] = frame
        else:
            self._times.append(t)
            self._frames.append(frame)
        start = t - self.seconds
        while len(self._times) > 1 and self._times[1] <= start:  # keep one sample at or before the start
            self._times.popleft()
            self._frames.popleft()
        if self._next_due is None:
            self._next_due = t + self.stride
        if t < self._next_due:
            return None
        self._next_due += self.stride * max(1, int((t - self._next_due) // self.stride) + 1)
        skeleton = self.resampled(t)
        frac = valid_fraction(skeleton)
        if frac < self.min_valid:
            return None
        return Window(skeleton, self.fps, t, frac)

    def resampled(self, t_end: float) -> np.ndarray:
        """The buffer on the regular grid ending at `t_end`: (length, M, 25, 3), NaN where data is missing."""
        times = np.fromiter(self._times, dtype=np.float64, count=len(self._times))
        data = np.stack(self._frames).reshape(len(times), -1)
        grid = t_end - (self.length - 1 - np.arange(self.length)) / self.fps
        hi = np.clip(np.searchsorted(times, grid, side="left"), 0, len(times) - 1)
        lo = np.clip(hi - 1, 0, None)
        exact = np.isclose(times[hi], grid, atol=1e-9)
        lo = np.where(exact, hi, lo)
        span = times[hi] - times[lo]
        w = np.where(span > 0, (grid - times[lo]) / np.where(span > 0, span, 1.0), 0.0)
        out = data[lo] * (1 - w[:, None]) + data[hi] * w[:, None]
        missing = (grid < times[0] - 1e-9) | (grid > times[-1] + 1e-9) | (span > self.max_gap)
        out[missing] = np.nan
        return out.reshape(self.length, self.max_bodies, NUM_JOINTS, 3).astype(np.float32)
