"""The fdsm-live main window: video + skeletons, the big top label, ranked bars, a timeline, the label editor.

The window only draws. The Runner thread does pose, windows and scoring; its reports go into a lock-guarded
queue that a timer on the UI thread drains, so no Qt call (not even Signal.emit, which PySide6 6.12.0 broke:
see pyproject.toml) happens off the UI thread. Only the newest frame is ever waiting to be drawn (scored windows
are all kept, so the timeline misses nothing), so a slow paint never builds a backlog.

Teach (a label's context menu or the Teach button) counts in, then the pipeline records the next seconds of the
live skeleton stream and teaches them to the label on its own thread; the examples file is saved after each
change and opened when the model loads.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.camera import CameraSource, camera_available
from app.label_editor import LabelEditor
from app.labels import DEFAULT_SET, EXAMPLE_SETS, clean_labels
from app.outputs import Recorder
from app.overlay import decision_text, person_color
from app.pipeline import Scored, Update
from app.runner import ModelSetup, Runner
from app.settings import Settings
from app.sources import FrameSource, Replay, VideoFile
from app.teach import with_examples
from app.widgets import ScoreChart, Timeline, VideoView, caption_color
from fdsm.errors import FdsmError

MAX_SIDE = 960
STALE_S = 1.5  # a decision older than this (seconds) is not shown as "now"
NO_ONE = "no one in view"
WATCHING = "watching\u2026"
DRAIN_MS = 15  # how often the UI thread picks up the worker's reports (about 60 Hz)
COUNT_IN_S = 3  # Teach counts down this many seconds before recording, so the user can get into view
STYLE = """
QMainWindow, QWidget { background: #1b1d22; color: #ebeef3; font-size: 13px; }
QLabel#topLabel { font-size: 34px; font-weight: 700; padding: 6px 4px; }
QLabel#caption { color: #969ca8; font-size: 11px; text-transform: uppercase; letter-spacing: 1px; }
QLabel#matchNote { color: #7ed957; font-size: 11px; }
QLabel#labelError { color: #ff6b6b; font-size: 11px; }
QLabel#teachNote { color: #ffb347; font-size: 13px; font-weight: 600; }
QLineEdit, QListWidget, QComboBox, QSpinBox { background: #262a31; border: 1px solid #343944; border-radius: 4px;
    padding: 4px; }
QListWidget::item { padding: 3px; }
QListWidget::item:selected { background: #3a4150; }
QPushButton { background: #2d323b; border: 1px solid #3b414d; border-radius: 4px; padding: 5px 10px; }
QPushButton:hover { background: #363c47; }
QStatusBar { color: #969ca8; }
QFrame#panel { background: #202329; border-radius: 6px; }
"""


class Meter:
    """Rates and latencies for the status line, as exponential moving averages."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.values: dict[str, float] = {}
        self._marks: dict[str, tuple[float, int]] = {}

    def add(self, key: str, value: float, alpha: float = 0.2) -> None:
        old = self.values.get(key)
        self.values[key] = value if old is None else alpha * value + (1 - alpha) * old

    def rate(self, key: str, position: int) -> None:
        """Per-second rate of a growing count (e.g. frame numbers: dropped frames count, they were captured)."""
        now = self.clock()
        last = self._marks.get(key)
        if last is not None and position > last[1] and now > last[0]:
            self.add(key, (position - last[1]) / (now - last[0]), 0.1)
        self._marks[key] = (now, position)

    def reset(self, key: str) -> None:
        self._marks.pop(key, None)
        self.values.pop(key, None)


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings, setup: Callable[[], ModelSetup], labels: list[str] | None = None,
                 recorder: Recorder | None = None, loop: bool = True, examples_file: Path | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.loop = loop
        self.examples_file = examples_file
        self.count_in = COUNT_IN_S
        self._teaching: str | None = None  # the label being taught (counting in or recording)
        self._count_left = 0
        self.errors: list[str] = []
        self.model = "loading model..."
        self.source: FrameSource | None = None
        self.meter = Meter()
        self.updates_shown = 0
        self.scored_shown = 0
        self._last_scored: Scored | None = None
        self._scored_at = 0.0
        self._panel_key: object = None  # what the big label and the chart show now (redrawn only on change)
        self.setWindowTitle("FDSM Live")
        self.setAcceptDrops(True)
        self.setStyleSheet(STYLE)
        self._build(labels or remembered_labels(settings))
        if (geometry := settings.geometry()) is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1180, 760)
        self._slot_lock = threading.Lock()
        self._events: deque[tuple[str, object]] = deque()
        self._latest: Update | None = None
        self._scored: deque[Scored] = deque(maxlen=100)
        self._drain_timer = QTimer(self, interval=DRAIN_MS, timeout=self._drain)
        self._drain_timer.start()
        self._count_timer = QTimer(self, interval=1000, timeout=self._count_down)
        self.runner = Runner(self._with_examples(setup), self.report, recorder)
        self.runner.set_labels(self.editor.labels())
        self._status_timer = QTimer(self, interval=500, timeout=self._refresh_status)
        self._status_timer.start()

    # ----- layout -------------------------------------------------------------------------------------------
    def _build(self, labels: list[str]) -> None:
        self.video = VideoView()
        self.play_button = QPushButton("Pause")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.loop_box = QCheckBox("Loop", checked=self.loop)
        self.open_button = QPushButton("Open video...")
        self.camera_caption = QLabel("Camera #")
        self.camera_index = QSpinBox(minimum=0, maximum=99, toolTip="camera index (as in --camera N)")
        self.camera_caption.setBuddy(self.camera_index)
        self.camera_button = QPushButton("Open camera")
        transport = QHBoxLayout()
        for w in (self.play_button, self.slider, self.loop_box, self.open_button, self.camera_caption,
                  self.camera_index, self.camera_button):
            transport.addWidget(w, 1 if w is self.slider else 0)
        left = QVBoxLayout()
        left.addWidget(self.video, 1)
        left.addLayout(transport)

        self.top_label = QLabel("\u2014", objectName="topLabel")
        self.top_label.setWordWrap(True)
        self.subject_label = QLabel(objectName="subject")
        self.subject_label.hide()
        self.chart = ScoreChart()
        self.timeline = Timeline()
        self.editor = LabelEditor(labels)
        panel = QFrame(objectName="panel")
        right = QVBoxLayout(panel)
        for caption, widget, stretch in (("Now", self.top_label, 0), ("Probabilities", self.chart, 3),
                                         ("Recent", self.timeline, 0), ("Actions to recognise", self.editor, 4)):
            right.addWidget(QLabel(caption, objectName="caption"))
            right.addWidget(widget, stretch)
            if widget is self.top_label:
                right.addWidget(self.subject_label)
        panel.setFixedWidth(400)

        root = QWidget()
        layout = QHBoxLayout(root)
        layout.addLayout(left, 1)
        layout.addWidget(panel)
        self.setCentralWidget(root)

        self.play_button.clicked.connect(self.toggle_pause)
        self.slider.sliderReleased.connect(lambda: self.seek(self.slider.value()))
        self.loop_box.toggled.connect(self._set_loop)
        self.open_button.clicked.connect(self._choose_video)
        self.camera_button.clicked.connect(lambda: self.open_camera(self.camera_index.value()))
        self.editor.labelsChanged.connect(self._labels_changed)
        self.editor.teachRequested.connect(self.teach)
        self.editor.teachCancelled.connect(self.cancel_teaching)
        self.editor.forgetRequested.connect(self.forget)
        self._set_transport(False)
        self.stats = QLabel()  # permanent: rates, latencies, model; transient messages use say()
        self.stats.setContentsMargins(16, 0, 4, 0)  # a gap between a message and the rates
        self.statusBar().addPermanentWidget(self.stats)

    # ----- sources ------------------------------------------------------------------------------------------
    def start(self, make_source: Callable[[], FrameSource]) -> None:
        self.runner.start()
        self.runner.open(self._watched(make_source))

    def open_video(self, path: str | Path) -> None:
        self.video.set_placeholder(f"Opening {Path(path).name}...")
        self.runner.open(self._watched(lambda: Replay(VideoFile(path, max_side=MAX_SIDE), loop=self.loop)))

    def open_camera(self, index: int) -> None:
        self.video.set_placeholder(f"Opening camera {index}...")
        self.camera_index.setValue(index)
        self.runner.open(self._watched(lambda: CameraSource(index, on_status=lambda m: self.report("status", m))))

    def _watched(self, make: Callable[[], FrameSource]) -> Callable[[], FrameSource]:
        """`make`, reporting a failure to open as "source_failed" (so the view says so) before the Runner's error."""
        def make_or_report() -> FrameSource:
            try:
                return make()
            except Exception as exc:
                self.report("source_failed", str(exc))
                raise
        return make_or_report

    def toggle_pause(self) -> None:
        if isinstance(self.source, Replay):
            if self.source.finished:
                self.source.seek(0)
                self.source.set_paused(False)
            else:
                self.source.set_paused(not self.source.paused)
            self.play_button.setText("Play" if self.source.paused else "Pause")

    def seek(self, index: int) -> None:
        if isinstance(self.source, Replay):
            self.source.seek(index)

    def _set_loop(self, on: bool) -> None:
        self.loop = on
        if isinstance(self.source, Replay):
            self.source.loop = on

    def _choose_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;"
                                              "All files (*)")
        if path:
            self.open_video(path)

    def _set_transport(self, replay: bool) -> None:
        for w in (self.play_button, self.slider, self.loop_box):
            w.setEnabled(replay)

    # ----- drag and drop ------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            self.open_video(files[0])
            event.acceptProposedAction()

    # ----- reports from the worker ----------------------------------------------------------------------------
    def report(self, kind: str, payload: object) -> None:
        """Any thread: queue a report for the UI thread (only the newest frame update is kept). Never calls Qt."""
        with self._slot_lock:
            if kind != "update":
                self._events.append((kind, payload))
                return
            self._latest = payload
            if payload.scored is not None:
                self._scored.append(payload.scored)

    def _drain(self) -> None:
        """UI thread, every DRAIN_MS: handle the queued reports in order, then draw the newest frame."""
        with self._slot_lock:
            events, self._events = list(self._events), deque()
            update, self._latest = self._latest, None
            scored = list(self._scored)
            self._scored.clear()
        for kind, payload in events:
            self._on_event(kind, payload)
        if update is not None:
            self.show_update(update, scored)

    def _on_event(self, kind: str, payload: object) -> None:
        if kind == "source":
            self._source_opened(payload)
        elif kind == "source_failed" and self.source is None:  # nothing else plays: the view says why
            self.video.set_placeholder(f"{payload}\n\nPick another camera number or open a video.")
            self.chart.set_message("No video: the source failed to open.")
            self._show_top("no video", None, ())
            self._panel_key = None
        elif kind == "model":
            self.model = str(payload)
            if self.model == "no model":
                self.chart.set_message("No action model loaded: see the message. Skeletons still run.")
                self._panel_key = None
        elif kind == "error":
            self.show_error(str(payload))
        elif kind == "status":
            self.say(str(payload), 8000)
        elif kind == "finished":
            self.play_button.setText("Replay")
        elif kind == "examples":
            self._examples_changed(*payload)

    def _source_opened(self, source: FrameSource) -> None:
        self.source = source
        self.meter.reset("source_fps")
        replay = isinstance(source, Replay)
        self._set_transport(replay)
        if replay:
            self.slider.setRange(0, max(0, (source.video.frame_count or 1) - 1))
            self.play_button.setText("Pause")
        self.setWindowTitle(f"FDSM Live \u2014 {source.name}")
        if isinstance(source, CameraSource):
            self.camera_index.setValue(source.index)
        self.timeline.clear()
        self._last_scored = None
        if self.model != "no model":
            self.chart.set_message("Waiting for a person...")
            self._panel_key = None

    def show_update(self, update: Update, scored: list[Scored]) -> None:
        if scored:
            self._last_scored, self._scored_at = scored[-1], self.meter.clock()
        last = self._last_scored
        fresh = last is not None and self.meter.clock() - self._scored_at <= STALE_S
        self.video.set_frame(update.frame.image, update.landmarks, update.people,
                             last.subject if fresh else None)
        self.updates_shown += 1
        self.meter.rate("source_fps", update.frame.index)
        self.meter.rate("shown_fps", self.updates_shown)
        self.meter.add("pose_ms", update.timings_ms["pose"])
        if isinstance(self.source, Replay) and not self.slider.isSliderDown():
            self.slider.setValue(update.frame.index)
        for s in scored:
            self.timeline.add(update.labels, s.top)
        if "score" in update.timings_ms:
            self.meter.add("score_ms", update.timings_ms["score"])
        self.scored_shown += len(scored)
        if scored:
            self.editor.set_matches(update.matches, update.trained)
        if update.taught != self.editor.taught():
            self._taught_changed(update.taught)
        if self._teaching is not None and not self._count_timer.isActive() and update.teaching is not None:
            self.editor.show_teaching(f"Teaching {self._teaching!r}: recording, {update.teaching:.1f} s left")
        if update.persons == 0 and not scored:
            key: object = (NO_ONE, update.labels, self.model)
        elif fresh and last is not None:
            key = (last, update.labels)
        elif self.model != "no model":  # someone is drawn, but no window of them has been scored yet
            key = (WATCHING, update.labels)
        else:
            return
        if key != self._panel_key:  # restyling and repainting the same answer ~30 times a second costs frames
            self._panel_key = key
            self._show_panel(update, last if key[0] is last else None)

    def _show_panel(self, update: Update, last: Scored | None) -> None:
        """The big label and the chart for this update: the fresh decision, or no one in view, or watching."""
        if last is not None:
            self.chart.set_scores(update.labels, last.scores, last.top)
            self._show_top(decision_text(last), last.top, update.labels, last.subject)
        elif update.persons == 0:
            self._show_top(NO_ONE, None, update.labels)
            if self.model != "no model":
                self.chart.set_message("No one in view.")
        else:
            self._show_top(WATCHING, None, update.labels)
            self.chart.set_message("Watching: the first answer comes after about 2 s.")

    def _show_top(self, text: str, top: str | None, labels: tuple[str, ...], subject: int | None = None) -> None:
        """The big label, and under it which person it is about when two are in the window (their colour)."""
        self.top_label.setText(text)
        self.top_label.setStyleSheet(f"color: {caption_color(top, labels)};")
        self.subject_label.setVisible(subject is not None)
        if subject is not None:
            r, g, b = person_color(subject, subject)
            self.subject_label.setText(f"\u25b6 about person {subject + 1} (numbered in the video)")
            self.subject_label.setStyleSheet(f"color: rgb({r}, {g}, {b});")

    def show_error(self, message: str) -> None:
        """A non-blocking dialog (the video keeps running) plus the status line."""
        self.errors.append(message)
        self.say(message, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "FDSM Live", message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_box = box

    def _refresh_status(self) -> None:
        v = self.meter.values
        parts = [f"{self.source.name}: {v['source_fps']:.1f} fps" if self.source and "source_fps" in v else "",
                 f"processed {v['shown_fps']:.1f} fps" if "shown_fps" in v else "",
                 f"pose {v['pose_ms']:.0f} ms" if "pose_ms" in v else "",
                 f"scoring {v['score_ms']:.1f} ms" if "score_ms" in v else "",
                 f"model: {self.model}"]
        if isinstance(self.source, CameraSource) and self.source.status:
            parts.append(self.source.status)
        self.stats.setText("  \u00b7  ".join(p for p in parts if p))

    def say(self, message: str, ms: int) -> None:
        """A transient status-bar message, shortened with an ellipsis to end before the rates (full text on hover)."""
        bar = self.statusBar()
        room = max(80, bar.width() - self.stats.sizeHint().width() - 32)
        bar.showMessage(bar.fontMetrics().elidedText(message, Qt.TextElideMode.ElideRight, room), ms)
        bar.setToolTip(message)

    # ----- teaching by example -------------------------------------------------------------------------------
    def _with_examples(self, setup: Callable[[], ModelSetup]) -> Callable[[], ModelSetup]:
        """`setup`, with the examples file opened when the model loads and saved after each change."""
        path = self.examples_file
        if path is None:
            return setup

        def setup_with_examples() -> ModelSetup:
            return with_examples(setup(), path, self.report)
        return setup_with_examples

    def teach(self, label: str) -> None:
        """Count in, then record the next seconds of the stream and teach them to `label` (one at a time)."""
        self.cancel_teaching(quiet=True)
        if self.runner.pipeline is None:
            self.show_error("The video is still starting: teach in a moment.")
            return
        self._teaching, self._count_left = label, self.count_in
        self._count_down()
        if self.count_in > 0:
            self._count_timer.start()

    def cancel_teaching(self, quiet: bool = False) -> None:
        if self._teaching is None:
            return
        self._count_timer.stop()
        if self.runner.pipeline is not None:
            self.runner.pipeline.cancel_teach()
        self._teaching = None
        self.editor.show_teaching(None)
        if not quiet:
            self.say("Teaching cancelled: nothing taught", 5000)

    def forget(self, label: str, everything: bool) -> None:
        """Delete the label's last example (or all), then save the examples file."""
        if self.runner.pipeline is None:
            self.show_error("The video is still starting: delete examples in a moment.")
            return
        self.runner.pipeline.forget(label, everything, lambda *done: self.report("examples", ("forget", *done)))

    def _count_down(self) -> None:
        """Every second of the count-in: "in 3..2..1", then ask the pipeline to record."""
        label, seconds = self._teaching, self.editor.teach_seconds.value()
        if label is None:
            return
        if self._count_left > 0:
            self.editor.show_teaching(f"Teaching {label!r} in {self._count_left}... get into view")
            self._count_left -= 1
            return
        self._count_timer.stop()
        self.editor.show_teaching(f"Teaching {label!r}: recording, {seconds:.1f} s left")
        self.runner.pipeline.teach(label, float(seconds), lambda *done: self.report("examples", ("teach", *done)))

    def _examples_changed(self, action: str, label: str, count: int, problem: str | None) -> None:
        """A teach or delete came back from the pipeline: show the new count, or the one reason it failed."""
        if action == "teach":
            self._teaching = None
            self.editor.show_teaching(None)
        self._taught_changed({**self.editor.taught(), label: count})
        if problem:
            self.show_error(f"{'Teaching' if action == 'teach' else 'Deleting examples of'} {label!r}: {problem}")
            return
        saved = f", saved to {self.examples_file.name}" if self.examples_file else ""
        self.say(f"{'Taught' if action == 'teach' else 'Deleted'} {label!r}: {count} example(s) now{saved}", 8000)

    def _taught_changed(self, taught: dict[str, int]) -> None:
        """New counts; a label newly taught (e.g. from the examples file) joins the list when it is not in it."""
        old, labels = self.editor.taught(), self.editor.labels()
        missing = [label for label, n in taught.items() if n and label not in old and label not in labels]
        self.editor.set_taught(taught)
        if missing:
            self.editor.set_labels(labels + missing)

    def _labels_changed(self, labels: list[str]) -> None:
        self.statusBar().clearMessage()  # an error about the old list no longer applies
        self.statusBar().setToolTip("")
        self._last_scored = None
        self.runner.set_labels(labels)
        self.settings.set_labels(labels)
        self.timeline.clear()
        self.chart.set_message("Scoring the new labels...")
        self._panel_key = None

    def closeEvent(self, event: QCloseEvent) -> None:
        self._count_timer.stop()
        self.settings.set_labels(self.editor.labels())
        self.settings.set_geometry(self.saveGeometry())
        self._status_timer.stop()
        self.runner.stop()
        self._drain_timer.stop()
        super().closeEvent(event)


def remembered_labels(settings: Settings) -> list[str]:
    """The labels of the last run, or the default example set when there are none (or they no longer pass)."""
    try:
        return clean_labels(settings.labels() or [])
    except FdsmError:
        return list(EXAMPLE_SETS[DEFAULT_SET])


def initial_source(args: argparse.Namespace, window: MainWindow) -> Callable[[], FrameSource]:
    """--video, else --camera, else the default webcam when one exists, else the demo clip (looping)."""
    from app.main import demo_clip

    if args.video:
        return lambda: Replay(VideoFile(args.video, max_side=MAX_SIDE), loop=window.loop)
    if args.camera is not None or camera_available(0):
        index = args.camera or 0
        window.camera_index.setValue(index)
        return lambda: CameraSource(index, on_status=lambda msg: window.report("status", msg))
    window.statusBar().showMessage("No camera found: showing the bundled demo clip", 10000)
    return lambda: Replay(VideoFile(demo_clip(), max_side=MAX_SIDE), loop=True)


def run_window(args: argparse.Namespace, labels: list[str] | None) -> int:
    from app.main import smoother
    from app.stages import model_setup

    app = QApplication.instance() or QApplication(["fdsm-live"])
    settings = Settings()
    labels = labels or remembered_labels(settings)
    recorder = Recorder(args.record, 30.0) if args.record else None
    examples = Path(args.examples) if args.examples else settings.examples_path()
    window = MainWindow(settings, lambda: model_setup(args.checkpoint, labels, smoother(args)), labels, recorder,
                        loop=not args.no_loop, examples_file=examples)
    window.show()
    window.start(initial_source(args, window))
    if args.heartbeat:
        heartbeat(window, Path(args.heartbeat))
    if args.quit_after is not None:
        QTimer.singleShot(round(1000 * args.quit_after), lambda: _quit(app, window, args.screenshot))
    return app.exec()


def heartbeat(window: MainWindow, path: Path, period_ms: int = 1000) -> QTimer:
    """--heartbeat: every `period_ms`, atomically rewrite `path` with what the window has shown so far (the soak
    test reads it: the process is alive and the counts still rise)."""
    started = time.monotonic()
    tmp = path.with_name(f".{path.name}.tmp")

    def beat() -> None:
        state = {"uptime_s": round(time.monotonic() - started, 1), "frames": window.updates_shown,
                 "scored": window.scored_shown, "top": window.top_label.text(),
                 "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
        tmp.write_text(json.dumps(state))
        os.replace(tmp, path)

    timer = QTimer(window, interval=period_ms, timeout=beat)
    timer.start()
    return timer


def _quit(app: QApplication, window: MainWindow, screenshot: str | None) -> None:
    """--quit-after: optionally save what is on screen (the real screen under X11, else the widget), then close."""
    if screenshot:
        screen = app.primaryScreen()
        pixmap = screen.grabWindow(window.winId()) if app.platformName() == "xcb" else window.grab()
        if not pixmap.save(screenshot):
            window.show_error(f"{screenshot}: cannot save the screenshot there")
    window.close()
    app.quit()
