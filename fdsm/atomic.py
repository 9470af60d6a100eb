"""Atomic file writes: write beside the target, then rename, so a kill never leaves half a file.

NumPy only, so every part of the project (pose/ included) writes files the same way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` on a temporary path in the target's folder, then move it onto `path`.

    The temporary name keeps the target's suffix and is unique per process and thread; it is removed if
    `write` fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path`, atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def save_npy(path: Path, array: np.ndarray) -> Path:
    """np.save, atomically (through a file object, so numpy never renames the temporary file)."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.save(f, array)

    return atomic_write(path, write)
