"""Teaching from the window: the pipeline records the next seconds of the stream and teaches them once, bad takes
are one message with nothing saved, the label list shows counts and the taught mark, examples are deleted and
saved, and an unreadable examples file is set aside while the window starts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

import app.window
from app.label_editor import TAUGHT_MARK, LabelEditor
from app.main import main
from app.pipeline import Pipeline
from app.runner import ModelSetup
from app.settings import Settings
from app.smoothing import ScoreSmoother
from app.sources import Frame
from app.window import MainWindow
from fdsm.atomic import atomic_write_bytes
from fdsm.examples import ExampleError, check_example, clean_label
from tests.app.fakes import FakePose, FakeRecognizer, FakeWindows
from tests.app.test_window import wait_until


class TeachableRecognizer(FakeRecognizer):
    """FakeRecognizer with the teach API: examples are checked as fdsm checks them, counted, saved as JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.added: list[tuple[str, tuple, float]] = []
        self.counts: dict[str, int] = {}

    def add_example(self, label: str, skeleton: np.ndarray, fps: float = 30.0) -> int:
        label = clean_label(label)
        check_example(skeleton, fps)
        self.added.append((label, skeleton.shape, fps))
        self.counts[label] = self.counts.get(label, 0) + 1
        return self.counts[label]

    def remove_example(self, label: str, index: int) -> None:
        self.counts[label] -= 1
        if not self.counts[label]:
            del self.counts[label]

    def examples(self) -> dict[str, int]:
        return dict(self.counts)

    def save_examples(self, path: Path) -> Path:
        return atomic_write_bytes(Path(path), json.dumps(self.counts).encode())

    def load_examples(self, path: Path) -> bool:
        try:
            self.counts = {str(k): int(v) for k, v in json.loads(Path(path).read_text()).items()}
        except (ValueError, AttributeError) as exc:
            raise ExampleError(f"{path}: not a readable examples file ({type(exc).__name__})") from None
        return False


class Done:
    """Collects on_done calls from any thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, str | None]] = []
        self.event = threading.Event()

    def __call__(self, label: str, count: int, problem: str | None) -> None:
        self.calls.append((label, count, problem))
        self.event.set()


def frames(n: int, fps: float = 30.0, start: int = 0) -> list[Frame]:
    return [Frame(np.full((8, 8, 3), 100, np.uint8), (start + i) / fps, start + i) for i in range(n)]


def teach_pipeline(tmp_path: Path, persons: int = 1, recognizer: TeachableRecognizer | None = None) -> Pipeline:
    pipe = Pipeline(FakePose(persons), FakeWindows(), recognizer or TeachableRecognizer(), ["wave"], ScoreSmoother())
    pipe.examples_file = tmp_path / "examples.json"
    return pipe


def test_teach_records_exactly_the_seconds_asked_and_adds_one_example(tmp_path: Path) -> None:
    pipe, done = teach_pipeline(tmp_path), Done()
    rec = pipe.recognizer
    for f in frames(5):
        pipe.process(f)
    pipe.teach("wave", 1.0, done)
    updates = [pipe.process(f) for f in frames(60, start=5)]
    assert rec.added == [("wave", (30, 2, 25, 3), pytest.approx(30.0))]  # 1 s at 30 fps, the (2, 25, 3) rows
    assert done.calls == [("wave", 1, None)]
    left = [u.teaching for u in updates if u.teaching is not None]
    assert len(left) == 30 and left == sorted(left, reverse=True) and left[0] == pytest.approx(1.0)
    assert updates[-1].teaching is None and updates[-1].taught == {"wave": 1}
    assert json.loads(pipe.examples_file.read_text()) == {"wave": 1}  # saved after the change


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
@pytest.mark.parametrize("persons, seconds, recognizer, reason", [
    (0, 1.0, TeachableRecognizer(), "no person in most of the example"),
    (1, 0.3, TeachableRecognizer(), "at least 0.5 s"),
    (1, 1.0, None, "has not loaded yet"),
])
def test_a_bad_take_is_one_message_and_nothing_is_saved(tmp_path: Path, persons, seconds, recognizer, reason) -> None:
    pipe, done = teach_pipeline(tmp_path, persons), Done()
    pipe.recognizer = recognizer
    pipe.teach("wave", seconds, done)
    for f in frames(60):
        pipe.process(f)
    assert len(done.calls) == 1 and reason in done.calls[0][2] and "\n" not in done.calls[0][2]
    assert done.calls[0][1] == 0 and not pipe.examples_file.exists()
    assert recognizer is None or recognizer.added == []


def test_a_jump_in_the_video_while_recording_teaches_nothing(tmp_path: Path) -> None:
    pipe, done = teach_pipeline(tmp_path), Done()
    pipe.teach("wave", 1.0, done)
    for f in frames(10) + frames(10, start=300):  # a seek 10 s ahead
        pipe.process(f)
    assert len(done.calls) == 1 and "jumped" in done.calls[0][2]
    assert pipe.recognizer.added == [] and not pipe.examples_file.exists()


def test_cancel_drops_the_recording_without_a_call_back(tmp_path: Path) -> None:
    pipe, done = teach_pipeline(tmp_path), Done()
    pipe.teach("wave", 1.0, done)
    for f in frames(10):
        pipe.process(f)
    pipe.cancel_teach()
    assert all(pipe.process(f).teaching is None for f in frames(40, start=10))
    assert done.calls == [] and pipe.recognizer.added == []


def test_forget_deletes_the_last_or_every_example_and_saves(tmp_path: Path) -> None:
    rec = TeachableRecognizer()
    rec.counts = {"wave": 3, "clap": 1}
    pipe = teach_pipeline(tmp_path, recognizer=rec)
    for everything, expected in ((False, {"wave": 2, "clap": 1}), (True, {"clap": 1})):
        done = Done()
        pipe.forget("wave", everything, done)
        assert done.event.wait(5.0)
        assert done.calls == [("wave", expected.get("wave", 0), None)]
        assert json.loads(pipe.examples_file.read_text()) == expected == rec.counts
    done = Done()
    pipe.forget("wave", True, done)
    assert done.event.wait(5.0) and "no examples" in done.calls[0][2]


def test_the_label_list_shows_counts_the_taught_mark_and_the_actions(qapp) -> None:
    editor = LabelEditor(["wave", "jump", "sit down"])
    editor.set_matches({"jump": "jump up (NTU)"}, frozenset({"sit down"}))
    editor.set_taught({"wave": 3, "jump": 1})
    texts = [editor.list.item(i).text() for i in range(3)]
    assert texts == [f"{TAUGHT_MARK} wave  \u00b7  3 examples", f"{TAUGHT_MARK} jump  \u00b7  1 example",
                     "\u25cf sit down"]
    assert "taught by example (2)" in editor.match_note.text()
    editor.set_labels(["wave", "kick"])  # a new list keeps the counts: they belong to the examples
    assert editor.list.item(0).text().startswith(TAUGHT_MARK) and editor.labels() == ["wave", "kick"]

    asked: list[tuple] = []
    editor.teachRequested.connect(lambda label: asked.append(("teach", label)))
    editor.forgetRequested.connect(lambda label, everything: asked.append(("forget", label, everything)))
    actions = editor.menu_for("wave").actions()
    assert [a.isEnabled() for a in actions] == [True, True, True] and "3 s" in actions[0].text()
    for action in actions:
        action.trigger()
    assert [a.isEnabled() for a in editor.menu_for("kick").actions()] == [True, False, False]
    editor.list.setCurrentRow(1)
    editor.teach_button.click()
    assert asked == [("teach", "wave"), ("forget", "wave", False), ("forget", "wave", True), ("teach", "kick")]
    editor.show_teaching("Teaching 'kick' in 3...")
    editor.teach_button.click()  # while teaching, the button cancels
    assert asked[-1] == ("teach", "kick") and editor.teach_button.text() == "Cancel teaching"


class EndlessSource:
    """A camera stand-in: a frame every 1/30 s of source time, handed out at about that rate."""

    name, fps, finished = "fake camera", 30.0, False

    def __init__(self) -> None:
        self.index = 0

    def next_frame(self, timeout: float) -> Frame | None:
        time.sleep(1 / 60)
        self.index += 1
        return Frame(np.full((48, 64, 3), 90, np.uint8), self.index / 30.0, self.index)

    def close(self) -> None:
        pass


def setup_with(recognizer: TeachableRecognizer, persons: int) -> Callable[[], ModelSetup]:
    def setup() -> ModelSetup:
        return ModelSetup(Pipeline(FakePose(persons), FakeWindows(seconds=0.3, stride=0.1), recognizer, ["wave"],
                                   ScoreSmoother()), "fake model")
    return setup


def open_window(tmp_path: Path, recognizer: TeachableRecognizer, examples: Path, persons: int = 1) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings, setup_with(recognizer, persons), ["wave", "jump"], examples_file=examples)
    win.count_in = 0
    win.editor.teach_seconds.setValue(1)
    win.show()
    win.start(EndlessSource)
    return win


def test_the_window_teaches_counts_deletes_and_saves(qapp, tmp_path: Path) -> None:
    examples = tmp_path / "examples.json"
    examples.write_text(json.dumps({"clap": 2}))
    win = open_window(tmp_path, TeachableRecognizer(), examples)
    try:
        wait_until(qapp, lambda: win.editor.taught() == {"clap": 2})
        assert win.editor.labels() == ["wave", "jump", "clap"]  # a taught label from the file joins the list
        win.teach("wave")
        wait_until(qapp, lambda: win.editor.taught().get("wave") == 1)
        assert win.editor.teach_note.isHidden() and not win.errors
        assert win.editor.list.item(0).text() == f"{TAUGHT_MARK} wave  \u00b7  1 example"
        assert json.loads(examples.read_text()) == {"clap": 2, "wave": 1}
        win.forget("clap", True)
        wait_until(qapp, lambda: "clap" not in win.editor.taught())
        assert json.loads(examples.read_text()) == {"wave": 1}
    finally:
        win.close()


def test_the_window_starts_with_an_unreadable_examples_file(qapp, tmp_path: Path) -> None:
    examples = tmp_path / "examples.json"
    examples.write_text("{ not json")
    win = open_window(tmp_path, TeachableRecognizer(), examples)
    try:
        wait_until(qapp, lambda: win.errors and win.updates_shown > 3)
        assert len(win.errors) == 1 and "kept aside as examples.json.unreadable-" in win.errors[0]
        assert "\n" not in win.errors[0] and not examples.exists()
        assert len(list(tmp_path.glob("examples.json.unreadable-*"))) == 1
        assert win.editor.taught() == {} and win.editor.labels() == ["wave", "jump"]
    finally:
        win.close()


@pytest.mark.filterwarnings("ignore:Mean of empty slice")  # the fake recognizer scoring windows with nobody
def test_a_bad_take_in_the_window_is_one_message(qapp, tmp_path: Path) -> None:
    win = open_window(tmp_path, TeachableRecognizer(), tmp_path / "examples.json", persons=0)
    try:
        wait_until(qapp, lambda: win.updates_shown > 0)
        win.teach("wave")
        wait_until(qapp, lambda: win.errors)
        assert len(win.errors) == 1 and win.errors[0].startswith("Teaching 'wave': ")
        assert "no person in most of the example" in win.errors[0] and "\n" not in win.errors[0]
        assert win.editor.teach_note.isHidden() and win.editor.taught() == {}
        assert not (tmp_path / "examples.json").exists()
    finally:
        win.close()


def test_the_count_in_says_how_long_until_recording_and_cancel_stops_it(qapp, tmp_path: Path) -> None:
    win = open_window(tmp_path, TeachableRecognizer(), tmp_path / "examples.json")
    try:
        wait_until(qapp, lambda: win.updates_shown > 0)
        win.count_in = 3
        win.teach("wave")
        said = [win.editor.teach_note.text()]
        for _ in range(2):
            win._count_down()  # what the one-second timer does
            said.append(win.editor.teach_note.text())
        assert said == [f"Teaching 'wave' in {n}... get into view" for n in (3, 2, 1)]
        assert win.editor.teach_button.text() == "Cancel teaching"
        win.editor.teach_button.click()
        assert win.editor.teach_note.isHidden() and win.editor.teach_button.text() == "Teach"
    finally:
        win.close()


def test_the_window_takes_examples(monkeypatch: pytest.MonkeyPatch, demo_clip: Path, tmp_path: Path) -> None:
    opened = []
    monkeypatch.setattr(app.window, "run_window", lambda args, labels: opened.append(args.examples) or 0)
    assert main(["--video", str(demo_clip), "--examples", str(tmp_path / "ex.npz")]) == 0
    assert opened == [str(tmp_path / "ex.npz")]


def test_the_hook_teaches_the_real_recognizer_and_saves_its_file(tmp_path: Path, random_checkpoint: Path) -> None:
    from fdsm import Recognizer

    recognizer = Recognizer.from_pretrained(random_checkpoint)
    pipe, done = Pipeline(FakePose(1), FakeWindows(), recognizer, ["wave"], ScoreSmoother()), Done()
    pipe.examples_file = tmp_path / "examples.npz"
    pipe.teach("pick up", 1.0, done)
    last = [pipe.process(f) for f in frames(40)][-1]
    assert done.calls == [("pick up", 1, None)] and last.taught == {"pick up": 1}
    again = Recognizer.from_pretrained(random_checkpoint)
    again.load_examples(pipe.examples_file)
    assert again.examples() == {"pick up": 1}
