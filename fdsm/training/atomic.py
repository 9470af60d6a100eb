"""Atomic file writes: write beside the target, then rename, so a kill never leaves half a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp)` on a temporary path in the target's folder, then move it onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def save_npy(path: Path, array: np.ndarray) -> Path:
    """np.save, atomically."""
    return atomic_write(path, lambda tmp: np.save(tmp, array))
