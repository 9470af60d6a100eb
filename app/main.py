"""`fdsm-live`: Live open-vocabulary action recognition from a webcam or a video file."""

from __future__ import annotations

from collections.abc import Sequence

from fdsm.cli import not_implemented


def main(argv: Sequence[str] | None = None) -> int:
    return not_implemented("fdsm-live", "Live open-vocabulary action recognition from a webcam or a video file.", argv)
