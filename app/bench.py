"""`fdsm-bench`: one entry point for the benchmarks, each implemented beside the code it measures."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from fdsm.cli import run_cli

# subcommand -> "module:function"; each function takes the remaining argv and returns an exit code.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "scorer": ("fdsm.bench_scorer:main", "scoring latency, parameters and FLOPs of the paper and live presets"),
    "text": ("fdsm.text.bench:main", "text-encoder load and per-label encoding time"),
    "pose": ("pose.benchmark:main", "pose estimation and mapping/tracking/window cost per frame"),
    "pose-noise": ("pose.noise:main", "jitter, depth noise, missing joints and frame rate of the live skeleton"),
    "live": ("app.benchmark:main", "end-to-end headless pipeline rate next to the pose-only rate"),
    "fewshot": ("fdsm.bench_fewshot:main", "labels taught by example: N-way K-shot top-1, mixed set, costs"),
    "videos": ("app.video_report:main", "the repository's real videos through the whole pipeline: labels per window"),
    "reaction": ("app.reaction:main", "time for the shown label to follow a change of action; the app's peak RSS"),
    "soak": ("app.soak:main", "the real window on a looping clip under Xvfb for --minutes: alive and updating"),
    "decision": ("app.calibration:main", "the unsure margin calibrated on real windows; label take-over on "
                 "synthetic score streams"),
}


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in BENCHMARKS:  # no benchmark named: top-level help or a one-line error
        parser = argparse.ArgumentParser(prog="fdsm-bench", description="Benchmarks; every one accepts --json.")
        parser.add_argument("benchmark", choices=sorted(BENCHMARKS),
                            help="; ".join(f"{k}: {v[1]}" for k, v in BENCHMARKS.items()))
        parser.parse_args(argv)
    module, func = BENCHMARKS[argv[0]][0].split(":")
    return int(getattr(importlib.import_module(module), func)(argv[1:]) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-bench", _main, argv)
