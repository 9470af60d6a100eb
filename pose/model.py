"""Locate and verify the offline pose model (`assets/pose/pose_landmarker_full.task`)."""

from __future__ import annotations

from pathlib import Path

from fdsm.assets import asset_path, verified_asset

TASK_NAME = "pose_landmarker_full.task"
TASK_SHA256 = "455f68c60f971f27c45784d918172e9cf4f3dc40fe1013693a78cc2b7e1a18ef"
REBUILD = (
    "rebuild it with: pip download --no-deps --only-binary=:all: --python-version 3.11 "
    "--platform manylinux_2_28_x86_64 -d ~/.cache/fdsm-live/wheels mediapipe==0.10.21 && "
    "python -m pose.build_task ~/.cache/fdsm-live/wheels/mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
)


def default_task_path() -> Path:
    """Where the shipped .task lives (under $FDSM_ASSETS when set)."""
    return asset_path("pose", TASK_NAME)


def task_path(path: Path | None = None) -> Path:
    """The verified .task: `path` or the shipped one; AssetError naming the rebuild command otherwise."""
    return verified_asset(Path(path) if path is not None else default_task_path(), TASK_SHA256, REBUILD)
