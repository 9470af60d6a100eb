"""`fdsm-bench text`: text-encoder load time and the cost of encoding a new label, cold and cached.

Runs against a throw-away disk cache so "cold" really is cold; prints numbers, asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from itertools import product
from pathlib import Path

from fdsm.cli import run_cli
from fdsm.errors import FdsmError
from fdsm.text.encoder import get_text_encoder

VERBS = ("wave", "lift", "swing", "shake", "rotate", "stretch", "tap", "raise", "lower", "kick")
PARTS = ("left hand", "right arm", "both knees", "the head", "one foot", "the hips")


def _ms_each(encode, labels: list[str]) -> float:
    """Median milliseconds of encoding each label on its own."""
    times = []
    for label in labels:
        t0 = time.perf_counter()
        encode([label])
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def run_benchmark(encoder: str = "minilm", n: int = 20) -> dict:
    """Load time, median ms per label (cold / memory cache / disk cache) and one batch of 10 new labels."""
    labels = [f"{v} {p}" for v, p in product(VERBS, PARTS)]
    if not 1 <= n <= len(labels) - 10:
        raise FdsmError(f"--labels must be between 1 and {len(labels) - 10}")
    cold, batch = labels[:n], labels[n:n + 10]
    with tempfile.TemporaryDirectory(prefix="fdsm-bench-text-") as tmp:
        t0 = time.perf_counter()
        enc = get_text_encoder(encoder, cache_root=Path(tmp))
        load_s = time.perf_counter() - t0
        enc.encode(["warm up the session"])
        cold_ms = _ms_each(enc.encode, cold)
        memory_ms = _ms_each(enc.encode, cold)
        t0 = time.perf_counter()
        enc.encode(batch)
        batch_ms = (time.perf_counter() - t0) * 1e3
        disk_ms = _ms_each(get_text_encoder(encoder, cache_root=Path(tmp)).encode, cold)
    return {"benchmark": "text", "encoder": enc.name, "dim": enc.dim, "max_tokens": enc.max_tokens,
            "labels": n, "load_s": round(load_s, 4), "cold_ms_per_label": round(cold_ms, 3),
            "memory_cache_ms_per_label": round(memory_ms, 4), "disk_cache_ms_per_label": round(disk_ms, 3),
            "batch10_cold_ms": round(batch_ms, 3)}


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="fdsm-bench text", description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="minilm", help="minilm (default), sentence-transformers, clip:<folder>")
    parser.add_argument("--labels", type=int, default=20, help="new labels timed one by one (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = run_benchmark(args.encoder, args.labels)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:28} {value}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-bench text", _main, argv)
