"""Files the app writes (--json lines, --record video), each built under a temporary name and renamed into place."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from app.cv import import_cv2
from app.pipeline import Scored
from fdsm.errors import FdsmError


def check_output_folder(path: Path) -> Path:
    """`path` if its folder exists (checked before any slow work), else a one-line FdsmError."""
    if not path.parent.is_dir():
        raise FdsmError(f"{path}: folder {path.parent} does not exist")
    return path


class JsonLines:
    """One JSON object per line into `path`, atomically renamed into place by close()."""

    def __init__(self, path: str | Path) -> None:
        self.path = check_output_folder(Path(path))
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.partial")
        self._file = open(self._tmp, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def write(self, scored: Scored) -> None:
        self._file.write(json.dumps(scored.to_json()) + "\n")

    def close(self) -> None:
        self._file.close()
        os.replace(self._tmp, self.path)


class Recorder:
    """Writes BGR frames to `path`; opened on the first frame (its size), renamed into place on close()."""

    def __init__(self, path: str | Path, fps: float) -> None:
        self.path = Path(path)
        if self.path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
            raise FdsmError(f"{self.path}: --record writes mp4 video; use a .mp4 file name")
        check_output_folder(self.path)
        self.fps = fps
        self.frames = 0
        self._tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.partial{self.path.suffix}")
        self._writer = None

    def write(self, image: np.ndarray) -> None:
        if self._writer is None:
            cv2 = import_cv2()
            h, w = image.shape[:2]
            self._size = (w, h)
            self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise FdsmError(f"{self.path}: cannot write video here (permissions or disk?)")
        if (image.shape[1], image.shape[0]) != self._size:  # a source may change size (e.g. dropped video)
            image = import_cv2().resize(image, self._size)
        self._writer.write(image)
        self.frames += 1

    def close(self) -> None:
        """Finish the file and move it into place; nothing is left behind when no frame was written."""
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        os.replace(self._tmp, self.path)
