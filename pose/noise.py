"""`fdsm-bench pose-noise`: how noisy the live skeleton stream is, measured on real video.

The training augmentation (`fdsm.augment.CameraNoise`) is fitted to these figures. Each video is run once
through MediaPipe (VIDEO mode) and the detections through two `SkeletonMapper`s, one raw and one with the
live One-Euro smoothing (what the scorer's window is built from). For the main body (the slot present in
most frames) it reports:

- jitter: per joint group, the standard deviation (mm) of each body-relative joint (minus the spine base)
  about a smoothed trajectory: a centred quadratic Savitzky-Golay fit over `SG_SECONDS` (an odd number of
  frames at the clip's rate). White
  noise of std s leaves residuals of std s sqrt(1 - h0) (h0: the fit's centre weight), so residuals are
  divided by that to estimate s; real motion faster than the fit adds to it, so these are upper bounds;
- depth: the same jitter along the camera's depth axis alone and across it (x, y), all joints pooled;
- root: the jitter (mm) of the body's position (the spine base, recovered by `pose.trajectory`) per axis:
  its depth is fitted from the apparent body size and is the noisiest coordinate of the stream;
- missing: the share of frames without the main body, the share of landmarks under MediaPipe's visibility
  threshold (the stream keeps them; they are reported, not removed) and the longest gap;
- frame rate: the file's frame rate and the rate of frames with the main body;
- travel: how far the root moves over the clip (m), so a walk across the frame shows up as motion.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fdsm.assets import sha256_file
from fdsm.augment import CAMERA_GROUPS
from fdsm.cli import run_cli
from fdsm.skeleton import J
from pose.estimator import PoseEstimator
from pose.model import task_path
from pose.stream import SkeletonMapper
from pose.trajectory import MIN_VISIBILITY
from pose.video import iter_frames, open_video, video_fps

SG_SECONDS = 0.3
GROUPS = CAMERA_GROUPS  # measured per the groups the augmentation draws its noise for (one table)
DEPTH_AXIS = 2  # NTU axes: z points from the camera towards the person facing it (minus MediaPipe's z)


def sg_frames(fps: float) -> int:
    """The odd number of frames (at least 5) closest to SG_SECONDS at `fps`."""
    return max(5, 2 * round(SG_SECONDS * fps / 2) + 1)


def savgol_weights(frames: int) -> np.ndarray:
    """Centre-point weights of a least-squares quadratic fit over `frames` (odd) samples."""
    x = np.arange(frames) - frames // 2
    design = np.stack([np.ones_like(x), x, x * x], axis=1).astype(np.float64)
    return np.linalg.pinv(design)[0]


def jitter(track: np.ndarray, frames: int) -> np.ndarray:
    """Residuals `(T', ..., 3)` of a `(T, ..., 3)` track about its Savitzky-Golay fit, scaled to estimate the
    white-noise std; windows with a NaN are dropped."""
    w = savgol_weights(frames)
    if len(track) < frames:
        return np.zeros((0, *track.shape[1:]))
    windows = np.lib.stride_tricks.sliding_window_view(track, frames, axis=0)  # (T', ..., frames)
    fit = windows @ w
    res = (track[frames // 2: frames // 2 + len(fit)] - fit) / np.sqrt(1.0 - w[frames // 2])
    ok = np.isfinite(res.reshape(len(res), -1)).all(axis=1)
    return res[ok]


def _std_mm(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2)) * 1000.0) if values.size else float("nan")


def _longest_run(mask: np.ndarray) -> int:
    best = run = 0
    for m in mask:
        run = run + 1 if m else 0
        best = max(best, run)
    return best


def stream_figures(bodies: np.ndarray, frames: int) -> dict:
    """Jitter figures of one main-body track `(T, 25, 3)` (NaN where absent), fits over `frames` frames."""
    rel = bodies - bodies[:, J["spine_base"]][:, None]
    res = jitter(rel, frames)
    groups = {g: _std_mm(res[:, [J[n] for n in names]]) for g, names in GROUPS.items()}
    measured = [J[n] for names in GROUPS.values() for n in names]
    root = jitter(bodies[:, J["spine_base"]], frames)
    return {
        "jitter_mm": groups,
        "depth_mm": _std_mm(res[:, measured, DEPTH_AXIS]),
        "across_mm": _std_mm(res[:, measured, :DEPTH_AXIS]),
        "root_mm": {axis: _std_mm(root[:, k]) for k, axis in enumerate("xyz")},
        "samples": int(len(res)),
    }


def measure(video: Path, num_poses: int = 2, limit: int | None = None) -> dict:
    """All figures for one video (see the module docstring)."""
    cap = open_video(video)
    fps = video_fps(cap)
    cap.release()
    raw, smooth = SkeletonMapper(smoothing=False), SkeletonMapper(smoothing=True)
    rows_raw, rows_smooth, visible = [], [], []
    with PoseEstimator(mode="video", num_poses=num_poses) as est:
        for t, frame in iter_frames(video, limit=limit):
            people = est.detect(frame, t)
            h, w = frame.shape[:2]
            a, b = raw.map_people(people, w, h, t), smooth.map_people(people, w, h, t)
            rows_raw.append(a.skeleton)
            rows_smooth.append(b.skeleton)
            visible.append([None if m is None else m.visibility for m in a.landmarks])
    sk_raw, sk_smooth = np.stack(rows_raw), np.stack(rows_smooth)
    present_all = np.isfinite(sk_raw[:, :, J["spine_base"]]).all(axis=-1)  # (T, M)
    slot = int(present_all.sum(axis=0).argmax())
    present = present_all[:, slot]
    vis = np.array([v[slot] for v in visible if v[slot] is not None])
    root = sk_raw[present, slot, J["spine_base"]]
    travel = np.linalg.norm(root.max(axis=0) - root.min(axis=0)) if len(root) else 0.0
    return {
        "video": str(video), "frames": int(len(sk_raw)), "video_fps": fps,
        "body_fps": float(present.mean() * fps), "persons_max": int(present_all.sum(axis=1).max(initial=0)),
        "missing_frames": float(1.0 - present.mean()), "longest_gap_frames": _longest_run(~present),
        "low_visibility": float((vis < MIN_VISIBILITY).mean()) if len(vis) else float("nan"),
        "root_travel_m": float(travel),
        "raw": stream_figures(sk_raw[:, slot], sg_frames(fps)),
        "smoothed": stream_figures(sk_smooth[:, slot], sg_frames(fps)),
    }


def median_over_clips(results: list[dict], key: str) -> dict:
    """Each figure's median over the clips: robust to a clip where MediaPipe swaps sides or loses track
    (those show up as jitter many times the others')."""
    def med(get) -> float:
        values = [get(r[key]) for r in results if r[key]["samples"]]
        return float(np.median(values)) if values else float("nan")

    return {"jitter_mm": {g: med(lambda f, g=g: f["jitter_mm"][g]) for g in GROUPS},
            "depth_mm": med(lambda f: f["depth_mm"]), "across_mm": med(lambda f: f["across_mm"]),
            "depth_ratio": med(lambda f: f["depth_mm"] / f["across_mm"]),
            "root_mm": {a: med(lambda f, a=a: f["root_mm"][a]) for a in "xyz"}}


def _line(name: str, f: dict) -> str:
    groups = ", ".join(f"{g} {v:.1f}" for g, v in f["jitter_mm"].items())
    root = ", ".join(f"{a} {v:.1f}" for a, v in f["root_mm"].items())
    return (f"  {name:>8}: jitter mm [{groups}]; depth {f['depth_mm']:.1f} vs across {f['across_mm']:.1f} mm; "
            f"root mm [{root}]")


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="fdsm-bench pose-noise", description=__doc__.splitlines()[0])
    parser.add_argument("videos", type=Path, nargs="+", help="clips to measure (any OpenCV-readable video)")
    parser.add_argument("--frames", type=int, default=None, help="at most this many frames per clip")
    parser.add_argument("--num-poses", type=int, default=2, choices=(1, 2))
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    clips: dict[str, Path] = {}
    for v in args.videos:
        if not v.is_file():
            raise FileNotFoundError(f"no such video: {v}")
        clips.setdefault(sha256_file(v), v)  # the same clip twice counts once
    task_path()
    results = [measure(v, args.num_poses, args.frames) for v in clips.values()]
    summary = {"benchmark": "pose-noise", "sg_seconds": SG_SECONDS, "videos": results,
               "missing_frames_mean": float(np.mean([r["missing_frames"] for r in results])),
               "median": {k: median_over_clips(results, k) for k in ("raw", "smoothed")}}
    if args.json:
        print(json.dumps(summary))
        return 0
    for r in results:
        print(f"{r['video']}: {r['frames']} frames at {r['video_fps']:.1f} fps, main body in "
              f"{100 * (1 - r['missing_frames']):.1f} % (longest gap {r['longest_gap_frames']} frames), "
              f"{100 * r['low_visibility']:.1f} % landmarks under visibility {MIN_VISIBILITY}, "
              f"root travel {r['root_travel_m']:.2f} m, up to {r['persons_max']} persons")
        for k in ("raw", "smoothed"):
            print(_line(k, r[k]))
    print(f"median over {len(results)} distinct clips (frames without the body: "
          f"{100 * summary['missing_frames_mean']:.1f} % on average):")
    for k in ("raw", "smoothed"):
        print(_line(k, summary["median"][k]) + f"; depth / across per clip {summary['median'][k]['depth_ratio']:.2f}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-bench pose-noise", _main, argv)
