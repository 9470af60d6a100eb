"""Frame sources: video files and cameras through OpenCV, as (seconds, BGR uint8 frame) pairs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from fdsm.errors import FdsmError

# cv2 points Qt at its bundled Qt5 plugins; the app runs Qt6 (PySide6), so do not let that leak.
if os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").startswith(os.path.dirname(cv2.__file__)):
    del os.environ["QT_QPA_PLATFORM_PLUGIN_PATH"]

DEFAULT_FPS = 30.0


def open_video(source: str | Path | int) -> cv2.VideoCapture:
    """Open a video file or a camera index; FdsmError with the reason when it cannot be read."""
    if isinstance(source, int):
        cap = cv2.VideoCapture(source)
        if not cap.isOpened():
            raise FdsmError(f"camera {source} cannot be opened (no such device, or it is in use)")
        return cap
    path = Path(source)
    if not path.is_file():
        raise FdsmError(f"video file not found: {path}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise FdsmError(f"{path}: not a video OpenCV can decode")
    return cap


def video_fps(cap: cv2.VideoCapture) -> float:
    """The stream's frame rate, or 30 when the container does not say."""
    fps = cap.get(cv2.CAP_PROP_FPS)
    return float(fps) if fps and np.isfinite(fps) and fps > 0 else DEFAULT_FPS


def fit_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """(width, height) scaled down so the longer side is at most `max_side` (never scaled up)."""
    if not max_side or max(width, height) <= max_side:
        return width, height
    k = max_side / max(width, height)
    return max(1, round(width * k)), max(1, round(height * k))


def shrink(frame: np.ndarray, max_side: int | None) -> np.ndarray:
    """`frame` scaled down (area averaging) so its longer side is at most `max_side`; the same array if it fits."""
    w, h = fit_size(frame.shape[1], frame.shape[0], max_side)
    if (w, h) == (frame.shape[1], frame.shape[0]):
        return frame
    return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)


def letterbox(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`frame` scaled to fit inside size=(w, h) with its aspect ratio kept, centred on black."""
    w, h = size
    fw, fh = frame.shape[1], frame.shape[0]
    k = min(w / fw, h / fh)
    nw, nh = max(1, round(fw * k)), max(1, round(fh * k))
    out = np.zeros((h, w, 3), dtype=np.uint8)
    x0, y0 = (w - nw) // 2, (h - nh) // 2
    out[y0:y0 + nh, x0:x0 + nw] = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


def iter_frames(source: str | Path | int, max_side: int | None = None,
                size: tuple[int, int] | None = None, limit: int | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (t seconds, BGR frame) from a file (t = index / fps) or a camera (t = time.monotonic()).

    `size=(w, h)` letterboxes every frame to exactly that size; otherwise `max_side` shrinks it keeping the
    aspect ratio.
    A file that yields no frame at all raises FdsmError.
    """
    cap = open_video(source)
    fps = video_fps(cap)
    live = isinstance(source, int)
    try:
        index = 0
        while limit is None or index < limit:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            frame = letterbox(frame, size) if size is not None else shrink(frame, max_side)
            t = time.monotonic() if live else index / fps
            yield t, frame
            index += 1
        if index == 0:
            raise FdsmError(f"{source}: the video has no readable frames")
    finally:
        cap.release()
