"""A real window on a real X server (Xvfb): it opens, plays the clip, draws skeletons, and its screenshot is
not blank. Skipped where xvfb-run is not installed (CI installs it in .ci/run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cv import import_cv2
from app.overlay import PERSON_COLORS

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed (apt-get install xvfb)")
def test_real_window_screenshot_is_not_blank(demo_clip: Path, random_checkpoint: Path, tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")  # keep the user's QSettings untouched
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, "-m", "app.main", "--video",
           str(demo_clip), "--checkpoint", str(random_checkpoint), "--labels", "throw, jump up, squat",
           "--quit-after", "20", "--screenshot", str(shot)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    image = import_cv2().imread(str(shot))
    assert image is not None and image.shape[0] > 400 and image.shape[1] > 600
    assert image.std() > 20  # not a flat colour
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 1000  # video content, not just the empty layout
    drawn = [np.all(np.abs(image.astype(int) - (b, g, r)) < 30, axis=2).sum() for r, g, b in PERSON_COLORS]
    assert max(drawn) > 200  # the tracked person's skeleton is drawn over the video in their slot's colour
    assert (tmp_path / "config" / "FDSM Live" / "fdsm-live.conf").is_file()  # labels remembered on close
