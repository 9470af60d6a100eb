"""The pipeline on real frames with fake stages: windows are scored at the stride, labels change safely,
time jumps (seek, loop) start fresh windows, and the JSON line has exactly the documented keys."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.pipeline import Pipeline
from app.smoothing import ScoreSmoother
from app.sources import Frame, VideoFile
from tests.app.fakes import FakePose, FakeRecognizer, FakeWindows


def make_pipeline(labels=("wave", "jump", "sit down"), recognizer=None, persons=1):
    windows = FakeWindows(seconds=0.5, stride=0.2)
    rec = recognizer or FakeRecognizer()
    pipe = Pipeline(FakePose(persons), windows, rec, labels, ScoreSmoother(alpha=1.0, margin=0.0))
    return pipe, rec, windows


def frames(n: int, fps: float = 30.0, start: float = 0.0) -> list[Frame]:
    rng = np.random.default_rng(0)
    return [Frame(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8), start + i / fps, i) for i in range(n)]


def test_windows_are_scored_at_the_stride_on_a_real_clip(demo_clip: Path) -> None:
    pipe, rec, _ = make_pipeline()
    video = VideoFile(demo_clip, max_side=128)
    scored = []
    while (frame := video.read()) is not None:
        update = pipe.process(frame)
        assert update.persons == 1 and update.landmarks[0] is not None and update.landmarks[1] is None
        assert update.timings_ms["pose"] >= 0 and update.timings_ms["window"] >= 0
        if update.scored:
            scored.append(update.scored)
            assert "score" in update.timings_ms
    video.close()
    # 100 frames at 60 fps = 1.65 s: first window at 0.5 s, then every 0.2 s
    assert [round(s.t, 2) for s in scored] == [0.5, 0.7, 0.9, 1.1, 1.3, 1.5]
    assert rec.calls == len(scored)
    for s in scored:
        assert sum(s.scores.values()) == pytest.approx(1.0)
        assert s.raw_top == max(s.raw_scores, key=s.raw_scores.get)
        line = json.loads(json.dumps(s.to_json()))
        assert set(line) == {"t", "frame", "persons", "top", "scores"}
        assert list(line["scores"]) == ["wave", "jump", "sit down"]


def test_label_changes_apply_before_the_next_frame_and_show_matches() -> None:
    pipe, rec, _ = make_pipeline()
    first = [u for f in frames(30) if (u := pipe.process(f)).scored]
    assert rec.labels == ["wave", "jump", "sit down"] and first
    pipe.set_labels(["clap", "jump"])
    later = [u for f in frames(30, start=1.0) if (u := pipe.process(f)).scored]
    assert rec.labels == ["clap", "jump"]
    assert set(later[-1].scored.scores) == {"clap", "jump"}
    assert later[-1].matches == {"clap": None, "jump": "jump up"}


def test_time_going_backwards_starts_fresh_windows_with_increasing_pose_time() -> None:
    pipe, _, windows = make_pipeline()
    for f in frames(20):
        pipe.process(f)
    for f in frames(20):  # the replay looped: source time starts again at 0
        pipe.process(f)
    assert windows.resets == 1
    times = pipe.pose.times
    assert all(b > a for a, b in zip(times, times[1:], strict=False))  # MediaPipe needs increasing timestamps


def test_pose_only_pipeline_without_recognizer() -> None:
    pipe = Pipeline(FakePose(2), FakeWindows(), None, ["wave"])
    updates = [pipe.process(f) for f in frames(40)]
    assert all(u.scored is None and u.persons == 2 for u in updates)
    pipe.close()
    assert pipe.pose.closed


def test_rejection_becomes_nothing_matches() -> None:
    pipe, _, _ = make_pipeline(recognizer=FakeRecognizer(reject_below=1.1))
    scored = [u.scored for f in frames(30) if (u := pipe.process(f)).scored]
    assert scored and all(s.top is None and s.raw_top is None for s in scored)
    assert all(s.to_json()["top"] is None for s in scored)


def test_person_numbers_are_stable_per_track_and_left_to_right_for_new_tracks() -> None:
    from app.pipeline import PersonNumbers
    from tests.app.fakes import FakeLandmarks

    def at(x: float) -> FakeLandmarks:
        image = np.zeros((33, 3), np.float32)
        image[:, 0] = x
        return FakeLandmarks(image, np.ones(33, np.float32))

    numbers = PersonNumbers()
    assert numbers.assign((7, 8), (at(0.8), at(0.2))) == (1, 0)  # appear together: numbered left to right
    assert numbers.assign((8, 7), (at(0.2), at(0.8))) == (0, 1)  # the tracker swapped slots: numbers follow ids
    assert numbers.assign((None, 7), (None, at(0.8))) == (None, 1)  # person 8 left; 7 keeps its number
    assert numbers.assign((9, 7), (at(0.1), at(0.8))) == (0, 1)  # a newcomer takes the free number
    assert numbers.assign((11, 10), (at(0.7), at(0.3))) == (1, 0)  # a loop restarted tracking: left to right again


def test_with_two_people_the_scored_window_says_whom_it_is_centred_on() -> None:
    pipe, _, _ = make_pipeline(persons=2)
    scored = [u.scored for f in frames(30) if (u := pipe.process(f)).scored]
    assert scored and all(s.subject == 0 and s.persons == 2 for s in scored)  # equally present: the first
    single, _, _ = make_pipeline(persons=1)
    assert all(u.scored.subject is None for f in frames(30) if (u := single.process(f)).scored)
