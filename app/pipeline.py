"""The one pipeline behind the window and the headless replay: frame -> pose -> window -> recognizer -> smoothing.

The parts are typed by small Protocols so the pipeline is tested with fakes and runs with the real
`pose.stream.SkeletonStream`, `pose.window.WindowBuffer` and `fdsm.Recognizer` alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.smoothing import ScoreSmoother, SmoothedScores
from app.sources import Frame
from fdsm.cli import USER_ERRORS
from fdsm.skeleton import body_valid

MAX_GAP_S = 1.0  # a larger jump in source time (seek, loop, stalled camera) starts a fresh window
TeachDone = Callable[[str, int, "str | None"], None]  # (label, its example count, None or why nothing was taught)


class PoseOutput(Protocol):
    """One frame's pose result (pose.stream.StreamOutput)."""

    t: float
    skeleton: np.ndarray  # (2, 25, 3) float32 y-up metres, NaN for an empty slot
    persons: int
    track_ids: tuple
    landmarks: tuple  # per slot: object with .image (33, 3) normalised x, y and .visibility (33,), or None


class PoseStage(Protocol):
    def process(self, frame: np.ndarray, t: float | None) -> PoseOutput: ...

    def close(self) -> None: ...


class Window(Protocol):
    skeleton: np.ndarray  # (T, M, 25, 3) raw metres
    fps: float
    t_end: float


class WindowStage(Protocol):
    def push(self, t: float, skeleton: np.ndarray) -> Window | None: ...

    def reset(self) -> None: ...


class RecognitionResult(Protocol):
    top: str | None
    scores: dict[str, float]


class RecognizerLike(Protocol):
    def set_labels(self, labels: list[str]) -> None: ...

    def recognize(self, skeleton: np.ndarray, fps: float = 30.0) -> RecognitionResult: ...


@dataclass
class Scored:
    """One scored window: what the chart shows and what the headless replay writes (smoothed scores).

    `top` is the argmax of `scores` or None (`reason` then says why: "unsure" or "nothing matches"); every view
    shows this one decision. `subject` is the display number of the person the window is centred on when two
    were in it (the model sees both; its input is centred on the most present one), else None.
    """

    t: float
    frame: int
    persons: int
    top: str | None
    scores: dict[str, float]
    raw_top: str | None
    raw_scores: dict[str, float]
    reason: str | None = None
    subject: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The ARCHITECTURE.md line: {"t", "frame", "persons", "top", "scores"}."""
        return {"t": round(self.t, 3), "frame": self.frame, "persons": self.persons, "top": self.top,
                "scores": {k: round(float(v), 5) for k, v in self.scores.items()}}


@dataclass
class Update:
    """Everything the UI needs after one processed frame."""

    frame: Frame
    persons: int
    landmarks: tuple
    track_ids: tuple
    timings_ms: dict[str, float]
    scored: Scored | None = None
    labels: tuple[str, ...] = ()
    matches: dict[str, str | None] = field(default_factory=dict)
    trained: frozenset[str] = frozenset()  # labels the checkpoint was trained on
    people: tuple = ()  # per slot: the person's display number (stable colour), None for an empty slot
    taught: dict[str, int] = field(default_factory=dict)  # label -> its number of examples (taught labels only)
    teaching: float | None = None  # seconds left of the example being recorded, None when not recording


@dataclass
class Recording:
    """An example being recorded from the stream: the pose rows of the frames in its first `seconds`."""

    label: str
    seconds: float
    on_done: TeachDone
    times: list[float] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)

    def fps(self) -> float:
        """The mean frame rate of the recorded rows (a live loop drops frames, so they are not evenly spaced)."""
        span = self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0
        return (len(self.times) - 1) / span if span > 0 else 30.0


class Pipeline:
    """Turns frames into Updates; thread-safe label changes; the caller decides which frames to feed."""

    def __init__(self, pose: PoseStage, windows: WindowStage, recognizer: RecognizerLike | None,
                 labels: Sequence[str], smoother: ScoreSmoother | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.pose = pose
        self.recognizer = recognizer
        self._windows = windows
        self._smoother = smoother or ScoreSmoother()
        self._clock = clock
        self._lock = threading.Lock()
        self._pending_labels: tuple[str, ...] | None = tuple(labels)
        self._pending_recognizer: RecognizerLike | None = None
        self.labels: tuple[str, ...] = ()
        self.matches: dict[str, str | None] = {}
        self.trained: frozenset[str] = frozenset()
        self._last_src_t: float | None = None
        self._offset = 0.0
        self._numbers = PersonNumbers()
        self.examples_file: Path | None = None  # taught examples are saved here after each change
        self.taught: dict[str, int] = {}
        self._model_lock = threading.RLock()  # the recognizer is used by the frame loop and by forget()
        self._recording: Recording | None = None
        self._next_recording: Recording | None = None
        self._swap_recording = False

    def set_labels(self, labels: Sequence[str]) -> None:
        """Queue a new label list; it is applied (text encoded) on the pipeline's own thread before the next frame."""
        with self._lock:
            self._pending_labels = tuple(labels)

    def set_recognizer(self, recognizer: RecognizerLike) -> None:
        """Hand over a recognizer loaded on another thread; it takes the current labels before the next frame."""
        with self._lock:
            self._pending_recognizer = recognizer

    def teach(self, label: str, seconds: float, on_done: TeachDone) -> None:
        """Record the next `seconds` of stream time from the next frame on, then teach them to `label` on the
        pipeline's thread; `on_done` is called there once (a failure leaves the examples and their file as they
        were). A recording already running is replaced."""
        with self._lock:
            self._next_recording, self._swap_recording = Recording(label, seconds, on_done), True

    def cancel_teach(self) -> None:
        """Drop the recording in progress (or about to start) without teaching anything or calling back."""
        with self._lock:
            self._next_recording, self._swap_recording = None, True

    def forget(self, label: str, everything: bool, on_done: TeachDone) -> None:
        """Delete `label`'s last example (or all of them) and save, on a short thread of its own (a paused replay
        runs no frames); `on_done` is called there once."""
        threading.Thread(target=self._forget, args=(label, everything, on_done), daemon=True,
                         name="fdsm-forget").start()

    def process(self, frame: Frame) -> Update:
        with self._model_lock:
            self._apply_labels()
        t = self._stream_time(frame.t)
        t0 = self._clock()
        pose = self.pose.process(frame.image, t)
        t1 = self._clock()
        window = self._windows.push(t, pose.skeleton)
        t2 = self._clock()
        teaching = self._record(t, pose.skeleton)
        with self._model_lock:
            self.taught = _counts(self.recognizer)
        timings = {"pose": 1e3 * (t1 - t0), "window": 1e3 * (t2 - t1)}
        people = self._numbers.assign(pose.track_ids, pose.landmarks)
        update = Update(frame, pose.persons, pose.landmarks, pose.track_ids, timings, labels=self.labels,
                        matches=self.matches, trained=self.trained, people=people, taught=dict(self.taught),
                        teaching=teaching)
        if window is not None and self.recognizer is not None and self.labels:
            t3 = self._clock()
            with self._model_lock:
                result = self.recognizer.recognize(window.skeleton, fps=window.fps)
            timings["score"] = 1e3 * (self._clock() - t3)
            found = getattr(result, "matches", None) or {}
            update.matches = self.matches = {label: _match_name(found.get(label)) for label in self.labels}
            trained = getattr(result, "trained", None) or {}
            update.trained = self.trained = frozenset(label for label in self.labels if trained.get(label))
            smoothed: SmoothedScores = self._smoother.update(result.scores, result.top is None)
            update.scored = Scored(frame.t, frame.index, pose.persons, smoothed.top, smoothed.scores,
                                   result.top, dict(result.scores), smoothed.reason,
                                   _subject(window.skeleton, people))
        return update

    def _apply_labels(self) -> None:
        with self._lock:
            labels, self._pending_labels = self._pending_labels, None
            recognizer, self._pending_recognizer = self._pending_recognizer, None
        if recognizer is not None:  # a new model takes the labels, unless its loader gave it them (set_labels: ~1 s)
            self.recognizer = recognizer
            labels = labels if labels is not None else self.labels
            if tuple(getattr(recognizer, "labels", ())) != labels:
                self.labels = ()
        if labels is None or labels == self.labels:
            return
        if self.recognizer is not None and labels:
            self.recognizer.set_labels(list(labels))
        self.matches, self.trained = {}, frozenset()
        self.labels = labels
        self._smoother.reset()

    def _stream_time(self, src_t: float) -> float:
        """Source time made strictly increasing across seeks and loops (MediaPipe needs it); a jump resets windows."""
        last = self._last_src_t
        if last is not None and not (last < src_t <= last + MAX_GAP_S):
            if self._recording is not None:
                rec, self._recording = self._recording, None
                rec.on_done(rec.label, self.taught.get(rec.label, 0), "the video jumped (a seek, a loop or a "
                            "stalled camera) while recording: show the action again")
            self._offset = (last + self._offset) - src_t + 1.0 / 30.0
            self._windows.reset()
            self._smoother.reset()
        self._last_src_t = src_t
        return src_t + self._offset

    def _record(self, t: float, skeleton: np.ndarray) -> float | None:
        """Add this frame's pose to the example being recorded, or teach it once it spans its seconds (this frame
        is then not part of it). Returns the seconds left to record, None when not recording."""
        with self._lock:
            if self._swap_recording:
                self._recording, self._swap_recording = self._next_recording, False
                self._next_recording = None
        rec = self._recording
        if rec is None:
            return None
        if rec.times and t - rec.times[0] >= rec.seconds - 1e-6:
            self._recording = None
            with self._model_lock:
                count, problem = self._add_example(rec)
            rec.on_done(rec.label, count, problem)
            return None
        rec.times.append(t)
        rec.rows.append(np.array(skeleton, np.float32))
        return max(0.0, rec.seconds - (t - rec.times[0]))

    def _add_example(self, rec: Recording) -> tuple[int, str | None]:
        """Teach the recording to the recognizer and save; (the label's count, None or the one-line reason)."""
        recognizer = self.recognizer
        if recognizer is None or not hasattr(recognizer, "add_example"):
            return 0, "the action model has not loaded yet: try again in a moment"
        try:
            count = recognizer.add_example(rec.label, np.stack(rec.rows), rec.fps())
        except USER_ERRORS as exc:
            return self.taught.get(rec.label, 0), str(exc)
        except Exception as exc:  # a bug must reach the user as a message, not end the frame loop
            return self.taught.get(rec.label, 0), f"teaching failed: {type(exc).__name__}: {exc}"
        return count, self._save()

    def _forget(self, label: str, everything: bool, on_done: TeachDone) -> None:
        with self._model_lock:
            recognizer = self.recognizer
            have = _counts(recognizer).get(label, 0) if recognizer is not None else 0
            if not have:
                on_done(label, 0, f"{label!r} has no examples to delete")
                return
            try:
                for index in range(have - 1, -1 if everything else have - 2, -1):
                    recognizer.remove_example(label, index)
            except USER_ERRORS as exc:
                problem: str | None = str(exc)
            else:
                problem = self._save()
            left = _counts(recognizer).get(label, 0)
        on_done(label, left, problem)

    def _save(self) -> str | None:
        """Write the examples file when there is one; None, or why it could not be written."""
        if self.examples_file is None:
            return None
        try:
            self.recognizer.save_examples(self.examples_file)
        except (OSError, *USER_ERRORS) as exc:
            return f"the examples could not be saved to {self.examples_file}: {exc}"
        return None

    def close(self) -> None:
        self.pose.close()


def _counts(recognizer: object) -> dict[str, int]:
    """The recognizer's taught labels and their example counts ({} for one that cannot be taught)."""
    examples = getattr(recognizer, "examples", None)
    return dict(examples()) if callable(examples) else {}


class PersonNumbers:
    """Display numbers 0, 1, ... per tracked person, kept while the tracker keeps the person's id.

    A new track takes the lowest free number; tracks that appear together (the start, or a replay that looped and
    restarted tracking) are numbered left to right, so a looping clip shows each person in the same colour.
    """

    def __init__(self) -> None:
        self._numbers: dict[object, int] = {}

    def assign(self, track_ids: Sequence[object], landmarks: Sequence[object]) -> tuple[int | None, ...]:
        live = {tid: slot for slot, tid in enumerate(track_ids) if tid is not None}
        self._numbers = {tid: n for tid, n in self._numbers.items() if tid in live}
        new = sorted((tid for tid in live if tid not in self._numbers),
                     key=lambda tid: _image_x(landmarks[live[tid]] if live[tid] < len(landmarks) else None))
        free = (n for n in range(len(track_ids) + len(self._numbers)) if n not in self._numbers.values())
        for tid in new:
            self._numbers[tid] = next(free)
        return tuple(None if tid is None else self._numbers[tid] for tid in track_ids)


def _image_x(landmarks: object) -> float:
    """Mean normalised x of a person's image landmarks (0 = left edge); 0.5 when unknown."""
    image = getattr(landmarks, "image", None)
    if image is None:
        return 0.5
    x = np.asarray(image, dtype=np.float64)[:, 0]
    return float(np.nanmean(x)) if np.isfinite(x).any() else 0.5


def _subject(window: np.ndarray, people: Sequence[int | None]) -> int | None:
    """The display number of the window's main (most present) body when two or more bodies are in it."""
    counts = body_valid(window).sum(axis=0)
    if (counts > 0).sum() < 2:
        return None
    slot = int(np.argmax(counts))  # first of equals, as fdsm.skeleton.order_bodies does
    return people[slot] if slot < len(people) else None


def _match_name(match: object) -> str | None:
    """The known class a typed label matched (a fdsm.text.LabelMatch or a plain string), for display."""
    if match is None:
        return None
    if isinstance(match, str):
        return match
    text = getattr(match, "entry", None)
    name = getattr(text, "name", None)
    bank = getattr(match, "bank", None)
    return f"{name} ({bank})" if name and bank else (name or str(match))
