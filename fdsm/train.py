"""`fdsm-train`: Train the skeleton encoder and the FDSM denoiser."""

from __future__ import annotations

from collections.abc import Sequence

from fdsm.cli import not_implemented


def main(argv: Sequence[str] | None = None) -> int:
    return not_implemented("fdsm-train", "Train the skeleton encoder and the FDSM denoiser.", argv)
