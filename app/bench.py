"""`fdsm-bench`: Benchmarks: scorer, text, pose, live."""

from __future__ import annotations

from collections.abc import Sequence

from fdsm.cli import not_implemented


def main(argv: Sequence[str] | None = None) -> int:
    return not_implemented("fdsm-bench", "Benchmarks: scorer, text, pose, live.", argv)
