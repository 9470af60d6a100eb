"""`fdsm-bench live`: the headless pipeline's frame rate and per-stage latency next to the pose-only rate.

Both see the same decoded frames (decoding is timed on its own) and timestamps, each with its own MediaPipe
graph, interleaved frame by frame so a busy machine slows both alike: the ratio shows what windowing,
scoring and smoothing cost on top of pose estimation.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from app.headless import MAX_SIDE
from app.labels import DEFAULT_SET, EXAMPLE_SETS, parse_labels
from app.sources import Frame, VideoFile

T = TypeVar("T")
WARMUP = 5  # first frames of each run are not timed (graph start-up)


def decode(path: str, repeat: int) -> tuple[list[Frame], float, float]:
    """All frames of the clip, `repeat` times with continuing timestamps; also the decode rate (frames/s)."""
    video = VideoFile(path, max_side=MAX_SIDE)
    t0 = time.perf_counter()
    frames = []
    while (f := video.read()) is not None:
        frames.append(f)
    decode_fps = len(frames) / (time.perf_counter() - t0)
    video.close()
    n, fps = len(frames), video.fps
    return [Frame(f.image, (k * n + f.index) / fps, k * n + f.index) for k in range(repeat) for f in frames], \
        decode_fps, fps


def _timed(fn: Callable[..., T], *args: object) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def measure(frames: list[Frame], recognizer: object, labels: list[str]) -> dict[str, float]:
    """Pose only and the whole pipeline, interleaved frame by frame so both see the same CPU load."""
    from app.stages import build_pipeline
    from pose.stream import SkeletonStream

    stages: dict[str, list[float]] = {"pose": [], "window": [], "score": []}
    scored_at: list[float] = []
    pose_s = pipe_s = 0.0
    pipe = build_pipeline(recognizer, labels)
    try:
        with SkeletonStream(mode="video", num_poses=2, smoothing=True) as stream:
            for i, f in enumerate(tqdm(frames, desc="pose only | pipeline", unit="frame", leave=False)):
                pose_first = i % 2 == 0  # alternate who goes first: the second call finds the frame in cache
                if pose_first:
                    dt_pose = _timed(stream.process, f.image, f.t)[1]
                update, dt_pipe = _timed(pipe.process, f)
                if not pose_first:
                    dt_pose = _timed(stream.process, f.image, f.t)[1]
                if i < WARMUP:
                    continue
                pose_s, pipe_s = pose_s + dt_pose, pipe_s + dt_pipe
                for k, v in update.timings_ms.items():
                    stages[k].append(v)
                if update.scored is not None:
                    scored_at.append(update.scored.t)
    finally:
        pipe.close()
    n = len(frames) - WARMUP
    fps = n / pipe_s
    # scoring rate once windows flow, in video time; live, at most one window per processed frame
    steady = (len(scored_at) - 1) / (scored_at[-1] - scored_at[0]) if len(scored_at) > 1 else 0.0
    out = {"pose_only_fps": n / pose_s, "pipeline_fps": fps, "scored_windows": len(scored_at), "score_hz": steady,
           "score_hz_live": min(steady, fps)}
    for k, v in stages.items():
        if v:
            out[f"{k}_ms_p50"], out[f"{k}_ms_p95"] = float(np.percentile(v, 50)), float(np.percentile(v, 95))
    return out


def _main(argv: Sequence[str] | None) -> int:
    from app.main import demo_clip
    from app.stages import load_recognizer

    p = argparse.ArgumentParser(prog="fdsm-bench live", description=__doc__.splitlines()[0])
    p.add_argument("--video", help="clip to replay (default: the bundled demo clip)")
    p.add_argument("--checkpoint", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--labels", default=", ".join(EXAMPLE_SETS[DEFAULT_SET]), help="comma-separated labels")
    p.add_argument("--repeat", type=int, default=3, help="replay the clip this many times (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    labels = parse_labels(args.labels)
    frames, decode_fps, fps = decode(args.video or str(demo_clip()), max(1, args.repeat))
    pipe = measure(frames, load_recognizer(args.checkpoint), labels)
    result = {"video": args.video or "demo", "frames": len(frames), "frame_size": list(frames[0].image.shape[1::-1]),
              "source_fps": fps, "labels": len(labels), "decode_fps": decode_fps, **pipe,
              "ratio": pipe["pipeline_fps"] / pipe["pose_only_fps"]}
    if args.json:
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}))
        return 0
    print(f"clip: {result['video']} ({len(frames)} frames, {result['frame_size'][0]}x{result['frame_size'][1]}, "
          f"{fps:.0f} fps), {len(labels)} labels")
    print(f"decode only      {decode_fps:8.1f} frames/s")
    print(f"pose only        {pipe['pose_only_fps']:8.1f} frames/s")
    print(f"whole pipeline   {pipe['pipeline_fps']:8.1f} frames/s   ({100 * result['ratio']:.0f} % of pose only)")
    for stage in ("pose", "window", "score"):
        if f"{stage}_ms_p50" in pipe:
            print(f"  {stage:<8s} p50 {pipe[f'{stage}_ms_p50']:7.2f} ms   p95 {pipe[f'{stage}_ms_p95']:7.2f} ms")
    print(f"scoring          {pipe['score_hz']:.1f} windows per second of video "
          f"({pipe['scored_windows']} windows); live at this frame rate: {pipe['score_hz_live']:.1f} Hz")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.cli import run_cli

    return run_cli("fdsm-bench live", _main, argv)
