"""Shared fixtures: paths to the repo, the shared data folder, and a synthetic standing skeleton."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One math thread: on a shared 2-core machine, OpenMP's spinning threads slow small models by 10-100x
# whenever the other core is busy (measured: 20 tiny training steps 27 s with 2 threads, 0.4 s with 1).
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("FDSM_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or skip the test cleanly where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def standing_pose() -> np.ndarray:
    """A plausible NTU-25 standing pose in metres (y up), facing +z, the subject's left at +x."""
    p = np.zeros((25, 3), np.float32)
    coords = {
        0: (0, 1.0, 0), 1: (0, 1.25, 0), 20: (0, 1.45, 0), 2: (0, 1.52, 0), 3: (0, 1.65, 0.02),
        4: (0.18, 1.42, 0), 5: (0.2, 1.15, 0), 6: (0.21, 0.9, 0.02), 7: (0.21, 0.84, 0.03),
        21: (0.21, 0.78, 0.04), 22: (0.19, 0.86, 0.06),
        8: (-0.18, 1.42, 0), 9: (-0.2, 1.15, 0), 10: (-0.21, 0.9, 0.02), 11: (-0.21, 0.84, 0.03),
        23: (-0.21, 0.78, 0.04), 24: (-0.19, 0.86, 0.06),
        12: (0.1, 0.95, 0), 13: (0.1, 0.5, 0.02), 14: (0.1, 0.08, 0), 15: (0.1, 0.02, 0.12),
        16: (-0.1, 0.95, 0), 17: (-0.1, 0.5, 0.02), 18: (-0.1, 0.08, 0), 19: (-0.1, 0.02, 0.12),
    }
    for j, xyz in coords.items():
        p[j] = xyz
    return p


@pytest.fixture
def waving_sequence() -> np.ndarray:
    """(60, 25, 3): a standing body waving its right hand above the head, 2 s at 30 fps."""
    base = standing_pose()
    seq = np.repeat(base[None], 60, axis=0).copy()
    phase = np.sin(np.linspace(0, 4 * np.pi, 60))
    for j in (10, 11, 23, 24):
        seq[:, j, 1] = 1.75
        seq[:, j, 0] = -0.3 + 0.15 * phase
    seq[:, 9, 1] = 1.5
    return seq
