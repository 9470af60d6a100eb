"""The real pipeline parts: the MediaPipe skeleton stream, 2-second windows and the FDSM recognizer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.pipeline import Pipeline, RecognizerLike
from app.runner import ModelSetup
from app.smoothing import ScoreSmoother
from fdsm.errors import CheckpointError, FdsmError

SCORE_PERIOD_S = 0.2  # a scored window every 200 ms: 5 Hz
DEFAULT_WINDOW_S = 2.0
MIN_VALID = 0.6


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


def build_pipeline(recognizer: RecognizerLike | None, labels: Sequence[str],
                   smoother: ScoreSmoother | None = None) -> Pipeline:
    """Pipeline over MediaPipe and the recognizer (None = pose only).

    MediaPipe runs in "video" mode for cameras too: the Pipeline hands it increasing timestamps either way.
    """
    from pose.stream import SkeletonStream
    from pose.window import WindowBuffer

    seconds = window_seconds(recognizer)
    stream = SkeletonStream(mode="video", num_poses=2, smoothing=True)
    windows = WindowBuffer(seconds=seconds, stride=SCORE_PERIOD_S, fps=30.0, min_valid=MIN_VALID)
    return Pipeline(stream, windows, recognizer, labels, smoother)


def model_setup(checkpoint: str | Path | None, labels: Sequence[str],
                smoother: ScoreSmoother | None = None) -> ModelSetup:
    """The window's pipeline; without a usable checkpoint it still runs pose only and says why."""
    try:
        recognizer, problem = load_recognizer(checkpoint), None
    except FdsmError as exc:
        recognizer = None
        problem = f"No action model: {exc}. Video and skeletons still run; pass --checkpoint DIR to score actions."
    return ModelSetup(build_pipeline(recognizer, labels, smoother), model_description(recognizer),
                      problem)
