"""The window's worker: frames flow while the model loads beside them, then the model takes over; a failed load
is reported and pose keeps running."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from app.pipeline import Pipeline
from app.runner import LoadedModel, ModelSetup, Runner
from app.smoothing import ScoreSmoother
from app.sources import Replay, VideoFile
from tests.app.fakes import FakePose, FakeRecognizer, FakeWindows


class Reports:
    """Collects the worker's reports; `wait_for` blocks until one matches."""

    def __init__(self) -> None:
        self.items: list[tuple[str, object]] = []
        self._changed = threading.Condition()

    def __call__(self, kind: str, payload: object) -> None:
        with self._changed:
            self.items.append((kind, payload))
            self._changed.notify_all()

    def wait_for(self, done, timeout: float = 30.0) -> bool:
        """Wait until `done(items)` is true."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.items):
                if not self._changed.wait(max(0.0, deadline - time.monotonic())) and time.monotonic() > deadline:
                    return False
        return True


def kinds(items: list[tuple[str, object]]) -> list[str]:
    return [k for k, _ in items]


def run(load, demo_clip: Path, until) -> list[tuple[str, object]]:
    released = threading.Event()

    def slow_load() -> LoadedModel:
        released.wait(30.0)  # the model "loads" until the test has seen frames flow
        return load()

    def setup() -> ModelSetup:
        pipe = Pipeline(FakePose(1), FakeWindows(seconds=0.3, stride=0.1), None, ["wave", "jump"], ScoreSmoother())
        return ModelSetup(pipe, "loading model...", None, slow_load)

    reports = Reports()
    runner = Runner(setup, reports)
    runner.start()
    runner.open(lambda: Replay(VideoFile(demo_clip, max_side=160), loop=True))
    try:
        assert reports.wait_for(lambda items: kinds(items).count("update") >= 3)  # pose runs before the model
        released.set()
        assert reports.wait_for(until)
    finally:
        runner.stop()
    return reports.items


def test_frames_flow_while_the_model_loads_then_it_scores(demo_clip: Path) -> None:
    items = run(lambda: LoadedModel(FakeRecognizer(), "fake model"), demo_clip,
                lambda items: any(k == "update" and p.scored is not None for k, p in items))
    models = [p for k, p in items if k == "model"]
    assert models == ["loading model...", "fake model"]
    first_model = next(i for i, (k, p) in enumerate(items) if p == "fake model")
    assert all(p.scored is None for k, p in items[:first_model] if k == "update")
    assert not [p for k, p in items if k == "error"]


def test_a_failed_load_is_reported_and_pose_keeps_running(demo_clip: Path) -> None:
    def broken() -> LoadedModel:
        raise RuntimeError("weights are corrupt")

    items = run(broken, demo_clip, lambda items: "update" in kinds(items)[kinds(items).index("error"):]
                if "error" in kinds(items) else False)  # pose goes on after the error
    errors = [p for k, p in items if k == "error"]
    assert errors == ["model loading failed: RuntimeError: weights are corrupt"]
    assert [p for k, p in items if k == "model"][-1] == "no model"


def test_a_model_handed_over_with_the_labels_set_is_not_given_them_again() -> None:
    """set_labels costs about a second on the real model: the loader applies the first labels, the frame loop
    must not repeat them; a model without them gets them before its first window."""
    import numpy as np

    from app.sources import Frame

    frames = [Frame(np.full((8, 8, 3), 100, np.uint8), i / 30, i) for i in range(40)]
    pipe = Pipeline(FakePose(1), FakeWindows(seconds=0.3, stride=0.1), None, ["wave", "jump"], ScoreSmoother())
    pipe.process(frames[0])
    ready = FakeRecognizer()
    ready.set_labels(["wave", "jump"])
    calls: list[list[str]] = []
    ready.set_labels = calls.append  # type: ignore[method-assign]
    pipe.set_recognizer(ready)
    assert any(pipe.process(f).scored for f in frames[1:20]) and calls == []
    bare = FakeRecognizer()
    pipe.set_recognizer(bare)
    assert any(pipe.process(f).scored for f in frames[20:]) and bare.labels == ["wave", "jump"]
