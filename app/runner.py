"""The window's worker thread: opens sources, loads the model and runs the Pipeline off the UI thread.

Everything slow or fallible (MediaPipe start-up, checkpoint loading, opening a camera or a file) happens here,
so the window appears at once and never freezes. The action model loads on a second thread while the first
frames already run through pose and fill the window buffer, so the first answer comes when both are ready,
not one after the other. Frames are taken from the source newest-first (a replayed file decodes ahead on its
own thread and drops what the worker missed), and each result is handed to `report`, which the UI side turns
into a signal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.outputs import Recorder
from app.overlay import draw_update
from app.pipeline import Pipeline, RecognizerLike, Scored, Update
from app.sources import FrameSource, Replay
from fdsm.cli import USER_ERRORS

# report(kind, payload) kinds: "status" str, "error" str (show a dialog), "model" str, "source" FrameSource,
# "update" Update, "finished" FrameSource (a non-looping video reached its end).
Report = Callable[[str, object], None]
LOADING_PERIOD_S = 0.1  # while the model loads, pose runs at 10 frames/s: enough to fill the first window
# (windows interpolate over short gaps), and the loader gets the CPU and the GIL it needs


@dataclass
class LoadedModel:
    """The action model once loaded (None when it could not be), its description and why it is missing."""

    recognizer: RecognizerLike | None
    model: str
    problem: str | None = None


@dataclass
class ModelSetup:
    """What the worker builds first: the pipeline and a description of the model (or why there is none)."""

    pipeline: Pipeline
    model: str
    problem: str | None = None  # e.g. the checkpoint could not be loaded: pose only, and the user is told
    load: Callable[[], LoadedModel] | None = None  # the slow model load, run beside the frame loop


class Runner:
    """One worker thread; `open()` switches the source, `stop()` ends it. Thread-safe."""

    def __init__(self, setup: Callable[[], ModelSetup], report: Report, record: Recorder | None = None) -> None:
        self._setup = setup
        self._report = report
        self._recorder = record
        self._lock = threading.Lock()
        self._next_source: Callable[[], FrameSource] | None = None
        self._labels: list[str] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._loading = threading.Event()
        self._loader: threading.Thread | None = None
        self.source: FrameSource | None = None
        self.pipeline: Pipeline | None = None
        self._last_problem = ""
        self._recorded_index: int | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="fdsm-pipeline")

    def start(self) -> None:
        self._thread.start()

    def open(self, make_source: Callable[[], FrameSource]) -> None:
        """Replace the current source (opened on the worker thread; a failure becomes an "error" report)."""
        with self._lock:
            self._next_source = make_source
        self._wake.set()

    def set_labels(self, labels: list[str]) -> None:
        with self._lock:
            self._labels = list(labels)
            if self.pipeline is not None:
                self.pipeline.set_labels(self._labels)

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in (self._thread, self._loader):  # a load cut off at exit aborts the interpreter
            if thread is not None and thread.is_alive():
                thread.join(timeout)

    def _run(self) -> None:
        try:
            setup = self._setup()
        except USER_ERRORS as exc:
            self._report("error", str(exc))
            return
        with self._lock:
            self.pipeline = setup.pipeline
            if self._labels is not None:
                self.pipeline.set_labels(self._labels)
        self._report("model", setup.model)
        if setup.problem:
            self._report("error", setup.problem)
        if setup.load is not None:
            self._loading.set()
            self._loader = threading.Thread(target=self._load_model, args=(setup.pipeline, setup.load), daemon=True,
                                            name="fdsm-model-loader")
            self._loader.start()
        last: Scored | None = None
        ended: FrameSource | None = None
        try:
            while not self._stop.is_set():
                self._switch_source()
                source = self.source
                if source is None or (source.finished and source is ended):
                    self._wake.wait(0.1)
                    self._wake.clear()
                    continue
                frame = source.next_frame(0.05)
                if frame is None:
                    if source.finished:  # said once per end (a decoding thread may finish between two calls)
                        ended = source
                        self._report("finished", source)
                    continue
                started = time.monotonic()
                try:
                    update = self.pipeline.process(frame)
                except Exception as exc:  # a bad frame or label must not kill the worker
                    self._problem(exc)
                    continue
                last = update.scored or last
                self._record(update, last)
                self._report("update", update)
                if self._loading.is_set():
                    self._stop.wait(LOADING_PERIOD_S - (time.monotonic() - started))
        finally:
            self._close()

    def _load_model(self, pipeline: Pipeline, load: Callable[[], LoadedModel]) -> None:
        """Load the action model while frames already flow; the pipeline picks it up before its next frame."""
        try:
            loaded = load()
        except Exception as exc:  # a bug in loading must reach the user, not vanish with the thread
            loaded = LoadedModel(None, "no model", f"model loading failed: {type(exc).__name__}: {exc}")
        finally:
            self._loading.clear()
        if self._stop.is_set():
            return
        if loaded.recognizer is not None:
            pipeline.set_recognizer(loaded.recognizer)
        self._report("model", loaded.model)
        if loaded.problem:
            self._report("error", loaded.problem)

    def _switch_source(self) -> None:
        with self._lock:
            make, self._next_source = self._next_source, None
        if make is None:
            return
        try:
            new = make()
        except USER_ERRORS as exc:
            self._report("error", str(exc))
            return
        if self.source is not None:
            self.source.close()
        if isinstance(new, Replay):
            new.decode_ahead()
        self.source = new
        self._recorded_index = None
        if self._recorder is not None and self._recorder.frames == 0:
            self._recorder.fps = new.fps
        self._report("source", new)

    def _problem(self, exc: Exception) -> None:
        """Report a processing failure once (it may repeat every frame), then keep going with the next frame."""
        message = str(exc) if isinstance(exc, USER_ERRORS) else f"processing failed: {type(exc).__name__}: {exc}"
        if message != self._last_problem:
            self._last_problem = message
            self._report("error", message)

    def _record(self, update: Update, last: Scored | None) -> None:
        if self._recorder is None:
            return
        # repeat the frame for the source frames dropped since the last one, so the video keeps real time
        previous, self._recorded_index = self._recorded_index, update.frame.index
        limit = max(1, round(self._recorder.fps))  # stand in for at most one second (e.g. after a camera stall)
        repeat = 1 if previous is None else min(max(1, update.frame.index - previous), limit)
        try:
            image = draw_update(update, last)
            for _ in range(repeat):
                self._recorder.write(image)
        except USER_ERRORS as exc:
            self._report("error", f"recording stopped: {exc}")
            self._recorder = None

    def _close(self) -> None:
        for part in (self.source, self._recorder, self.pipeline):
            if part is not None:
                part.close()
