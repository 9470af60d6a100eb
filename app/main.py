"""`fdsm-live`: live open-vocabulary action recognition from a webcam or a video file, in a window or headless."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.labels import DEFAULT_SET, EXAMPLE_SETS, clean_labels, parse_labels, read_labels_file
from app.outputs import check_output_folder
from app.smoothing import ScoreSmoother
from fdsm.assets import asset_path
from fdsm.cli import run_cli
from fdsm.errors import AssetError, FdsmError

PROG = "fdsm-live"
DEMO_CLIP = ("demo", "pose2sim_single_cam01.mp4")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="Type action names, act them out, watch the matching name light up. With no "
        "source it opens the webcam, else the bundled demo clip; without a display it replays headless.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, metavar="N", help="camera index (default: 0 when one exists)")
    src.add_argument("--video", metavar="FILE", help="replay a video file at its own frame rate")
    p.add_argument("--headless", action="store_true", help="no window: score every frame of --video and exit")
    p.add_argument("--labels", metavar="TEXT", help='comma-separated action names, e.g. "wave, jump up"')
    p.add_argument("--labels-file", metavar="FILE", help="action names, one per line")
    p.add_argument("--json", metavar="OUT.jsonl", help="headless: one JSON object per scored window")
    p.add_argument("--record", metavar="OUT.mp4", help="write the annotated video (mp4v)")
    p.add_argument("--checkpoint", metavar="DIR", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--examples", metavar="FILE", help="labels taught by example, made by `fdsm-live teach` "
                   "(see `fdsm-live teach --help`) or the window's Teach; they are scored beside the typed labels "
                   "(window default: examples.npz beside the app's settings, where Teach saves)")
    p.add_argument("--no-loop", action="store_true", help="window: stop at the end of --video instead of looping")
    p.add_argument("--raw", action="store_true", help="show each window's own scores and their argmax (no EMA, never "
                   "\"unsure\")")
    p.add_argument("--quiet", action="store_true", help="headless: no progress bar")
    p.add_argument("--quit-after", type=float, metavar="SECONDS", help="window: close after this many seconds")
    p.add_argument("--screenshot", metavar="OUT.png", help="window: save a screenshot when closing (--quit-after)")
    p.add_argument("--heartbeat", metavar="FILE", help="window: rewrite FILE every second with the counts of frames "
                   "shown and windows scored (JSON), so a monitor can tell the window is alive and updating")
    return p


def has_display() -> bool:
    """True when Qt can show a window: an X11/Wayland display, or a non-windowing platform such as offscreen."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def demo_clip() -> Path:
    path = asset_path(*DEMO_CLIP)
    if not path.is_file():
        raise AssetError(f"the bundled demo clip {path} is missing; reinstall the package or pass --video FILE")
    return path


def given_labels(args: argparse.Namespace) -> list[str] | None:
    """Labels from --labels and --labels-file (both may be given), or None when neither was."""
    labels: list[str] = []
    if args.labels is not None:
        labels += parse_labels(args.labels)
    if args.labels_file is not None:
        labels += read_labels_file(args.labels_file)
    return clean_labels(labels) if (args.labels is not None or args.labels_file is not None) else None


def smoother(args: argparse.Namespace) -> ScoreSmoother | None:
    """--raw: every window's own scores and their argmax (no EMA, no unsure margin); else the app's decision."""
    return ScoreSmoother.raw() if args.raw else None


def _headless(args: argparse.Namespace, labels: list[str] | None) -> int:
    from app.headless import run_headless
    from app.pipeline import Pipeline
    from app.stages import build_pipeline, load_recognizer

    if args.camera is not None:
        raise FdsmError("headless mode replays a file: use --video FILE (the camera needs the window)")
    video = args.video
    if video is None:
        video = demo_clip()
        print(f"{PROG}: replaying the bundled demo clip {video.name}", file=sys.stderr)

    def pipeline() -> Pipeline:  # called by run_headless once the video and output paths are known good
        chosen = labels
        if chosen is None:
            chosen = list(EXAMPLE_SETS[DEFAULT_SET])
            print(f"{PROG}: no --labels given; using the {DEFAULT_SET!r} set: {', '.join(chosen)}", file=sys.stderr)
        recognizer = load_recognizer(args.checkpoint)
        if args.examples:
            from app.teach import open_examples, with_taught

            note = open_examples(recognizer, args.examples)
            if note:
                print(f"{PROG}: {note}", file=sys.stderr)
            chosen = with_taught(chosen, recognizer)
        return build_pipeline(recognizer, chosen, smoother(args))

    return run_headless(video, pipeline, json_out=args.json, record=args.record, progress=not args.quiet)


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["teach"]:
        from app.teach import teach_main

        return teach_main(argv[1:])
    args = build_parser().parse_args(argv)
    labels = given_labels(args)
    if args.heartbeat:
        check_output_folder(Path(args.heartbeat))
    if args.screenshot and args.quit_after is None:
        raise FdsmError("--screenshot is taken when the window closes: add --quit-after SECONDS")
    if args.json and not args.headless and has_display():
        raise FdsmError("--json is written by the headless replay: add --headless (and --video FILE)")
    if args.headless:
        return _headless(args, labels)
    if not has_display():
        if args.camera is not None:
            raise FdsmError("no display found (DISPLAY/WAYLAND_DISPLAY unset): the camera view needs a window")
        print(f"{PROG}: no display found (DISPLAY/WAYLAND_DISPLAY unset); running the headless replay instead",
              file=sys.stderr)
        return _headless(args, labels)
    from app.window import run_window

    return run_window(args, labels)


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(PROG, _main, argv)


if __name__ == "__main__":
    sys.exit(main())
