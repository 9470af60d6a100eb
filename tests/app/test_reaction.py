"""fdsm-bench reaction: joining two performances, and reading the delay until the shown label follows the change.

The recognizer here is a fake whose answer is a known function of the window (B's frames are lifted by 10 m, which
it reads), so the delay the benchmark measures through the real pipeline (WindowBuffer, Pipeline, ScoreSmoother) can
be checked against the one expected; the motions are the project's synthetic ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from app.reaction import Outcome, join, main, measure, pipeline_for, replay, summarize
from fdsm.default_model.synth import generate

FPS = 30.0
LIFT = 10.0  # metres added to B's height: the fake recognizer's cue


@dataclass
class FakeResult:
    top: str | None
    scores: dict[str, float]


class CueRecognizer:
    """Says "B" (0.9) when the cue frame of the window is lifted: the last frame, or the middle one (majority)."""

    def __init__(self, by: str = "last") -> None:
        self.by = by
        self.labels: list[str] = []

    def set_labels(self, labels: list[str]) -> None:
        self.labels = list(labels)

    def recognize(self, skeleton: np.ndarray, fps: float = 30.0) -> FakeResult:
        frame = skeleton[-1] if self.by == "last" else skeleton[len(skeleton) // 2]
        b = bool(np.nanmean(frame[..., 1]) > LIFT / 2)
        scores = {"A": 0.1, "B": 0.9} if b else {"A": 0.9, "B": 0.1}
        return FakeResult("B" if b else "A", scores)


def stream(blend: float = 0.0, lead: float = 3.0, hold: float = 4.0) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(0)
    a, b = generate(0, rng), generate(1, rng) + np.float32([0.0, LIFT, 0.0])
    return join(a, b, FPS, lead=lead, hold=hold, blend=blend)


def test_join_repeats_blends_and_continues_where_a_ended():
    rng = np.random.default_rng(1)
    a, b = generate(2, rng)[:20], generate(3, rng)[:25]  # short clips: both must be repeated
    joined, switch = join(a, b, FPS, lead=1.0, hold=2.0, blend=0.2)
    n_a = int(round(switch * FPS))
    assert joined.shape[1:] == (2, 25, 3) and np.isnan(joined[:, 1]).all()  # one body, second slot empty
    assert n_a >= FPS * 1.0 and len(joined) - n_a >= FPS * 2.0
    assert np.allclose(joined[:20, 0], a)  # A first, unmoved
    first_b = n_a + 6  # after the 6 blend frames (0.2 s)
    assert np.allclose(joined[first_b, 0, 0, [0, 2]], joined[n_a - 1, 0, 0, [0, 2]], atol=1e-5)  # root x, z continue
    assert np.allclose(joined[first_b, 0, :, 1], b[0, :, 1])  # height kept
    assert np.isfinite(joined[:, 0]).all()


def test_measure_reads_the_shown_labels():
    shown = [(1.0, "A"), (1.2, "A"), (1.4, "C"), (1.6, "B"), (1.8, "B"), (3.4, "B"), (3.6, "A")]
    out = measure(shown, switch=1.3, a="A", b="B", window=2.0)
    assert out == Outcome("A", pytest.approx(0.3), 2, 1)  # windows ending at 3.4 and 3.6 lie wholly inside B
    assert measure(shown, 1.5, "A", "B", 2.0).before == "other"
    assert measure([(1.0, "A")], 1.3, "A", "B", 2.0).delay is None


def test_summary_counts_never_as_slowest_and_only_real_switches():
    outcomes = [Outcome("A", 0.4, 10, 9), Outcome("A", 0.6, 10, 5), Outcome("A", None, 10, 0),
                Outcome("B", 0.0, 10, 10)]
    s = summarize(outcomes)
    assert (s["pairs"], s["a_shown_at_switch"], s["b_shown_at_switch"]) == (4, 3, 1)
    assert s["median_s"] == pytest.approx(0.6) and s["p90_s"] is None  # the slowest third never switched
    assert (s["never_after_a"], s["never"]) == (1, 1)
    assert s["steady_b_accuracy"] == pytest.approx(24 / 40)


def test_raw_delay_is_the_wait_for_the_next_window():
    joined, switch = stream()
    shown = replay(pipeline_for(CueRecognizer("last"), ["A", "B"], window=2.0, stride=0.2, raw=True), joined)
    out = measure(shown, switch, "A", "B", 2.0)
    assert out.before == "A"
    expected = min(t for t, _ in shown if t >= switch - 1e-9) - switch  # the first window after B's start
    assert out.delay == pytest.approx(expected) and 0.0 <= out.delay < 0.2 + 1 / FPS
    assert out.b_windows > 0 and out.b_shown == out.b_windows


def test_smoothing_adds_one_window_and_a_majority_cue_half_a_window():
    joined, switch = stream()
    raw = measure(replay(pipeline_for(CueRecognizer("last"), ["A", "B"], 2.0, 0.2, raw=True), joined),
                  switch, "A", "B", 2.0)
    smooth = measure(replay(pipeline_for(CueRecognizer("last"), ["A", "B"], 2.0, 0.2), joined), switch, "A", "B", 2.0)
    # the app's EMA (alpha 0.5) and hysteresis (e^0.2) need a second B window to flip 0.9 / 0.1 scores
    assert smooth.delay == pytest.approx(raw.delay + 0.2, abs=1 / FPS + 1e-6)
    half = measure(replay(pipeline_for(CueRecognizer("middle"), ["A", "B"], 2.0, 0.2, raw=True), joined),
                   switch, "A", "B", 2.0)
    assert abs(half.delay - 1.0) <= 0.2 + 1 / FPS  # B fills half of a 2 s window after 1 s


def test_without_the_data_folder_it_skips_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("app.reaction.DATA_DIR", tmp_path / "absent")
    assert main([]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "skipped" in err[0]
    assert main(["--data", str(tmp_path / "nope")]) == 2  # a folder the user named must exist
    assert "no data folder" in capsys.readouterr().err
