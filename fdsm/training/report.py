"""The README results table, generated from `fdsm-eval --json` reports rather than typed by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fdsm.errors import FdsmError

KIND = "fdsm-eval"
COLUMNS = (("zsl_top1", "ZSL top-1"), ("zsl_top5", "ZSL top-5"), ("gzsl_seen", "GZSL S"),
           ("gzsl_unseen", "GZSL U"), ("gzsl_h", "GZSL H"))


def find_reports(runs_dir: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every fdsm-eval JSON report under `runs_dir` (other JSON files are ignored), sorted by path."""
    if not runs_dir.is_dir():
        raise FileNotFoundError(f"no such folder: {runs_dir}")
    found = []
    for path in sorted(runs_dir.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("kind") == KIND:
            found.append((path, data))
    if not found:
        raise FdsmError(f"no fdsm-eval reports (fdsm-eval ... --json FILE) under {runs_dir}")
    return found


def cell(summary: dict[str, Any], key: str) -> str:
    """`mean ± std` in percent, or a dash when the metric was not measured."""
    if key not in summary:
        return "-"
    s = summary[key]
    return f"{100 * s['mean']:.2f} ± {100 * s['std']:.2f}"


def results_table(runs_dir: Path) -> str:
    """Markdown: one row per report (split, run, checkpoints x noise seeds, metrics as mean ± std %)."""
    rows = ["| split | run | checkpoints x seeds | " + " | ".join(h for _, h in COLUMNS) + " |",
            "|---|---|---:|" + "---:|" * len(COLUMNS)]
    for path, data in find_reports(runs_dir):
        summary = data.get("summary", {})
        run = path.relative_to(runs_dir).with_suffix("").as_posix()
        count = f"{len(data.get('checkpoints', []))} x {len(data.get('noise_seeds', []))}"
        rows.append(f"| {data.get('split', '?')} | {run} | {count} | "
                    + " | ".join(cell(summary, k) for k, _ in COLUMNS) + " |")
    return "\n".join(rows) + "\n"
