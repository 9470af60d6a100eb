"""`fdsm-bench decision`: calibrates the "unsure" margin on real windows and measures how fast the shown label
follows a clear change on synthetic score streams.

Calibration (docs/app.md, design note 2026-12-04). Real labelled sequences (NW-UCLA, never trained on, and the
held-back real sequences of the checkpoint's training classes; loaded as `fdsm-bench reaction` loads them) are
tiled to `span` seconds and scored every 0.2 s with the app's window, through the app's EMA (margin 0). Each
sequence is scored twice with `labels` typed names: once with its true class among them ("present") and once
without it ("absent": none of the typed actions is happening). The margin of a window is log(p1 / p2) of its two
best smoothed probabilities. The threshold is the `quantile` of the absent margins: when none of the typed
actions happens, the app names one in at most 1 - quantile of the windows. Reported beside it: in the present
runs, how many windows still get a name (coverage) and how many of those names are right (precision), next to the
accuracy of always naming the argmax.

Take-over. Synthetic streams: `labels` labels, label A leading by a log-ratio `strength` for 20 windows, then B
leading by the same strength; Gaussian noise on the logits. Counted, in windows after the change: until A is no
longer shown, and until B is shown (the median and 90th percentile over `trials` seeds), with the app's smoother.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from app.smoothing import UNSURE_MARGIN, ScoreSmoother, log_ratio
from app.stages import SCORE_PERIOD_S
from fdsm.errors import FdsmError
from fdsm.skeleton import DEFAULT_FPS

PROG = "fdsm-bench decision"


# --- take-over on synthetic streams -----------------------------------------------------------------------


def synthetic_stream(labels: int, lead: int, after: int, strength: float, noise: float,
                     rng: np.random.Generator) -> list[dict[str, float]]:
    """Probabilities per window: label "A" leads by log-ratio `strength` for `lead` windows, then "B" does."""
    names = ["A", "B", *(f"other{i}" for i in range(labels - 2))]
    out = []
    for w in range(lead + after):
        logits = rng.normal(0.0, noise, labels)
        logits[0 if w < lead else 1] += strength
        p = np.exp(logits - logits.max())
        out.append(dict(zip(names, (p / p.sum()).tolist(), strict=True)))
    return out


def takeover(stream: Sequence[dict[str, float]], lead: int, smoother: ScoreSmoother) -> tuple[int | None, int | None]:
    """(windows after the change until A is no longer shown, ... until B is shown); None = never."""
    shown = [smoother.update(p).top for p in stream]
    after = shown[lead:]
    a_gone = next((i + 1 for i, top in enumerate(after) if top != "A"), None)
    b_shown = next((i + 1 for i, top in enumerate(after) if top == "B"), None)
    return a_gone, b_shown


def takeover_table(strengths: Sequence[float], labels: int, trials: int, noise: float, alpha: float,
                   margin: float, seed: int = 0) -> list[dict[str, Any]]:
    """Median and 90th percentile of both counts per strength (never = counted as the stream's length)."""
    rng = np.random.default_rng(seed)
    lead, after = 20, 20
    rows = []
    for strength in strengths:
        gone, shown = [], []
        for _ in range(trials):
            stream = synthetic_stream(labels, lead, after, strength, noise, rng)
            a, b = takeover(stream, lead, ScoreSmoother(alpha=alpha, margin=margin))
            gone.append(after + 1 if a is None else a)
            shown.append(after + 1 if b is None else b)
        rows.append({"strength": strength, "a_gone_median": float(np.median(gone)),
                     "a_gone_p90": float(np.percentile(gone, 90)), "b_shown_median": float(np.median(shown)),
                     "b_shown_p90": float(np.percentile(shown, 90)),
                     "b_never": int(sum(s > after for s in shown))})
    return rows


# --- calibration on real windows ------------------------------------------------------------------------


def window_ends(frames: int, window: int, stride: int) -> range:
    return range(window, frames + 1, stride)


def run_margins(recognizer: Any, skeleton: np.ndarray, labels: list[str], truth: str, window_s: float,
                span_s: float) -> list[tuple[float, bool]]:
    """(smoothed margin, smoothed argmax is `truth`) per scored window of `skeleton` tiled to `span_s`."""
    reps = max(1, int(np.ceil(span_s * DEFAULT_FPS / max(1, len(skeleton)))))
    tiled = np.concatenate([skeleton] * reps)[: int(span_s * DEFAULT_FPS)]
    recognizer.set_labels(labels)
    smoother = ScoreSmoother(alpha=0.5, margin=0.0)
    out = []
    for end in window_ends(len(tiled), int(window_s * DEFAULT_FPS), int(SCORE_PERIOD_S * DEFAULT_FPS)):
        result = recognizer.recognize(tiled[end - int(window_s * DEFAULT_FPS): end], fps=DEFAULT_FPS)
        s = smoother.update(result.scores).scores
        first, second = sorted(s.values(), reverse=True)[:2]
        out.append((log_ratio(first, second), max(s, key=s.get) == truth))
    return out


def collect(recognizer: Any, clips: Any, labels: int, sequences: int, window_s: float, span_s: float,
            rng: np.random.Generator, progress: bool) -> tuple[list[float], list[tuple[float, bool]]]:
    """Absent margins and present (margin, right) pairs over `sequences` sequences of `clips`."""
    picks = rng.choice(len(clips.names), size=min(sequences, len(clips.names)), replace=False)
    absent: list[float] = []
    present: list[tuple[float, bool]] = []
    for i in tqdm(picks, desc=clips.title[:20], unit="seq", leave=False, disable=not progress, file=sys.stderr):
        truth = clips.names[i]
        others = [str(n) for n in clips.vocabulary if n != truth]
        chosen = [str(n) for n in rng.choice(others, size=min(labels, len(others)), replace=False)]
        absent += [m for m, _ in run_margins(recognizer, clips.skeletons[i], chosen, truth, window_s, span_s)]
        typed = [truth, *chosen[: labels - 1]]
        typed = [typed[j] for j in rng.permutation(len(typed))]
        present += run_margins(recognizer, clips.skeletons[i], typed, truth, window_s, span_s)
    return absent, present


def summarize(absent: Sequence[float], present: Sequence[tuple[float, bool]], quantile: float) -> dict[str, Any]:
    """The threshold (the `quantile` of the absent margins) and what it and the app's margin do."""
    threshold = float(np.quantile(absent, quantile))
    return {"windows_absent": len(absent), "windows_present": len(present), "threshold": threshold,
            "absent_margin_median": float(np.median(absent)),
            "present_margin_median": float(np.median([m for m, _ in present])),
            "argmax_accuracy": float(np.mean([right for _, right in present])),
            "at_threshold": _at(absent, present, threshold), "at_app_margin": _at(absent, present, UNSURE_MARGIN)}


def _at(absent: Sequence[float], present: Sequence[tuple[float, bool]], threshold: float) -> dict[str, Any]:
    """Share of absent windows named, of present windows named, and of named present windows that are right."""
    named = [right for m, right in present if m >= threshold]
    return {"absent_named": float(np.mean([m >= threshold for m in absent])),
            "coverage": len(named) / len(present), "precision": float(np.mean(named)) if named else None}


# --- command line ---------------------------------------------------------------------------------------


def _main(argv: Sequence[str] | None) -> int:
    from app.reaction import DATA_DIR, SETS, load_clips
    from app.stages import load_recognizer, window_seconds

    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--set", choices=SETS, nargs="+", default=list(SETS), help="real test set(s) (default: both)")
    p.add_argument("--data", type=Path, default=DATA_DIR, help=f"the raw labelled corpora (default: {DATA_DIR})")
    p.add_argument("--corpora", type=Path, help="folder with fdsm-prepare's nwucla.npz / pool.npz")
    p.add_argument("--checkpoint", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--labels", type=int, default=5, help="names typed per run (default 5)")
    p.add_argument("--sequences", type=int, default=120, help="sequences per set (default 120)")
    p.add_argument("--span", type=float, default=4.0, help="seconds each sequence is tiled to (default 4)")
    p.add_argument("--quantile", type=float, default=0.5, help="share of absent windows kept unsure (default 0.5)")
    p.add_argument("--trials", type=int, default=200, help="synthetic streams per strength (default 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--synthetic-only", action="store_true", help="only the take-over table (no data, no model)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    if args.labels < 2 or args.sequences < 1 or not 0.0 < args.quantile < 1.0 or args.trials < 1:
        raise FdsmError("need --labels >= 2, --sequences >= 1, 0 < --quantile < 1, --trials >= 1")
    result: dict[str, Any] = {"app_margin": UNSURE_MARGIN, "labels": args.labels, "quantile": args.quantile,
                              "takeover": takeover_table((0.3, 0.6, 1.0, 2.0), args.labels, args.trials, 0.3,
                                                         0.5, UNSURE_MARGIN, args.seed),
                              "raw_takeover": takeover_table((0.3, 0.6, 1.0, 2.0), args.labels, args.trials, 0.3,
                                                             1.0, 0.0, args.seed),
                              "sets": {}}
    if not args.synthetic_only:
        recognizer = load_recognizer(args.checkpoint)
        rng = np.random.default_rng(args.seed)
        pooled: tuple[list[float], list[tuple[float, bool]]] = ([], [])
        for which in args.set:
            clips = load_clips(which, recognizer, args.corpora, args.data)
            absent, present = collect(recognizer, clips, args.labels, args.sequences, window_seconds(recognizer),
                                      args.span, rng, not args.json)
            result["sets"][which] = {"title": clips.title, **summarize(absent, present, args.quantile)}
            pooled[0].extend(absent)
            pooled[1].extend(present)
        if len(args.set) > 1:
            result["sets"]["pooled"] = {"title": "all of the above", **summarize(*pooled, args.quantile)}
    if args.json:
        print(json.dumps(result))
    else:
        _print(result)
    return 0


def _print(result: dict[str, Any]) -> None:
    print(f"take-over, {result['labels']} labels, logit noise 0.3, A leads 20 windows then B leads by the same "
          f"log-ratio; windows after the change (0.2 s each), median / p90:")
    for name, key in ((f"app (EMA 0.5, unsure margin {result['app_margin']:.2f})", "takeover"),
                      ("raw (--raw)", "raw_takeover")):
        print(f"  {name}")
        for r in result[key]:
            print(f"    strength {r['strength']:.1f}: A gone after {r['a_gone_median']:g} / {r['a_gone_p90']:g}, "
                  f"B shown after {r['b_shown_median']:g} / {r['b_shown_p90']:g}, B never shown in {r['b_never']}")
    for which, s in result["sets"].items():
        print(f"\n{which}: {s['title']}: {s['windows_absent']} + {s['windows_present']} windows")
        print(f"  margin log(p1/p2) median: true class absent {s['absent_margin_median']:.3f}, present "
              f"{s['present_margin_median']:.3f}; argmax right in {100 * s['argmax_accuracy']:.1f} % (present)")
        for name, key in ((f"the {result['quantile']:.2f} quantile of absent margins, {s['threshold']:.3f}",
                           "at_threshold"), (f"the app's margin, {result['app_margin']:.3f}", "at_app_margin")):
            at = s[key]
            prec = "-" if at["precision"] is None else f"{100 * at['precision']:.1f} %"
            print(f"  at {name}: absent windows named {100 * at['absent_named']:.1f} %, present windows named "
                  f"{100 * at['coverage']:.1f} %, right when named {prec}")


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.cli import run_cli

    return run_cli(PROG, _main, argv)
