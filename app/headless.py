"""Headless replay: every frame of a video through the same Pipeline as the window, results as JSON lines.

Output files are moved into place at the end (also after Ctrl-C or a truncated video): finished work is
never lost and a reader never sees half a line.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from app.outputs import JsonLines, Recorder, check_output_folder
from app.overlay import caption_text, draw_update
from app.pipeline import Pipeline, Scored
from app.sources import VideoFile
from fdsm.errors import FdsmError

MAX_SIDE = 960  # frames are shrunk to this long side before pose estimation (MediaPipe works at 256 px anyway)


class Timeline:
    """The readable stdout timeline: one line each time the shown decision (label, unsure, which person) changes."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._last: object = ()

    def write(self, scored: Scored) -> None:
        label = caption_text(scored)
        if label == self._last:
            return
        self._last = label
        p = f"p={scored.scores[scored.top]:.2f}" if scored.top is not None else ""
        tqdm.write(f"{scored.t:8.2f} s  frame {scored.frame:6d}  {label:<24s} {p:8s} persons={scored.persons}",
                   file=self.out)


def label_kinds(labels: tuple[str, ...], trained: frozenset[str], show: int = 5,
                taught: Collection[str] = ()) -> str:
    """One short line saying which labels the model was trained on, which are taught by example and which it
    scores zero-shot (the first `show` of each named, the rest counted, so 200 labels still make a readable line)."""
    known = [label for label in labels if label in trained and label not in taught]
    shown = [label for label in labels if label in taught]
    new = [label for label in labels if label not in trained and label not in taught]
    by_example = f"; taught by example: {_some(shown, show)}" if shown else ""
    return (f"fdsm-live: trained on {len(known)} of {len(labels)} labels ({_some(known, show)}){by_example}; "
            f"zero-shot: {_some(new, show)}")


def _some(names: list[str], show: int) -> str:
    """'a, b, c', or 'a, b, c and 7 more'; 'none' when empty."""
    if not names:
        return "none"
    more = f" and {len(names) - show} more" if len(names) > show else ""
    return ", ".join(names[:show]) + more


def run_headless(video_path: str | Path, pipeline_factory: Callable[[], Pipeline], json_out: str | Path | None = None,
                 record: str | Path | None = None, out: TextIO = sys.stdout, progress: bool = True) -> int:
    """Replay `video_path`; `pipeline_factory()` (slow: loads models) runs only once the inputs are known good."""
    with contextlib.ExitStack() as stack:
        video = VideoFile(video_path, max_side=MAX_SIDE)
        stack.callback(video.close)
        recorder = Recorder(record, video.fps) if record else None
        if json_out:
            check_output_folder(Path(json_out))
        pipeline = pipeline_factory()
        stack.callback(pipeline.close)
        if recorder is not None:
            stack.callback(recorder.close)
        sink = JsonLines(json_out) if json_out else Timeline(out)
        if json_out:
            stack.callback(sink.close)
        scored_count = _replay(video, pipeline, sink, recorder, progress)
    note = video.truncation_note()
    if note:
        raise FdsmError(note)
    if scored_count == 0:
        print(f"fdsm-live: no window was scored in {video.name}: nobody was tracked long enough "
              f"({video.position} frames)", file=sys.stderr)
    return 0


def _replay(video: VideoFile, pipeline: Pipeline, sink: JsonLines | Timeline, recorder: Recorder | None,
            progress: bool) -> int:
    last: Scored | None = None
    count = 0
    with tqdm(total=video.frame_count, unit="frame", desc=video.name, file=sys.stderr, disable=not progress,
              leave=False) as bar:
        while (frame := video.read()) is not None:
            update = pipeline.process(frame)
            if update.scored is not None:
                last = update.scored
                count += 1
                if count == 1:
                    tqdm.write(label_kinds(update.labels, update.trained, taught=update.taught), file=sys.stderr)
                sink.write(last)
            if recorder is not None:
                recorder.write(draw_update(update, last))
            bar.update(1)
    return count
