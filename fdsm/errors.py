"""User-facing errors: each carries a one-line reason that a CLI prints without a traceback."""

from __future__ import annotations

from pathlib import Path


class FdsmError(Exception):
    """Base class of every error a user can cause (bad file, bad option, missing asset)."""


class DataFormatError(FdsmError):
    """A data file is malformed or truncated; the message names the file and, where known, the line."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}" + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {reason}")


class CheckpointError(FdsmError):
    """A checkpoint is missing, corrupt or incompatible with this code or text encoder."""


class AssetError(FdsmError):
    """A shipped asset (pose model, tokenizer, checkpoint) is missing or fails its checksum."""
