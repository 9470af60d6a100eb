"""`fdsm-eval`: Zero-shot evaluation of an FDSM checkpoint."""

from __future__ import annotations

from collections.abc import Sequence

from fdsm.cli import not_implemented


def main(argv: Sequence[str] | None = None) -> int:
    return not_implemented("fdsm-eval", "Zero-shot evaluation of an FDSM checkpoint.", argv)
