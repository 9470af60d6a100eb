"""`fdsm-bench pose` runs end to end through the real console script and reports its numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.pose.conftest import SINGLE_CLIP

SCRIPT = Path(sys.executable).parent / "fdsm-bench"  # the installed console script, when this venv has it
FALLBACK = [sys.executable, "-c", "import sys, app.bench; sys.exit(app.bench.main())"]
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else FALLBACK


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*COMMAND, "pose", *args], capture_output=True, text=True, timeout=300)


def test_pose_benchmark_json() -> None:
    proc = run("--video", str(SINGLE_CLIP), "--frames", "4", "--sizes", "320x240", "640x480", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["benchmark"] == "pose"
    assert [r["size"] for r in result["sizes"]] == ["320x240", "640x480"]
    for r in result["sizes"]:
        assert r["frames"] == 4 and r["video_fps"] == 60.0
        assert r["detect_ms_mean"] > 0 and r["map_track_window_ms"] > 0


def test_pose_benchmark_bad_input(tmp_path: Path) -> None:
    proc = run("--video", str(tmp_path / "none.mp4"))
    assert proc.returncode == 2 and "not found" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("--video", str(SINGLE_CLIP), "--sizes", "big")
    assert proc.returncode == 2 and "640x480" in proc.stderr
