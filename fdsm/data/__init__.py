"""Skeleton data: one `Sequence` type, one `load_sequence` entry point for every raw format.

Each format lives in its own module exposing `read(path) -> Sequence`; `load_sequence` picks the
module from the file's suffix and, where a suffix is shared (.json, .txt), from its first bytes.
NumPy only at import time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fdsm.errors import DataFormatError
from fdsm.skeleton import DEFAULT_FPS, as_bodies


@dataclass
class Sequence:
    """One recorded action: a skeleton in the ARCHITECTURE.md contract plus what the file tells about it."""

    skeleton: np.ndarray  # (T, M, 25, 3) float32, metres, y up, NaN = missing
    fps: float = DEFAULT_FPS
    label: int | str | None = None  # the dataset's own label, if the file carries one
    name: str = ""  # sample id, usually the file stem
    subject: int = -1
    view: int = -1
    meta: dict = field(default_factory=dict)  # format-specific extras (style, take, source path, ...)

    def __post_init__(self) -> None:
        self.skeleton = as_bodies(self.skeleton)


def _sniff(path: Path) -> str:
    """Module name of the reader for `path`."""
    suffix = path.suffix.lower()
    by_suffix = {".skeleton": "ntu", ".bvh": "bvh", ".amc": "asfamc", ".csv": "cmu"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
    if suffix == ".json":
        if '"skeletons"' in head:
            return "nwucla"
        if '"data"' in head or '"skeleton"' in head:
            return "kinetics"
    if suffix == ".txt":
        first = head.splitlines()[0] if head else ""
        if first.count(",") == 116:  # CMU exp-map rows: 117 values (root position + 38 joints x 3)
            return "cmu"
        if first.count(",") >= 90:
            return "sbu"
        if len(first.split()) >= 75:
            return "pku"
    raise DataFormatError(path, "unknown skeleton format (supported: .skeleton, .bvh, .amc, .csv, NW-UCLA "
                                "or Kinetics .json, PKU-MMD or SBU .txt)")


def load_sequence(path: str | Path) -> Sequence:
    """Read any supported raw skeleton file into a `Sequence` (format from the suffix and content)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no such file: {p}")
    module = importlib.import_module(f"fdsm.data.{_sniff(p)}")
    return module.read(p)
