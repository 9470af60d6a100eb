"""The window offscreen: type labels, feed a real clip, read back the chart, timeline and settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from app.label_editor import MATCH_MARK, TRAINED_MARK
from app.labels import EXAMPLE_SETS
from app.pipeline import Pipeline
from app.runner import ModelSetup
from app.settings import Settings
from app.smoothing import ScoreSmoother
from app.sources import Replay, VideoFile
from app.window import MainWindow
from tests.app.fakes import FakePose, FakeRecognizer, FakeWindows


def wait_until(qapp, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the window did not reach the expected state"
        QTest.qWait(20)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def fake_setup(recognizer: FakeRecognizer | None = None, problem: str | None = None) -> Callable[[], ModelSetup]:
    def setup() -> ModelSetup:
        rec = recognizer if recognizer is not None else FakeRecognizer()
        pipe = Pipeline(FakePose(2), FakeWindows(seconds=0.3, stride=0.1), None if problem else rec,
                        ["wave"], ScoreSmoother())
        return ModelSetup(pipe, "no model" if problem else "fake model", problem)
    return setup


@pytest.fixture
def window(qapp, settings: Settings, demo_clip: Path):
    win = MainWindow(settings, fake_setup(), ["wave", "jump", "sit down"])
    win.show()
    win.start(lambda: Replay(VideoFile(demo_clip, max_side=320), loop=True))
    yield win
    win.close()


def test_typed_labels_reach_the_chart(qapp, window: MainWindow, settings: Settings) -> None:
    wait_until(qapp, lambda: window.chart.rows)
    assert {label for label, _ in window.chart.rows} == {"wave", "jump", "sit down"}
    QTest.keyClicks(window.editor.entry, "clap, kick")
    QTest.keyClick(window.editor.entry, Qt.Key.Key_Return)
    assert window.editor.labels() == ["wave", "jump", "sit down", "clap", "kick"]
    assert settings.labels() == ["wave", "jump", "sit down", "clap", "kick"]  # remembered for the next run
    wait_until(qapp, lambda: {label for label, _ in window.chart.rows} == set(window.editor.labels()))
    probs = [p for _, p in window.chart.rows]
    assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1.0, abs=1e-6)
    assert window.top_label.text() in window.editor.labels()
    assert window.top_label.text() == window.chart.top
    wait_until(qapp, lambda: len(window.timeline.entries) >= 3)
    assert set(window.timeline.entries) <= set(window.editor.labels())
    assert window.video.image is not None and window.video.landmarks[0] is not None  # frame + overlay shown


def test_remove_reorder_examples_and_known_class_marks(qapp, window: MainWindow) -> None:
    editor = window.editor
    editor.list.setCurrentRow(2)
    editor.up_button.click()
    assert editor.labels() == ["wave", "sit down", "jump"]
    editor.list.setCurrentRow(0)
    editor.remove_button.click()
    assert editor.labels() == ["sit down", "jump"]
    wait_until(qapp, lambda: any(editor.list.item(i).text().startswith(MATCH_MARK) for i in range(2)))
    assert editor.list.item(1).text() == f"{MATCH_MARK} jump"  # the fake recognizer matches "jump" -> "jump up"
    assert "jump up" in editor.list.item(1).toolTip() and "not trained on" in editor.list.item(1).toolTip()
    assert editor.list.item(0).text() == f"{TRAINED_MARK} sit down"  # ... and was "trained" on "sit down"
    note = f"{TRAINED_MARK} trained on (1), {MATCH_MARK} matches a known class (1) of 2"
    assert editor.match_note.text().startswith(note)
    asked, answers = [], iter([None, "add", "replace"])  # cancel, then add, then replace
    editor.ask = lambda parent, name, count: asked.append((name, count)) or next(answers)
    pick = list(EXAMPLE_SETS).index("gestures") + 1
    for expected in (["sit down", "jump"], ["sit down", "jump", *EXAMPLE_SETS["gestures"]],
                     list(EXAMPLE_SETS["gestures"])):
        editor.examples.activated.emit(pick)  # the user's own labels: asked, never silently replaced
        assert editor.labels() == expected
    assert asked == [("gestures", 2), ("gestures", 2), ("gestures", 9)]
    editor.examples.activated.emit(list(EXAMPLE_SETS).index("fitness") + 1)  # one example set for another: no ask
    assert editor.labels() == list(EXAMPLE_SETS["fitness"]) and len(asked) == 3


def test_replay_pause_and_seek_from_the_transport(qapp, window: MainWindow) -> None:
    wait_until(qapp, lambda: isinstance(window.source, Replay) and window.play_button.isEnabled())
    window.toggle_pause()
    assert window.source.paused and window.play_button.text() == "Play"
    window.seek(42)
    wait_until(qapp, lambda: window.slider.value() == 42)
    window.toggle_pause()
    assert not window.source.paused


def test_bad_video_opens_a_dialog_and_keeps_running(qapp, window: MainWindow,
                                                    bad_videos: dict[str, Path]) -> None:
    wait_until(qapp, lambda: window.updates_shown > 0)
    window.open_video(bad_videos["truncated.mp4"])
    wait_until(qapp, lambda: window.errors)
    assert "not a video" in window.errors[-1] and window.error_box.isVisible()
    shown = window.updates_shown
    wait_until(qapp, lambda: window.updates_shown > shown)  # the previous source still plays


def test_missing_model_still_opens_and_says_why(qapp, settings: Settings, demo_clip: Path) -> None:
    win = MainWindow(settings, fake_setup(problem="No action model: checkpoint missing"), ["wave"])
    win.show()
    win.start(lambda: Replay(VideoFile(demo_clip, max_side=320), loop=True))
    wait_until(qapp, lambda: win.errors and win.updates_shown > 0)
    assert "checkpoint missing" in win.errors[0]
    assert "No action model" in win.chart.message and not win.chart.rows
    win.close()


def test_drop_a_video_file_onto_the_window(qapp, window: MainWindow, demo_clip: Path) -> None:
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(demo_clip))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    wait_until(qapp, lambda: window.source is not None)
    first = window.source
    window.dropEvent(event)
    wait_until(qapp, lambda: window.source is not first and window.source is not None)
    assert window.source.name == demo_clip.name


def test_status_line_shows_rates_latencies_and_model(qapp, window: MainWindow) -> None:
    wait_until(qapp, lambda: "scoring" in window.stats.text(), timeout=15)
    text = window.stats.text()
    assert "fps" in text and "pose" in text and "model: fake model" in text


def test_a_camera_that_does_not_exist_is_a_dialog_not_a_hang(qapp, window: MainWindow) -> None:
    wait_until(qapp, lambda: window.updates_shown > 0)
    window.open_camera(57)
    wait_until(qapp, lambda: window.errors)
    assert "camera 57" in window.errors[-1]


def test_without_a_camera_the_window_starts_on_the_looping_demo_clip(qapp, window: MainWindow,
                                                                     demo_clip: Path) -> None:
    import argparse

    from app.camera import camera_available
    from app.window import initial_source

    if camera_available(0):
        pytest.skip("this machine has a camera 0")
    source = initial_source(argparse.Namespace(video=None, camera=None), window)()
    assert isinstance(source, Replay) and source.loop and source.name == demo_clip.name
    source.close()


def test_a_failing_stage_is_reported_once_and_the_worker_keeps_running(qapp, settings: Settings,
                                                                       demo_clip: Path) -> None:
    class FlakyRecognizer(FakeRecognizer):
        def recognize(self, skeleton, fps=30.0):
            self.calls += 1
            if self.calls % 2:
                raise RuntimeError("scoring exploded")
            return super().recognize(skeleton, fps)

    win = MainWindow(settings, fake_setup(FlakyRecognizer()), ["wave", "jump"])
    win.show()
    win.start(lambda: Replay(VideoFile(demo_clip, max_side=320), loop=True))
    wait_until(qapp, lambda: win.errors and win.chart.rows)  # failures reported, good windows still scored
    assert win.errors == ["processing failed: RuntimeError: scoring exploded"]
    win.close()


def test_a_label_the_encoder_cannot_read_is_refused_in_place(qapp, window: MainWindow) -> None:
    editor = window.editor
    editor.entry.setText("\u6325\u624b")  # Chinese for "wave": the encoder is English-only
    QTest.keyClick(editor.entry, Qt.Key.Key_Return)
    assert editor.labels() == ["wave", "jump", "sit down"]
    assert not editor.error_note.isHidden() and "plain English" in editor.error_note.text()
    assert editor.entry.text() == "\u6325\u624b"  # kept, so the user can fix it
    editor.entry.clear()
    QTest.keyClicks(editor.entry, "Wave!, clap")  # a repeat of "wave" is dropped silently
    QTest.keyClick(editor.entry, Qt.Key.Key_Return)
    assert editor.labels() == ["wave", "jump", "sit down", "clap"] and editor.error_note.isHidden()


def test_record_from_the_window_keeps_real_time(qapp, settings: Settings, demo_clip: Path, tmp_path: Path) -> None:
    from app.cv import import_cv2
    from app.outputs import Recorder

    out = tmp_path / "window.mp4"
    recorder = Recorder(out, 30.0)
    win = MainWindow(settings, fake_setup(), ["wave"], recorder)
    win.show()
    win.start(lambda: Replay(VideoFile(demo_clip, max_side=320), loop=False))
    wait_until(qapp, lambda: win.play_button.text() == "Replay")  # played to the end
    win.close()
    cv2 = import_cv2()
    cap = cv2.VideoCapture(str(out))
    frames, fps = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    assert fps == pytest.approx(60.0)  # the source's rate
    assert frames == recorder.frames and frames >= 90  # dropped frames were stood in for (100 in the clip)


def test_nothing_matches_state(qapp, settings: Settings, demo_clip: Path) -> None:
    from app.overlay import NO_MATCH_TEXT

    win = MainWindow(settings, fake_setup(FakeRecognizer(reject_below=1.1)), ["wave", "jump"])
    win.show()
    win.start(lambda: Replay(VideoFile(demo_clip, max_side=320), loop=True))
    wait_until(qapp, lambda: win.chart.rows)
    assert win.top_label.text() == NO_MATCH_TEXT and win.chart.top is None
    assert set(win.timeline.entries) == {None}  # drawn grey
    win.close()


def test_labels_are_remembered_and_a_broken_store_falls_back_to_the_default_set(settings: Settings) -> None:
    from app.labels import DEFAULT_SET
    from app.window import remembered_labels

    assert remembered_labels(settings) == list(EXAMPLE_SETS[DEFAULT_SET])  # first run
    settings.set_labels(["clap"])
    assert remembered_labels(settings) == ["clap"]  # a one-item list survives QSettings' string quirk
    settings.set_labels(["\u6325\u624b"])  # edited by hand into something the encoder cannot read
    assert remembered_labels(settings) == list(EXAMPLE_SETS[DEFAULT_SET])


def _update(persons: int, scored=None, index: int = 0):
    import numpy as np

    from app.pipeline import Update
    from app.sources import Frame
    from tests.app.fakes import FakePose

    pose = FakePose(persons).process(np.zeros((48, 64, 3), np.uint8), 0.0)
    return Update(Frame(np.zeros((48, 64, 3), np.uint8), index / 30, index), persons, pose.landmarks,
                  pose.track_ids, {"pose": 1.0}, scored, ("wave", "clap"), people=tuple(pose.track_ids))


def test_status_text_follows_what_is_in_view_now(qapp, settings: Settings) -> None:
    from app.pipeline import Scored
    from app.smoothing import UNSURE
    from app.window import NO_ONE, WATCHING

    win = MainWindow(settings, fake_setup(), ["wave", "clap"])
    win.model = "fake model"
    win.show_update(_update(1), [])  # a skeleton is drawn, nothing scored yet: not "waiting for a person"
    assert win.top_label.text() == WATCHING and "Waiting" not in win.chart.message
    decided = Scored(0.1, 3, 2, "wave", {"wave": 0.7, "clap": 0.3}, "wave", {"wave": 0.7, "clap": 0.3}, None, 1)
    win.show_update(_update(2, decided, 3), [decided])
    assert win.top_label.text() == "wave" and win.chart.top == "wave"
    assert not win.subject_label.isHidden() and "person 2" in win.subject_label.text()  # two people: whose label
    assert win.video.subject == 1 and win.video.people == (0, 1)
    win.show_update(_update(0, None, 4), [])  # nobody detected in this frame
    assert win.top_label.text() == NO_ONE
    win.show_update(_update(1, None, 5), [])  # back in view: the recent decision is "now" again
    assert win.top_label.text() == "wave"
    unsure = Scored(0.3, 9, 1, None, {"wave": 0.52, "clap": 0.48}, "wave", {"wave": 0.52, "clap": 0.48}, UNSURE)
    win.show_update(_update(1, unsure, 9), [unsure])
    assert win.top_label.text() == UNSURE and win.chart.top is None and win.subject_label.isHidden()
    win.close()


def test_a_camera_that_fails_first_says_so_in_the_view(qapp, settings: Settings) -> None:
    win = MainWindow(settings, fake_setup(), ["wave"])
    win.show()
    win.camera_index.setValue(0)
    win.start(lambda: __import__("app.camera", fromlist=["CameraSource"]).CameraSource(57))
    wait_until(qapp, lambda: win.errors)
    assert "camera 57" in win.video.placeholder and "Waiting" not in win.chart.message
    assert "failed" in win.chart.message and win.top_label.text() == "no video"
    win.open_camera(58)
    assert win.camera_index.value() == 58  # the box shows the camera in use
    win.close()


def test_an_error_clears_when_the_labels_change_and_stays_clear_of_the_rates(qapp, window: MainWindow) -> None:
    window.resize(900, 600)
    window.show_error("x" * 400)
    shown = window.statusBar().currentMessage()
    assert shown.endswith("\u2026") and len(shown) < 400  # cut before the rates, the whole text on hover
    assert window.statusBar().toolTip() == "x" * 400
    window.editor.entry.setText("\u6325\u624b")
    window.editor.add_typed()
    assert not window.editor.error_note.isHidden()
    window.editor.list.setCurrentRow(0)
    window.editor.remove_selected()
    assert window.statusBar().currentMessage() == "" and window.editor.error_note.isHidden()
