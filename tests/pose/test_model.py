"""The offline .task: shipped with the right sha256, rebuilt byte-identically, clear errors when wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fdsm.data.sources import cache_dir
from fdsm.errors import AssetError
from pose.build_task import build_task
from pose.model import TASK_SHA256, default_task_path, task_path

# where pose.model.REBUILD downloads the wheel (~/.cache/fdsm-live/wheels), or FDSM_MEDIAPIPE_WHEEL
WHEEL = Path(os.environ.get("FDSM_MEDIAPIPE_WHEEL")
             or cache_dir() / "wheels" / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl")


def test_shipped_task_verifies() -> None:
    assert task_path() == default_task_path()


def test_missing_task_names_the_rebuild_command(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="python -m pose.build_task"):
        task_path(tmp_path / "nope.task")


def test_corrupt_task_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "pose_landmarker_full.task"
    bad.write_bytes(default_task_path().read_bytes()[:-1] + b"x")
    with pytest.raises(AssetError, match="expected 455f68c60f97"):
        task_path(bad)


def test_estimator_refuses_a_corrupt_model(tmp_path: Path) -> None:
    from pose.estimator import PoseEstimator

    bad = tmp_path / "x.task"
    bad.write_bytes(b"not a model")
    with pytest.raises(AssetError, match="pose.build_task"):
        PoseEstimator(model=bad)


def test_build_rejects_a_file_that_is_not_the_wheel(tmp_path: Path) -> None:
    junk = tmp_path / "junk.whl"
    junk.write_bytes(b"junk")
    with pytest.raises(AssetError, match="not a mediapipe 0.10.21 wheel"):
        build_task(junk, tmp_path / "out.task")
    assert not (tmp_path / "out.task").exists()
    proc = subprocess.run([sys.executable, "-m", "pose.build_task", str(junk), str(tmp_path / "o.task")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "error:" in proc.stderr


@pytest.mark.skipif(not WHEEL.is_file(), reason=f"{WHEEL} not downloaded")
def test_build_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "pose_landmarker_full.task"
    assert build_task(WHEEL, out) == TASK_SHA256
