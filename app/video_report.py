"""`fdsm-bench videos`: every real video the repository holds, through the whole pipeline, window by window.

A regression on real footage (pose, mapping, normalization, the checkpoint, the decision) shows up here as
changed per-window labels, which no skeleton-corpus test can see. Each clip is replayed headless, frame by frame,
with the same pose stream, window buffer, recognizer and smoothing as the app; for every scored window it prints
the time, the persons, the shown decision (label or unsure) and the three best raw scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.benchmark import TWO_PEOPLE
from app.headless import MAX_SIDE
from app.labels import EXAMPLE_SETS, parse_labels
from app.main import DEMO_CLIP
from app.overlay import ranked
from app.sources import VideoFile
from fdsm.assets import asset_path
from fdsm.errors import FdsmError

# The real clips the repository ships: the demo clip, and the multi-person test clip where a checkout has tests/.
CLIPS = (asset_path(*DEMO_CLIP), TWO_PEOPLE)


def replay(video: Path, labels: list[str], recognizer: Any) -> list[dict[str, Any]]:
    """The scored windows of one clip: t, persons, the shown top (None = unsure) and the raw top three."""
    from app.stages import build_pipeline

    source = VideoFile(video, max_side=MAX_SIDE)
    pipeline = build_pipeline(recognizer, labels)
    rows = []
    try:
        while (frame := source.read()) is not None:
            scored = pipeline.process(frame).scored
            if scored is not None:
                raw = ranked(scored.raw_scores)[:3]
                rows.append({"t": round(scored.t, 2), "persons": scored.persons, "top": scored.top,
                             "raw": [[label, round(p, 3)] for label, p in raw]})
    finally:
        pipeline.close()
        source.close()
    return rows


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="fdsm-bench videos", description=__doc__.splitlines()[0])
    p.add_argument("videos", nargs="*", type=Path, help="clips (default: the repository's real videos)")
    p.add_argument("--labels", help="comma-separated names (default: every example set's names)")
    p.add_argument("--checkpoint", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    labels = parse_labels(args.labels) if args.labels else list(dict.fromkeys(n for s in EXAMPLE_SETS.values()
                                                                            for n in s))
    videos = args.videos or [clip for clip in CLIPS if clip.is_file()]
    if not videos:
        raise FdsmError("no video to replay: give one or more clips")
    from app.stages import load_recognizer

    recognizer = load_recognizer(args.checkpoint)
    out = {str(v.name): replay(v, labels, recognizer) for v in videos}
    if args.json:
        print(json.dumps({"labels": labels, "clips": out}))
        return 0
    print(f"labels: {', '.join(labels)}")
    for name, rows in out.items():
        print(f"\n{name}: {len(rows)} scored windows")
        for r in rows:
            raw = ", ".join(f"{label} {p:.2f}" for label, p in r["raw"])
            print(f"  {r['t']:6.2f} s  persons {r['persons']}  shown {r['top'] or 'unsure':<20s} raw {raw}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
