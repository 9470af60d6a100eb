"""`fdsm-bench reaction`: how long the shown label takes to follow a change of action, and the app's peak memory.

Real labelled sequences are joined two by two: action A, then action B of another class (same dataset, and the
same subject and camera view where the corpus records them), with a short linear blend between them and B moved
so that it starts where A ended. A is repeated until it has lasted `lead` seconds (the window is full of A and the
display has settled), B until it has lasted `hold` seconds. The stream is replayed frame by frame, in stream time,
through the app's own pipeline (`app.pipeline.Pipeline`: `pose.window.WindowBuffer` -> `fdsm.Recognizer` ->
`app.smoothing.ScoreSmoother`, with the window and stride `app.stages` gives the app); the skeleton stands in for
what MediaPipe would have produced, so no video is decoded. The labels typed are A's and B's true names plus a few
distractors of the same test set.

Reaction time = stream time from B's start (the first frame that is no longer A: the blend's first frame) to the
end of the first scored window whose shown (smoothed) top label is B. It is summarized over the pairs where A was
shown when B started (the others have no switch to time), a pair where B is never shown within `hold` counting as
slowest; also reported: how often B is never shown, and how often the windows lying wholly inside B show B (the
accuracy a shorter window or stride would trade for speed). Two test sets: `trained`, the held-back real
sequences of the checkpoint's training classes (`fdsm.default_model.protocol.trained_test`, synthetic motions left
out), and `nwucla`, NW-UCLA's real Kinect sequences, never trained on (zero-shot). The app's peak RSS is that of a
headless `fdsm-live` replay of the demo clip (MediaPipe, recognizer and decoding: the whole app minus its window),
run as a child process.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from app.pipeline import Pipeline, RecognizerLike
from app.sources import Frame
from fdsm.errors import FdsmError
from fdsm.skeleton import DEFAULT_FPS, MAX_BODIES, NUM_JOINTS, as_bodies

PROG = "fdsm-bench reaction"
DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"  # the corpora beside the checkout
SETS = ("trained", "nwucla")
SYNTH = "synth"  # pool rows named "synth/..." are generated motions, not recordings: left out


# --- building a stream ------------------------------------------------------------------------------


def _root(frame: np.ndarray) -> np.ndarray:
    """Spine base (joint 0) of the first body, (3,); NaN when missing."""
    return frame[0, 0]


def _moved(clip: np.ndarray, to: np.ndarray) -> np.ndarray:
    """`clip` shifted on the floor (x, z) so that its first frame's root is at `to`'s x, z; height kept."""
    start = _root(clip[0])
    if not (np.isfinite(start).all() and np.isfinite(to).all()):
        return clip
    shift = np.array([to[0] - start[0], 0.0, to[2] - start[2]], np.float32)
    return clip + shift


def _blend(a: np.ndarray, b: np.ndarray, frames: int) -> np.ndarray:
    """`frames` poses moving linearly from pose `a` (M, 25, 3) to pose `b`, both ends excluded."""
    w = (np.arange(1, frames + 1, dtype=np.float32) / (frames + 1))[:, None, None, None]
    return (a[None] * (1 - w) + b[None] * w).astype(np.float32)


def join(a: np.ndarray, b: np.ndarray, fps: float = DEFAULT_FPS, lead: float = 3.0, hold: float = 5.0,
         blend: float = 0.2) -> tuple[np.ndarray, float]:
    """A repeated to at least `lead` s, then B repeated to at least `hold` s, each seam a `blend`-second blend.

    Returns the stream (T, M, 25, 3) at `fps` and B's start time in seconds: the first blend frame after the
    last A frame (with no blend, B's first frame).
    """
    a, b = _bodies(a), _bodies(b)
    n_blend = int(round(blend * fps))
    parts: list[np.ndarray] = []

    def append(clip: np.ndarray) -> None:
        if parts:
            last = parts[-1][-1]
            clip = _moved(clip, _root(last))
            if n_blend:
                parts.append(_blend(last, clip[0], n_blend))
        parts.append(clip)

    while sum(len(p) for p in parts) < lead * fps:
        append(a)
    switch = sum(len(p) for p in parts)
    while sum(len(p) for p in parts) - switch < hold * fps:
        append(b)
    return np.concatenate(parts).astype(np.float32), switch / fps


def _bodies(skeleton: np.ndarray) -> np.ndarray:
    """(T, MAX_BODIES, 25, 3) float32: the pipeline's per-frame shape, empty slots NaN."""
    arr = as_bodies(np.asarray(skeleton, np.float32))
    out = np.full((arr.shape[0], MAX_BODIES, NUM_JOINTS, 3), np.nan, np.float32)
    out[:, : min(arr.shape[1], MAX_BODIES)] = arr[:, :MAX_BODIES]
    return out


# --- replaying it through the app's pipeline ----------------------------------------------------------


@dataclass(frozen=True)
class _Pose:
    """What `app.pipeline.PoseStage.process` returns (pose.stream.StreamOutput's fields the pipeline reads)."""

    t: float
    skeleton: np.ndarray
    persons: int
    track_ids: tuple = ()
    landmarks: tuple = ()


class SkeletonFeed:
    """A pose stage for skeleton input: the frame's 'image' IS the (M, 25, 3) skeleton, returned as the pose."""

    def process(self, frame: np.ndarray, t: float | None) -> _Pose:
        persons = int(np.isfinite(frame).all(axis=-1).any(axis=-1).sum())
        return _Pose(0.0 if t is None else t, frame, persons)

    def close(self) -> None:
        pass


def pipeline_for(recognizer: RecognizerLike, labels: Sequence[str], window: float | None = None,
                 stride: float | None = None, raw: bool = False) -> Pipeline:
    """The app's pipeline (its window length, stride and smoothing unless overridden) over a `SkeletonFeed`."""
    from app.smoothing import ScoreSmoother
    from app.stages import SCORE_PERIOD_S, window_buffer, window_seconds

    windows = window_buffer(window or window_seconds(recognizer), stride or SCORE_PERIOD_S)
    smoother = ScoreSmoother.raw() if raw else None
    return Pipeline(SkeletonFeed(), windows, recognizer, labels, smoother)


def replay(pipeline: Pipeline, stream: np.ndarray, fps: float = DEFAULT_FPS) -> list[tuple[float, str | None]]:
    """Feed `stream` (T, M, 25, 3) frame by frame at `fps`; (window end time, shown top label) per scored window."""
    shown = []
    for i, frame in enumerate(stream):
        update = pipeline.process(Frame(frame, i / fps, i))
        if update.scored is not None:
            shown.append((update.scored.t, update.scored.top))
    return shown


@dataclass(frozen=True)
class Outcome:
    """One pair's result: what was shown when B started, how long B took to be shown, and B's steady windows."""

    before: str  # "A", "B", "other" (another label or nothing) as shown at B's start
    delay: float | None  # seconds from B's start to the first window showing B; None: never shown
    b_windows: int  # scored windows lying wholly inside B (after B's start + the window length)
    b_shown: int  # ... of which showed B


def measure(shown: Sequence[tuple[float, str | None]], switch: float, a: str, b: str, window: float) -> Outcome:
    """Read a replay's scored windows: the label shown at `switch`, the delay until `b` is shown, B's accuracy."""
    before_b = [top for t, top in shown if t < switch - 1e-9]
    last = before_b[-1] if before_b else None
    before = "A" if last == a else "B" if last == b else "other"
    delay = next((t - switch for t, top in shown if t >= switch - 1e-9 and top == b), None)
    steady = [top for t, top in shown if t - window >= switch - 1e-9]
    return Outcome(before, delay, len(steady), sum(top == b for top in steady))


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The reaction time over the pairs where A was shown when B started (a real switch), a pair where B is never
    shown counting as infinitely slow; how often B is never shown; and the accuracy once the window is all B."""
    switched = [o for o in outcomes if o.before == "A"]
    delays = [math.inf if o.delay is None else o.delay for o in switched]
    windows = sum(o.b_windows for o in outcomes)

    def pct(q: float) -> float | None:
        value = float(np.percentile(delays, q, method="higher")) if delays else math.inf
        return None if math.isinf(value) else value  # None: B was never shown in that share of pairs (conservative)

    return {"pairs": len(outcomes), "a_shown_at_switch": len(switched),
            "b_shown_at_switch": sum(o.before == "B" for o in outcomes),
            "median_s": pct(50), "p25_s": pct(25), "p75_s": pct(75), "p90_s": pct(90),
            "never_after_a": sum(o.delay is None for o in switched),
            "never": sum(o.delay is None for o in outcomes),
            "steady_b_accuracy": sum(o.b_shown for o in outcomes) / windows if windows else None}


# --- test sets ----------------------------------------------------------------------------------------


@dataclass
class Clips:
    """Sequences to pair: skeletons at DEFAULT_FPS, their class names, and a grouping key (dataset/subject/view)."""

    title: str
    skeletons: list[np.ndarray]
    names: list[str]
    groups: list[tuple]
    vocabulary: list[str]  # names distractors are drawn from


def corpus_file(name: str, corpora: Path | None, data: Path) -> Path:
    """`name`.npz from `corpora`, or built once from the raw `data` into the cache (fdsm-prepare's builders, with
    the camera's joints as fdsm-prepare writes them)."""
    from fdsm.data.corpus import save_corpus
    from fdsm.data.pool import POOL_BANKS
    from fdsm.data.prepare import BUILDERS, as_camera_sees
    from fdsm.data.sources import cache_dir

    if corpora is not None:
        path = corpora / f"{name}.npz"
        if not path.is_file():
            raise FileNotFoundError(f"missing corpus {path} (build it with fdsm-prepare {name})")
        return path
    folder = cache_dir() / "camera-corpora"
    path = folder / f"{name}.npz"
    if path.is_file():
        return path
    for part in (POOL_BANKS if name == "pool" else ()):
        corpus_file(part, None, data)
    src = {"pool": folder, SYNTH: data}.get(name, data / name)
    print(f"{PROG}: building {path} once from {src}", file=sys.stderr)
    module, func = BUILDERS[name].split(":")
    save_corpus(path, as_camera_sees(getattr(importlib.import_module(module), func)(src)))
    return path


def load_clips(which: str, recognizer: Any, corpora: Path | None, data: Path) -> Clips:
    """The `trained` or `nwucla` test set as `Clips` (see the module docstring)."""
    from fdsm.data.corpus import load_corpus

    if which == "nwucla":
        corpus = load_corpus(corpus_file("nwucla", corpora, data))
        return Clips("NW-UCLA, real Kinect sequences, never trained on (zero-shot)",
                     [s.skeleton for s in corpus.sequences], [corpus.classes[int(c)] for c in corpus.labels],
                     [("nwucla", s.subject, s.view) for s in corpus.sequences], list(corpus.classes))
    from fdsm.default_model.protocol import load_pool, trained_test

    meta = recognizer.checkpoint.meta
    train_classes = meta.get("training", {}).get("train_classes")
    if not train_classes:
        raise FdsmError(f"{recognizer.checkpoint.path} does not record its training classes; use --set nwucla")
    test = trained_test(load_pool(corpus_file("pool", corpora, data)), train_classes,
                        float(meta.get("seen_test_fraction", 0.1)))
    rows = [i for i, s in enumerate(test.sequences) if not s.name.startswith(SYNTH + "/")]
    return Clips("held-back real sequences of the trained classes (not zero-shot)",
                 [test.sequences[i].skeleton for i in rows], [test.names[int(test.labels[i])] for i in rows],
                 [(test.sequences[i].name.split("/")[0], test.sequences[i].subject, test.sequences[i].view)
                  for i in rows], list(test.names))


@dataclass(frozen=True)
class Pair:
    a: int  # index into Clips
    b: int
    labels: tuple[str, ...]


def draw_pairs(clips: Clips, count: int, distractors: int, rng: np.random.Generator) -> list[Pair]:
    """`count` (A, B) pairs of different classes, B from A's group when it has another class, else A's dataset."""
    pairs = []
    for _ in range(count):
        a = int(rng.integers(len(clips.names)))
        for key in (clips.groups[a], clips.groups[a][:1]):
            choices = [i for i, g in enumerate(clips.groups)
                       if g[: len(key)] == key and clips.names[i] != clips.names[a]]
            if choices:
                break
        if not choices:
            raise FdsmError(f"{clips.title}: no sequence of another class to pair with {clips.names[a]!r}")
        b = int(rng.choice(choices))
        others = [n for n in clips.vocabulary if n not in (clips.names[a], clips.names[b])]
        picked = [str(n) for n in rng.choice(others, size=min(distractors, len(others)), replace=False)]
        labels = [clips.names[a], clips.names[b], *picked]
        pairs.append(Pair(a, b, tuple(labels[i] for i in rng.permutation(len(labels)))))
    return pairs


def run_pairs(recognizer: RecognizerLike, clips: Clips, pairs: Sequence[Pair], window: float | None,
              stride: float | None, raw: bool, lead: float, hold: float, blend: float,
              progress: bool = True) -> list[Outcome]:
    """Replay every pair through a fresh pipeline and measure it."""
    from app.stages import window_seconds

    win = window or window_seconds(recognizer)
    out = []
    for pair in tqdm(pairs, desc="pairs", unit="pair", leave=False, disable=not progress, file=sys.stderr):
        stream, switch = join(clips.skeletons[pair.a], clips.skeletons[pair.b], DEFAULT_FPS, lead, hold, blend)
        shown = replay(pipeline_for(recognizer, pair.labels, window, stride, raw), stream)
        out.append(measure(shown, switch, clips.names[pair.a], clips.names[pair.b], win))
    return out


# --- the app's memory ---------------------------------------------------------------------------------


# The child prints its own high-water mark: getrusage(RUSAGE_CHILDREN) would also count this process's memory,
# which a forked child holds until it execs (the corpora loaded here are larger than the app).
_CHILD = ("import sys\nfrom app.main import main\ncode = main(sys.argv[1:])\n"
          "print(next(line for line in open('/proc/self/status') if line.startswith('VmHWM')), file=sys.stderr)\n"
          "sys.exit(code)")


def app_peak_rss_mb(video: Path) -> float | None:
    """Peak RSS (MB) of a headless `fdsm-live` replay of `video` in a child process; None without /proc (not Linux)."""
    if not Path("/proc/self/status").is_file():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", _CHILD, "--video", str(video), "--headless", "--quiet", "--json",
               str(Path(tmp) / "out.jsonl")]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    peak = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("VmHWM")]
    if done.returncode != 0 or not peak:
        raise FdsmError(f"the headless app failed on {video}: {done.stderr.strip().splitlines()[-1:]}")
    return int(peak[0]) / 1024.0  # kB


# --- command line -------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--set", choices=SETS, nargs="+", default=list(SETS), help="test set(s) (default: both)")
    p.add_argument("--data", type=Path, help=f"the raw labelled corpora (default: {DATA_DIR})")
    p.add_argument("--corpora", type=Path, help="folder with fdsm-prepare's nwucla.npz / pool.npz (else built from "
                   "--data once, into the cache's camera-corpora/ folder; delete a file there to rebuild it)")
    p.add_argument("--checkpoint", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--pairs", type=int, default=200, help="pairs per test set (default 200)")
    p.add_argument("--distractors", type=int, default=3, help="labels typed besides A's and B's (default 3)")
    p.add_argument("--window", type=float, help="window seconds (default: the checkpoint's, as the app)")
    p.add_argument("--stride", type=float, help="seconds between scored windows (default: the app's)")
    p.add_argument("--raw", action="store_true", help="no smoothing (what fdsm-live --raw shows)")
    p.add_argument("--lead", type=float, default=3.0, help="seconds of A before B starts (default 3)")
    p.add_argument("--hold", type=float, default=5.0, help="seconds of B; B not shown by then = never (default 5)")
    p.add_argument("--blend", type=float, default=0.2, help="seconds of linear blend at each seam (default 0.2)")
    p.add_argument("--seed", type=int, default=0, help="pair sampling seed")
    p.add_argument("--no-app-rss", action="store_true", help="skip the headless app's peak-RSS run")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p


def _fmt(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def _main(argv: Sequence[str] | None) -> int:
    from app.main import demo_clip
    from app.stages import SCORE_PERIOD_S, load_recognizer, window_seconds

    args = _parser().parse_args(argv)
    if args.pairs < 1 or args.distractors < 0 or min(args.lead, args.hold) <= 0 or args.blend < 0:
        raise FdsmError("--pairs must be >= 1, --distractors >= 0, --lead and --hold > 0, --blend >= 0")
    data = args.data or DATA_DIR
    if args.corpora is None and not data.is_dir():
        if args.data is not None:
            raise FileNotFoundError(f"no data folder at {data}")
        print(f"{PROG}: skipped: no labelled corpora at {data} (pass --data DIR or --corpora DIR)", file=sys.stderr)
        return 0
    recognizer = load_recognizer(args.checkpoint)
    rng = np.random.default_rng(args.seed)
    result: dict[str, Any] = {"window_s": args.window or window_seconds(recognizer),
                              "stride_s": args.stride or SCORE_PERIOD_S, "smoothing": "raw" if args.raw else "app",
                              "labels": 2 + args.distractors, "lead_s": args.lead, "hold_s": args.hold,
                              "blend_s": args.blend, "seed": args.seed, "sets": {}}
    for which in args.set:
        clips = load_clips(which, recognizer, args.corpora, data)
        pairs = draw_pairs(clips, args.pairs, args.distractors, rng)
        outcomes = run_pairs(recognizer, clips, pairs, args.window, args.stride, args.raw, args.lead, args.hold,
                             args.blend, progress=not args.json)
        result["sets"][which] = {"title": clips.title, "sequences": len(clips.names), **summarize(outcomes)}
    if not args.no_app_rss and (rss := app_peak_rss_mb(demo_clip())) is not None:
        result["app_peak_rss_mb"] = rss
    if args.json:
        print(json.dumps(_rounded(result)))
        return 0
    print(f"window {result['window_s']:g} s, stride {result['stride_s']:g} s, smoothing {result['smoothing']}, "
          f"{result['labels']} labels typed (A, B and {args.distractors} others), A {args.lead:g} s then B "
          f"{args.hold:g} s, blend {args.blend:g} s")
    for which, s in result["sets"].items():
        print(f"\n{which}: {s['title']} ({s['sequences']} sequences, {s['pairs']} pairs)")
        print(f"  A shown when B started: {s['a_shown_at_switch']} pairs (B already shown: {s['b_shown_at_switch']}, "
              f"another label or none: {s['pairs'] - s['a_shown_at_switch'] - s['b_shown_at_switch']})")
        print(f"  reaction time over those {s['a_shown_at_switch']}, B's start to B shown: median "
              f"{_fmt(s['median_s'])} (p25 {_fmt(s['p25_s'])}, p75 {_fmt(s['p75_s'])}, p90 {_fmt(s['p90_s'])}; "
              f"never = B not shown within {args.hold:g} s); goal <= 0.8 s")
        print(f"  B never shown: {s['never_after_a']} of those {s['a_shown_at_switch']}; {s['never']} of all "
              f"{s['pairs']} pairs")
        acc = s["steady_b_accuracy"]
        print(f"  windows wholly inside B showing B: {'-' if acc is None else f'{100 * acc:.1f} %'}")
    if "app_peak_rss_mb" in result:
        print(f"\napp peak RSS (headless fdsm-live on the demo clip): {result['app_peak_rss_mb']:.0f} MB; "
              "goal <= 1200 MB")
    return 0


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.cli import run_cli

    return run_cli(PROG, _main, argv)
