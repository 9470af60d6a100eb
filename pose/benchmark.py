"""`fdsm-bench pose`: ms per frame of the pose network, and separately of mapping + tracking + window.

The clip is letterboxed (aspect kept, black bars) to each benchmark size (640x480 and 1280x720 by default),
decoded up front so decoding is not timed, and run through a fresh VIDEO-mode estimator. The post-network
part (`SkeletonMapper.map_people` plus `WindowBuffer.push`) is timed on the same detections, repeated to get
a stable per-frame figure.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fdsm.cli import run_cli
from fdsm.errors import FdsmError
from pose.estimator import PoseEstimator
from pose.model import task_path
from pose.stream import SkeletonMapper
from pose.video import iter_frames, open_video, video_fps
from pose.window import WindowBuffer

SIZES = ((640, 480), (1280, 720))
POST_REPEATS = 20


def _parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480, got {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return w, h


def bench_size(video: Path, size: tuple[int, int], frames: int, num_poses: int) -> dict:
    """Timings at one frame size."""
    cap = open_video(video)
    fps = video_fps(cap)
    cap.release()
    clip = list(iter_frames(video, size=size, limit=frames))
    detections, times = [], []
    with PoseEstimator(mode="video", num_poses=num_poses) as est:
        est.detect(clip[0][1], -1.0)  # graph warm-up, not timed
        cpu_start = time.process_time()
        for t, frame in clip:
            start = time.perf_counter()
            detections.append(est.detect(frame, t))
            times.append(time.perf_counter() - start)
        cpu_ms = (time.process_time() - cpu_start) * 1000.0 / len(clip)
    post = []
    for _ in range(POST_REPEATS):
        mapper = SkeletonMapper()
        buf = WindowBuffer()
        start = time.perf_counter()
        for (t, _), people in zip(clip, detections, strict=True):
            buf.push(t, mapper.map_people(people, size[0], size[1], t).skeleton)
        post.append((time.perf_counter() - start) / len(clip))
    det_ms = np.array(times) * 1000.0
    return {
        "size": f"{size[0]}x{size[1]}", "frames": len(clip), "video_fps": fps,
        "persons_per_frame": float(np.mean([len(d) for d in detections])),
        "detect_ms_mean": float(det_ms.mean()), "detect_ms_median": float(np.median(det_ms)),
        "detect_cpu_ms": cpu_ms,  # CPU time of all threads: less sensitive to other load than wall time
        "map_track_window_ms": float(np.median(post) * 1000.0),
    }


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="fdsm-bench pose", description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, required=True, help="clip to run (any OpenCV-readable video)")
    parser.add_argument("--sizes", type=_parse_size, nargs="+", default=list(SIZES), help="WxH sizes")
    parser.add_argument("--frames", type=int, default=100, help="frames per size (default 100)")
    parser.add_argument("--num-poses", type=int, default=2, choices=(1, 2))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.frames < 2:
        raise FdsmError("--frames must be at least 2")
    task_path()
    rows = [bench_size(args.video, size, args.frames, args.num_poses) for size in args.sizes]
    result = {"benchmark": "pose", "video": str(args.video), "sizes": rows}
    if args.json:
        print(json.dumps(result))
        return 0
    for r in rows:
        print(f"{r['size']:>10}: detect {r['detect_ms_mean']:.1f} ms/frame (median {r['detect_ms_median']:.1f}, "
              f"CPU {r['detect_cpu_ms']:.1f}); map+track+window {r['map_track_window_ms']:.3f} ms/frame; "
              f"{r['persons_per_frame']:.2f} persons/frame over {r['frames']} frames")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-bench pose", _main, argv)
