"""The real pipeline parts: the MediaPipe skeleton stream, 2-second windows and the FDSM recognizer."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.pipeline import Pipeline, RecognizerLike
from app.runner import LoadedModel, ModelSetup
from app.smoothing import ScoreSmoother
from fdsm.errors import CheckpointError, FdsmError

if TYPE_CHECKING:
    from pose.stream import SkeletonStream
    from pose.window import WindowBuffer

SCORE_PERIOD_S = 0.2  # a scored window every 200 ms: 5 Hz
DEFAULT_WINDOW_S = 2.0
MIN_VALID = 0.6
MAX_GAP_S = 0.5
POSE_SIDE = 640  # long side of the frame MediaPipe sees (it crops to 224-256 px; see docs/pose.md, 2026-12-04)


def load_recognizer(checkpoint: str | Path | None = None) -> RecognizerLike:
    """fdsm.Recognizer from `checkpoint` (None = the bundled default); any failure becomes one clear line."""
    from fdsm import Recognizer

    where = checkpoint or "the default checkpoint"
    try:
        return Recognizer.from_pretrained(checkpoint)
    except FdsmError:
        raise
    except Exception as exc:  # a corrupt file can fail deep inside safetensors/onnxruntime
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise CheckpointError(f"{where}: cannot be loaded ({reason})") from None


def model_description(recognizer: RecognizerLike | None) -> str:
    """Short name of the model in use for the status line: checkpoint folder and size."""
    if recognizer is None:
        return "no model"
    checkpoint = getattr(recognizer, "checkpoint", None)
    cfg = getattr(recognizer, "cfg", None)
    name = Path(checkpoint.path).name if checkpoint is not None else type(recognizer).__name__
    size = f" ({cfg.width}x{cfg.depth}, {getattr(recognizer, 'backend', '?')})" if cfg is not None else ""
    return name + size


def window_seconds(recognizer: RecognizerLike | None) -> float:
    """The recognizer's window length (its checkpoint's cfg.window_seconds), 2 s without one."""
    cfg = getattr(recognizer, "cfg", None)
    return float(getattr(cfg, "window_seconds", None) or DEFAULT_WINDOW_S)


def pose_stream() -> SkeletonStream:
    """MediaPipe in "video" mode for cameras too (the Pipeline hands it increasing timestamps either way), two
    bodies (a second look for one hidden behind the other), on frames shrunk to POSE_SIDE."""
    from pose.stream import SkeletonStream

    return SkeletonStream(mode="video", num_poses=2, smoothing=True, max_side=POSE_SIDE, second_look=True)


def window_buffer(seconds: float, stride: float = SCORE_PERIOD_S) -> WindowBuffer:
    """Windows of `seconds` every `stride`. Rows come from processed frames (an absent body is a NaN row), so a
    gap between rows is only a slow frame loop: interpolating over up to MAX_GAP_S keeps a machine that manages
    3 frames/s answering (a longer stall or a seek starts fresh windows in the Pipeline)."""
    from pose.window import WindowBuffer

    return WindowBuffer(seconds=seconds, stride=stride, fps=30.0, min_valid=MIN_VALID, max_gap=MAX_GAP_S)


def build_pipeline(recognizer: RecognizerLike | None, labels: Sequence[str],
                   smoother: ScoreSmoother | None = None) -> Pipeline:
    """Pipeline over MediaPipe and the recognizer (None = pose only)."""
    return Pipeline(pose_stream(), window_buffer(window_seconds(recognizer)), recognizer, labels, smoother)


def model_setup(checkpoint: str | Path | None, labels: Sequence[str],
                smoother: ScoreSmoother | None = None) -> ModelSetup:
    """The window's pipeline, running pose at once; the model loads beside it (`ModelSetup.load`).

    Without a usable checkpoint it keeps running pose only and says why.
    """
    windows = window_buffer(DEFAULT_WINDOW_S)
    pipeline = Pipeline(pose_stream(), windows, None, labels, smoother)

    def load() -> LoadedModel:
        try:
            recognizer = load_recognizer(checkpoint)
        except FdsmError as exc:
            return LoadedModel(None, model_description(None), f"No action model: {exc}. Video and skeletons still "
                               "run; pass --checkpoint DIR to score actions.")
        windows.resize(window_seconds(recognizer))
        if labels:  # encode the first labels here, off the frame loop (the text encoder caches them); a bad
            with contextlib.suppress(FdsmError):  # label is reported by the pipeline when it applies them
                recognizer.set_labels(list(labels))
        return LoadedModel(recognizer, model_description(recognizer))

    return ModelSetup(pipeline, "loading model...", None, load)
