"""On every clip the project ships, with the bundled checkpoint and real MediaPipe, the JSON `top` of every row is
the argmax of the `scores` printed beside it, or null (unsure / nothing matches): one decision, one set of scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.main import main
from fdsm.assets import asset_path

REPO = Path(__file__).resolve().parents[2]
CLIPS = {"demo": asset_path("demo", "pose2sim_single_cam01.mp4"),
         "multi": REPO / "tests" / "pose" / "data" / "pose2sim_multi_cam01.mp4"}
LABELS = "wave, clap, drink water, sit down, phone call, jump up, kick, squat, punching, hugging"


@pytest.mark.slow
@pytest.mark.parametrize("raw", [False, True], ids=["smoothed", "raw"])
@pytest.mark.parametrize("clip", sorted(CLIPS))
def test_every_row_names_the_argmax_of_its_scores_or_nothing(clip: str, raw: bool, tmp_path: Path) -> None:
    if not CLIPS[clip].is_file():
        pytest.skip(f"{CLIPS[clip]} not found")
    out = tmp_path / "out.jsonl"
    argv = ["--video", str(CLIPS[clip]), "--headless", "--quiet", "--labels", LABELS, "--json", str(out)]
    assert main(argv + (["--raw"] if raw else [])) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows  # 100 frames at 60 fps: a person throughout, windows from 1.2 s on
    for row in rows:
        assert row["top"] is None or row["scores"][row["top"]] == max(row["scores"].values()), row
