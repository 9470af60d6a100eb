"""Teaching from the app: `fdsm-live teach` (one example cut from a video file) and the examples file the app opens.

The example goes through the live window's own pose stream (`app.stages.pose_stream`: frame size, second look,
smoothing), so what is taught is measured as what will be scored. A corrupt or foreign examples file is moved
aside (never overwritten) and the app starts without it.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fdsm.errors import FdsmError
from fdsm.examples import ExampleError, clean_label

if TYPE_CHECKING:
    from app.runner import LoadedModel, ModelSetup

PROG = "fdsm-live teach"
WARMUP_S = 0.5  # frames before --from run through the pose stream too, so its tracker and smoothing have settled


def set_aside(path: Path) -> Path:
    """Rename an unreadable examples file to `<name>.unreadable-<time>` (a fresh name: nothing is overwritten)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.unreadable-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
        n += 1
    path.rename(target)
    return target


def open_examples(recognizer: Any, path: str | Path) -> str | None:
    """Load `path` into the recognizer when it exists; returns a one-line note for the user, or None.

    An unreadable file is set aside and the recognizer keeps going without taught labels.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        refit = recognizer.load_examples(path)
    except ExampleError as exc:
        kept = set_aside(path)
        return f"{exc}; kept aside as {kept.name}, starting without taught labels"
    counts = recognizer.examples()
    note = f"{sum(counts.values())} example(s) of {len(counts)} taught label(s) from {path.name}"
    return note + (" (refitted: they were made with another model or method)" if refit else "")


def with_taught(labels: Sequence[str], recognizer: Any) -> list[str]:
    """`labels` followed by the recognizer's taught labels that are not among them."""
    taught = list(getattr(recognizer, "examples", dict)())
    return list(labels) + [lab for lab in taught if lab not in labels]


def with_examples(setup: ModelSetup, path: Path, report: Callable[[str, object], None]) -> ModelSetup:
    """The window's model setup with the user's examples file: opened into the recognizer as soon as it is loaded
    (off the UI thread), and written by the pipeline after every taught or deleted example. The outcome is one
    line: a "status" report, or an "error" one when the file was unreadable and set aside."""
    setup.pipeline.examples_file = path
    if setup.load is None:
        if setup.pipeline.recognizer is not None:
            _open_and_report(setup.pipeline.recognizer, path, report)
        return setup
    load = setup.load

    def load_with_examples() -> LoadedModel:
        loaded = load()
        if loaded.recognizer is not None:
            _open_and_report(loaded.recognizer, path, report)
        return loaded

    setup.load = load_with_examples
    return setup


def _open_and_report(recognizer: Any, path: Path, report: Callable[[str, object], None]) -> None:
    if not hasattr(recognizer, "load_examples"):
        return
    try:
        note = open_examples(recognizer, path)
    except OSError as exc:  # e.g. an unreadable file in a folder where it cannot be renamed aside
        report("error", f"{path}: cannot be opened or set aside ({exc.strerror or exc}); starting without taught "
               "labels")
        return
    if note:
        report("status" if path.exists() else "error", note)  # gone: it was unreadable and set aside


def cut_from_video(video_path: str | Path, start: float, end: float) -> tuple[np.ndarray, float]:
    """(T, 2, 25, 3) skeleton rows of the video's frames in [start, end] seconds, and the video's fps."""
    from app.headless import MAX_SIDE
    from app.sources import VideoFile
    from app.stages import pose_stream

    video = VideoFile(video_path, max_side=MAX_SIDE)
    rows = []
    try:
        duration = (video.frame_count or 0) / video.fps
        if video.frame_count and start >= duration:
            raise FdsmError(f"--from {start:g} s is past the end of {video.name} ({duration:.2f} s)")
        while video.position / video.fps < start - WARMUP_S and video.skip():
            pass
        with pose_stream() as stream:
            while (frame := video.read()) is not None and frame.t <= end:
                row = stream.process(frame.image, frame.t)
                if frame.t >= start:
                    rows.append(row.skeleton)
    finally:
        video.close()
    if not rows:
        raise ExampleError(f"no frames of {Path(video_path).name} between {start:g} and {end:g} s")
    return np.stack(rows).astype(np.float32), float(video.fps)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="Teach an action by example: cut FROM..TO seconds of a video, run the pose pipeline "
        "over it and add it to LABEL's examples in the examples file (created when missing). Replay with "
        "`fdsm-live --video CLIP --examples FILE`.")
    p.add_argument("--video", metavar="FILE", required=True, help="video file showing the action")
    p.add_argument("--from", dest="start", metavar="SECONDS", type=float, required=True, help="start of the action")
    p.add_argument("--to", dest="end", metavar="SECONDS", type=float, required=True, help="end of the action")
    p.add_argument("--label", metavar="TEXT", required=True, help='the action\'s name, e.g. "pick up"')
    p.add_argument("--examples", metavar="FILE", required=True, help="examples file to add to (.npz)")
    p.add_argument("--checkpoint", metavar="DIR", help="model folder (default: the bundled checkpoint)")
    return p


def teach_main(argv: Sequence[str] | None) -> int:
    """`fdsm-live teach ...`: one example from a video file, saved; one line on stdout."""
    from app.stages import load_recognizer

    args = build_parser().parse_args(argv)
    label = clean_label(args.label)
    if not (math.isfinite(args.start) and math.isfinite(args.end) and 0 <= args.start < args.end):
        raise FdsmError(f"--from and --to must satisfy 0 <= from < to (got {args.start:g} and {args.end:g})")
    if not Path(args.video).is_file():
        raise FdsmError(f"{args.video}: no such video file")
    skeleton, fps = cut_from_video(args.video, args.start, args.end)
    recognizer = load_recognizer(args.checkpoint)
    note = open_examples(recognizer, args.examples)
    if note:
        print(f"fdsm-live: {note}", file=sys.stderr)
    count = recognizer.add_example(label, skeleton, fps)
    recognizer.save_examples(args.examples)
    print(f"taught {label!r} from {Path(args.video).name} {args.start:g}-{args.end:g} s: {count} example(s) now; "
          f"saved to {args.examples}")
    return 0
