"""`fdsm-bench live --json` launches the app's worker in fresh processes and prints one JSON object with, per clip,
the processed frame rate, stage latencies, first-answer time and peak memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.bench import main as bench_main
from app.cv import import_cv2


def short_clip(src: Path, dst: Path, frames: int) -> Path:
    """The first `frames` frames of `src`, re-encoded as mp4v (a real video file written here)."""
    cv2 = import_cv2()
    cap = cv2.VideoCapture(str(src))
    writer = None
    for _ in range(frames):
        ok, image = cap.read()
        assert ok
        image = cv2.resize(image, (270, 480))
        if writer is None:
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (270, 480))
        writer.write(image)
    writer.release()
    cap.release()
    return dst


@pytest.mark.slow
def test_bench_live_json(demo_clip: Path, random_checkpoint: Path, tmp_path: Path,
                         capsys: pytest.CaptureFixture) -> None:
    clip = short_clip(demo_clip, tmp_path / "short.mp4", 45)
    code = bench_main(["live", "--video", str(clip), "--video2", str(clip), "--checkpoint", str(random_checkpoint),
                       "--seconds", "1", "--labels", "wave, jump up", "--without", "pose-downscale", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(out) == 1
    result = json.loads(out[0])
    assert result["labels"] == 2 and result["without"] == ["pose-downscale"]
    assert set(result["clips"]) == {"1 person", "2 persons"}
    for run in result["clips"].values():
        assert run["fps"] > 0 and run["pose_ms_p50"] > 0 and run["first_answer_s"] > 0 and run["peak_rss_mb"] > 100
        assert run["persons_per_window"] == pytest.approx(1.0) and run["errors"] == []


def test_bench_live_bad_video_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert bench_main(["live", "--video", str(tmp_path / "missing.mp4")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing.mp4" in err[0]
