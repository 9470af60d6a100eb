"""`fdsm-bench live --json` prints one JSON object with both rates, measured in the same run."""

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
    code = bench_main(["live", "--video", str(clip), "--checkpoint", str(random_checkpoint), "--repeat", "1",
                       "--labels", "wave, jump up", "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(out) == 1
    result = json.loads(out[0])
    assert result["frames"] == 45 and result["labels"] == 2 and result["source_fps"] == 30.0
    assert result["pose_only_fps"] > 0 and result["pipeline_fps"] > 0
    assert result["ratio"] == pytest.approx(result["pipeline_fps"] / result["pose_only_fps"], rel=1e-2)
    assert result["scored_windows"] >= 1 and "score_ms_p50" in result and "pose_ms_p95" in result
