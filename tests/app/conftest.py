"""App test fixtures: the bundled demo clip and files that look like videos but are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.cv import import_cv2
from app.main import DEMO_CLIP
from fdsm.assets import asset_path


@pytest.fixture
def demo_clip() -> Path:
    """The real demo clip (Pose2Sim, BSD-3, 100 frames at 60 fps, 1080x1920)."""
    path = asset_path(*DEMO_CLIP)
    if not path.is_file():
        pytest.skip(f"demo clip not found at {path}")
    return path


@pytest.fixture
def bad_videos(tmp_path: Path, demo_clip: Path) -> dict[str, Path]:
    """Files a user might pass as --video by mistake, written here in their real formats."""
    cv2 = import_cv2()
    files = {name: tmp_path / name for name in ("empty.mp4", "notes.mp4", "truncated.mp4", "photo.png",
                                                   "photo_named.mp4")}
    files["empty.mp4"].write_bytes(b"")
    files["notes.mp4"].write_text("this is not a video\n" * 50)
    data = demo_clip.read_bytes()
    files["truncated.mp4"].write_bytes(data[: len(data) // 2])
    image = np.zeros((40, 60, 3), np.uint8)
    image[10:30, 20:40] = 200
    cv2.imwrite(str(files["photo.png"]), image)
    files["photo_named.mp4"].write_bytes(files["photo.png"].read_bytes())
    files["missing.mp4"] = tmp_path / "missing.mp4"
    files["folder"] = tmp_path
    return files


@pytest.fixture(scope="session")
def qapp():
    """One QApplication for the session (offscreen: QT_QPA_PLATFORM is set in tests/conftest.py)."""
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["fdsm-live-tests"])


@pytest.fixture(scope="session")
def random_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `live`-preset checkpoint with random (seeded) weights and its ONNX export: untrained, so its scores
    mean nothing, but it exercises the real loading, text encoding, ONNX scoring and JSON path end to end."""
    import torch

    from fdsm.checkpoint import save_checkpoint
    from fdsm.denoiser import Denoiser
    from fdsm.export import export_checkpoint
    from fdsm.presets import get_preset
    from fdsm.skeleton_encoder import SkeletonEncoder
    from fdsm.text import get_text_encoder

    text = get_text_encoder("minilm")
    cfg = get_preset("live")
    torch.manual_seed(0)
    encoder, denoiser = SkeletonEncoder(cfg), Denoiser(cfg)
    with torch.no_grad():  # the zero-initialised output layers would give every label the same error
        for p in denoiser.parameters():
            p.add_(0.02 * torch.randn_like(p))
    folder = tmp_path_factory.mktemp("ckpt") / "random-live"
    save_checkpoint(folder, cfg, {"encoder": encoder, "denoiser": denoiser}, {"text_encoder": text.name})
    export_checkpoint(folder)
    return folder
