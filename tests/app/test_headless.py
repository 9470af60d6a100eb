"""Headless replay on the real clip (fake stages): valid JSON lines, a readable timeline, an annotated video;
and through the fdsm-live CLI: every bad input is one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cv import import_cv2
from app.headless import run_headless
from app.main import main
from app.pipeline import Pipeline
from app.smoothing import ScoreSmoother
from tests.app.fakes import FakePose, FakeRecognizer, FakeWindows

LABELS = ["wave", "jump up", "sit down"]


def fake_pipeline() -> Pipeline:
    return Pipeline(FakePose(2), FakeWindows(seconds=0.5, stride=0.2), FakeRecognizer(), LABELS,
                    ScoreSmoother())


def test_json_lines_and_recorded_video(demo_clip: Path, tmp_path: Path) -> None:
    out, rec = tmp_path / "out.jsonl", tmp_path / "annotated.mp4"
    assert run_headless(demo_clip, fake_pipeline, json_out=out, record=rec, progress=False) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 6  # 1.65 s of video, first window at 0.5 s, then every 0.2 s
    for line in lines:
        assert set(line) == {"t", "frame", "persons", "top", "scores"}
        assert line["persons"] == 2 and line["top"] in LABELS
        assert sum(line["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert [line["frame"] for line in lines] == sorted(line["frame"] for line in lines)
    cv2 = import_cv2()
    cap = cv2.VideoCapture(str(rec))
    count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, first = cap.read()
    cap.release()
    assert ok and count == 100 and first.shape[:2] == (960, 540)
    assert not list(tmp_path.glob(".*partial*"))  # temporary files were renamed into place


def test_timeline_on_stdout_without_json(demo_clip: Path, capsys: pytest.CaptureFixture) -> None:
    out = io.StringIO()
    run_headless(demo_clip, fake_pipeline, out=out, progress=False)
    rows = out.getvalue().splitlines()
    assert rows and all(" s  frame " in row for row in rows)
    assert any(label in rows[0] for label in LABELS)
    # the fake recognizer was "trained" on "sit down": said once, on stderr, at the first scored window
    assert capsys.readouterr().err.count("trained on 1 of 3 labels (sit down); zero-shot: wave, jump up") == 1


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize("name", ["missing.mp4", "empty.mp4", "notes.mp4", "truncated.mp4", "photo.png", "folder"])
def test_cli_bad_video_is_one_line_and_exit_2(bad_videos: dict[str, Path], capsys: pytest.CaptureFixture,
                                             name: str) -> None:
    code, err = run_cli(capsys, "--video", str(bad_videos[name]), "--headless")  # default labels: no extra line
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("fdsm-live: error: ") and "Traceback" not in err


@pytest.mark.parametrize(("argv", "needle"), [
    (["--camera", "57", "--headless"], "use --video FILE"),
    (["--labels", " , ,", "--headless"], "no action labels"),
    (["--labels-file", "/nonexistent/labels.txt", "--headless"], "labels.txt: labels file not found"),
    (["--labels-file", "/", "--headless"], "is a folder"),
])
def test_cli_bad_options(capsys: pytest.CaptureFixture, argv: list[str], needle: str) -> None:
    code, err = run_cli(capsys, *argv)
    assert code == 2 and needle in err and err.count("\n") == 1 and "Errno" not in err


def test_many_labels_are_summarised_in_one_short_line() -> None:
    from app.headless import label_kinds

    labels = tuple(f"action number {i}" for i in range(200))
    line = label_kinds(labels, frozenset(labels[:3]))
    assert line == ("fdsm-live: trained on 3 of 200 labels (action number 0, action number 1, action number 2); "
                    "zero-shot: action number 3, action number 4, action number 5, action number 6, "
                    "action number 7 and 192 more")


def test_taught_labels_are_named_apart_from_zero_shot_ones() -> None:
    from app.headless import label_kinds

    line = label_kinds(("squat", "lunge", "step"), frozenset({"squat", "lunge"}), taught={"step": 1})
    assert line == "fdsm-live: trained on 2 of 3 labels (squat, lunge); taught by example: step; zero-shot: none"


def test_cli_bad_output_folder_fails_before_any_work(demo_clip: Path, capsys: pytest.CaptureFixture) -> None:
    code, err = run_cli(capsys, "--video", str(demo_clip), "--headless", "--labels", "wave",
                        "--json", "/nonexistent/dir/out.jsonl")
    assert code == 2 and "does not exist" in err


def test_cli_record_needs_an_mp4_name(demo_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, err = run_cli(capsys, "--video", str(demo_clip), "--headless", "--labels", "wave",
                        "--record", str(tmp_path / "out.avi"))
    assert code == 2 and ".mp4" in err


def test_ctrl_c_keeps_the_lines_already_written(demo_clip: Path, tmp_path: Path) -> None:
    class Interrupted(Pipeline):
        def process(self, frame):
            if frame.index == 60:
                raise KeyboardInterrupt
            return super().process(frame)

    out = tmp_path / "partial.jsonl"
    with pytest.raises(KeyboardInterrupt):
        run_headless(demo_clip, lambda: Interrupted(FakePose(1), FakeWindows(seconds=0.5, stride=0.2),
                                                     FakeRecognizer(), LABELS), json_out=out, progress=False)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["frame"] for line in lines] == [30, 42, 54]  # windows at 0.5, 0.7, 0.9 s, before frame 60
    assert not list(tmp_path.glob(".*partial*"))
