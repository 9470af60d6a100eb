"""fdsm-live end to end with the real MediaPipe stream and the real Recognizer (random-weight checkpoint)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cv import import_cv2
from app.main import main

REPO = Path(__file__).resolve().parents[2]


def _labels_file(tmp_path: Path) -> Path:
    path = tmp_path / "labels.txt"
    path.write_text("# one action per line\nsit down\n\nwave\n")
    return path


def test_unreadable_checkpoint_is_one_line(demo_clip: Path, tmp_path: Path, random_checkpoint: Path,
                                           capsys: pytest.CaptureFixture) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in random_checkpoint.iterdir():
        (broken / f.name).write_bytes(f.read_bytes()[:100])  # every file cut short
    for ckpt, needle in ((broken, "broken"), (tmp_path / "nowhere", "does not exist")):
        code = main(["--video", str(demo_clip), "--headless", "--labels", "wave", "--checkpoint", str(ckpt)])
        err = capsys.readouterr().err
        assert code == 2 and needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_default_checkpoint_exits_non_zero_with_a_reason(demo_clip: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("FDSM_ASSETS", str(tmp_path))  # an assets folder without checkpoints/default
    code = main(["--video", str(demo_clip), "--headless", "--labels", "wave"])
    err = capsys.readouterr().err
    assert code == 2 and "no default checkpoint" in err and err.count("\n") == 1


@pytest.mark.slow
def test_no_display_runs_the_headless_replay_of_the_real_demo_clip(random_checkpoint: Path, tmp_path: Path) -> None:
    """What `make live` does on a fresh machine, plus --labels-file, --json and --record on the real clip."""
    out, rec = tmp_path / "out.jsonl", tmp_path / "out.mp4"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "app.main", "--checkpoint", str(random_checkpoint), "--labels",
                           "wave, jump up", "--labels-file", str(_labels_file(tmp_path)), "--json", str(out),
                           "--record", str(rec), "--quiet"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "no display found" in proc.stderr and "demo clip" in proc.stderr
    # only our own lines: no MediaPipe/LiteRT (W0000, INFO:, WARNING:) or FFmpeg chatter
    assert all(line.startswith("fdsm-live: ") for line in proc.stderr.splitlines()), proc.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) >= 3  # a person throughout 1.65 s; windows need 60 % of 2 s, then one every 0.2 s
    for line in lines:
        assert set(line) == {"t", "frame", "persons", "top", "scores"}
        assert list(line["scores"]) == ["wave", "jump up", "sit down"]
        assert sum(line["scores"].values()) == pytest.approx(1.0, abs=1e-3)
        assert line["persons"] == 1 and (line["top"] is None or line["top"] in line["scores"])
    assert [line["t"] for line in lines] == sorted(line["t"] for line in lines)
    cap = import_cv2().VideoCapture(str(rec))
    assert cap.isOpened() and int(cap.get(import_cv2().CAP_PROP_FRAME_COUNT)) == 100
    cap.release()
