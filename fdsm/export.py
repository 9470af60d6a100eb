"""`fdsm-export`: Export a checkpoint's scoring path to ONNX."""

from __future__ import annotations

from collections.abc import Sequence

from fdsm.cli import not_implemented


def main(argv: Sequence[str] | None = None) -> int:
    return not_implemented("fdsm-export", "Export a checkpoint's scoring path to ONNX.", argv)
