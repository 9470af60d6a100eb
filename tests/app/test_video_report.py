"""`fdsm-bench videos`: the bundled demo clip through the whole pipeline, one row per scored window."""

from __future__ import annotations

import json

import pytest

from app.bench import main as bench
from app.video_report import CLIPS


@pytest.mark.slow
def test_demo_clip_prints_every_scored_window(capsys):
    assert bench(["videos", str(CLIPS[0]), "--labels", "squat, lunge, wave", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["labels"] == ["squat", "lunge", "wave"]
    (rows,) = out["clips"].values()
    assert rows, "the 100-frame demo clip fills at least one 2-s window"
    for row in rows:
        assert row["persons"] == 1 and row["top"] in (None, "squat", "lunge", "wave")
        raw = [label for label, _ in row["raw"]]
        assert sorted(raw) == ["lunge", "squat", "wave"] and row["raw"][0][1] >= row["raw"][-1][1]


def test_a_missing_clip_is_one_line(capsys, tmp_path):
    assert bench(["videos", str(tmp_path / "none.mp4")]) == 2
    assert "not found" in capsys.readouterr().err
