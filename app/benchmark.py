"""`fdsm-bench live`: the window's frame loop as a user gets it, on 1080p clips with one and with two people.

Each run is a fresh process started the way `fdsm-live` starts (imports, MediaPipe, model loading, opening the
clip), driving the window's own worker (`app.runner.Runner`: the replay decodes ahead on its own thread and
drops the frames the worker missed; the model loads beside the first frames). It reports the first answer's
time after launch, then the processed frame rate over `--seconds` of real time, per-stage latency, scoring
rate, persons per scored window and the peak resident memory. No Qt: painting runs on the UI thread in the
window and is not part of these figures.

`--without LEVER` turns one speed lever off (decode-thread, pose-downscale, parallel-load) to measure what it
buys; the clips are the bundled 1080x1920 H.264 ones unless `--video`/`--video2` name others.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.labels import DEFAULT_SET, EXAMPLE_SETS, parse_labels
from fdsm.errors import FdsmError

LEVERS = ("decode-thread", "pose-downscale", "parallel-load")
WARMUP_S = 1.0  # after the first answer, before frames are counted
TWO_PEOPLE = Path(__file__).resolve().parents[1] / "tests" / "pose" / "data" / "pose2sim_multi_cam01.mp4"


def _child(spec: dict) -> dict:
    """One launch: everything from imports on, timed from `spec["launch"]` (the parent's wall clock at spawn)."""
    from app import stages
    from app.runner import ModelSetup, Runner
    from app.sources import Replay, VideoFile
    from app.window import MAX_SIDE

    off = set(spec["without"])
    if "pose-downscale" in off:
        stages.POSE_SIDE = None
    if "decode-thread" in off:
        Replay.decode_ahead = lambda self: None  # type: ignore[method-assign]

    def setup() -> ModelSetup:
        if "parallel-load" in off:  # the model first, then pose: one after the other
            recognizer = stages.load_recognizer(spec["checkpoint"])
            return ModelSetup(stages.build_pipeline(recognizer, spec["labels"]), stages.model_description(recognizer))
        return stages.model_setup(spec["checkpoint"], spec["labels"])

    rows: list[tuple[float, dict, int | None]] = []  # (wall time, timings ms, persons of a scored window)
    errors: list[str] = []
    first = threading.Event()

    def report(kind: str, payload: object) -> None:
        if kind == "error":
            errors.append(str(payload))
        elif kind == "update":
            scored = payload.scored
            rows.append((time.time(), dict(payload.timings_ms), scored.persons if scored else None))
            if scored is not None:
                first.set()

    runner = Runner(setup, report)
    runner.start()
    runner.open(lambda: Replay(VideoFile(spec["video"], max_side=MAX_SIDE), loop=True))
    if not first.wait(120.0):
        runner.stop()
        raise FdsmError(f"no scored window within 120 s ({'; '.join(errors) or 'no error reported'})")
    answer = next(t for t, _, p in rows if p is not None)
    time.sleep(WARMUP_S + spec["seconds"])
    dropped = getattr(runner.source, "dropped", 0)
    runner.stop()
    start = answer + WARMUP_S
    steady = [r for r in rows if start <= r[0] <= start + spec["seconds"]]
    pose = [r[1]["pose"] for r in steady]
    score = [r[1]["score"] for r in steady if "score" in r[1]]
    persons = [r[2] for r in steady if r[2] is not None]
    return {"first_answer_s": answer - spec["launch"], "fps": len(steady) / spec["seconds"],
            "pose_ms_p50": float(np.median(pose)), "pose_ms_p95": float(np.percentile(pose, 95)),
            "score_ms_p50": float(np.median(score)) if score else None,
            "score_ms_p95": float(np.percentile(score, 95)) if score else None,
            "score_hz": len(score) / spec["seconds"], "persons_per_window": float(np.mean(persons)) if persons else 0.0,
            "dropped": dropped, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
            "errors": errors}


def launch(video: str, labels: list[str], checkpoint: str | None, seconds: float, without: Sequence[str]) -> dict:
    """Run one measurement in a fresh interpreter (so start-up and memory are a real launch's)."""
    spec = {"video": video, "labels": labels, "checkpoint": checkpoint, "seconds": seconds, "without": list(without),
            "launch": time.time()}
    proc = subprocess.run([sys.executable, "-m", "app.benchmark", json.dumps(spec)], capture_output=True, text=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        reason = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise FdsmError(f"benchmark run on {video} failed: {reason}")
    return json.loads(lines[-1])


def _main(argv: Sequence[str] | None) -> int:
    from app.main import demo_clip

    p = argparse.ArgumentParser(prog="fdsm-bench live", description=__doc__.splitlines()[0])
    p.add_argument("--video", help="one-person clip (default: the bundled demo clip, 1080x1920)")
    p.add_argument("--video2", help=f"two-person clip (default: {TWO_PEOPLE.name} from the tests, 1088x1920)")
    p.add_argument("--checkpoint", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--labels", default=", ".join(EXAMPLE_SETS[DEFAULT_SET]), help="comma-separated labels")
    p.add_argument("--seconds", type=float, default=10.0, help="real time measured after the first answer (10)")
    p.add_argument("--repeat", type=int, default=1, help="launches per clip; the median is printed (default 1)")
    p.add_argument("--without", nargs="*", choices=LEVERS, default=[], help="turn speed levers off")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.repeat < 1:
        raise FdsmError("--seconds must be > 0 and --repeat >= 1")
    labels = parse_labels(args.labels)
    clips = {"1 person": args.video or str(demo_clip())}
    if args.video2 or TWO_PEOPLE.is_file():
        clips["2 persons"] = args.video2 or str(TWO_PEOPLE)
    for clip in clips.values():
        if not Path(clip).is_file():
            raise FdsmError(f"video file not found: {clip}")
    runs = {name: [launch(clip, labels, args.checkpoint, args.seconds, args.without) for _ in range(args.repeat)]
            for name, clip in clips.items()}
    result = {"labels": len(labels), "seconds": args.seconds, "without": args.without,
              "clips": {name: {"video": _shown(clips[name]), **_median(rs)} for name, rs in runs.items()}}
    if args.json:
        print(json.dumps(result))
        return 0
    off = f", without {', '.join(args.without)}" if args.without else ""
    print(f"{len(labels)} labels, {args.seconds:g} s measured after the first answer, median of {args.repeat}{off}")
    for name, r in result["clips"].items():
        score = f"{r['score_ms_p50']:.1f} / {r['score_ms_p95']:.1f}" if r["score_ms_p50"] is not None else "-"
        print(f"{name:>9}: {r['fps']:5.1f} frames/s processed | pose {r['pose_ms_p50']:.1f} / {r['pose_ms_p95']:.1f} ms"
              f" (p50 / p95) | scoring {score} ms at {r['score_hz']:.1f} Hz | first answer {r['first_answer_s']:.2f} s"
              f" after launch | peak RSS {r['peak_rss_mb']:.0f} MB | {r['persons_per_window']:.2f} persons/window"
              f" | {Path(r['video']).name}")
        for error in r["errors"]:
            print(f"           reported: {error}")
    return 0


def _median(runs: list[dict]) -> dict:
    """Per-key median over repeated launches (errors: those of every run, once each)."""
    out: dict = {"errors": sorted({e for r in runs for e in r["errors"]})}
    for key in runs[0]:
        values = [r[key] for r in runs if r[key] is not None]
        if key != "errors":
            out[key] = float(np.median(values)) if values else None
    return out


def _shown(video: str) -> str:
    """The clip's path relative to the working folder when it lies below it (reports carry no machine paths)."""
    path = Path(video).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else path.name


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.cli import run_cli

    return run_cli("fdsm-bench live", _main, argv)


if __name__ == "__main__":  # one measured launch (see `launch`): prints its result as one JSON line
    print(json.dumps(_child(json.loads(sys.argv[1]))))
