"""Shared command-line plumbing: one-line errors, non-zero exit codes, no tracebacks for user errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from fdsm.errors import FdsmError

USER_ERRORS: tuple[type[BaseException], ...] = (FdsmError, FileNotFoundError, PermissionError, IsADirectoryError)


def run_cli(prog: str, body: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None) -> int:
    """Run a CLI body; turn user errors into `prog: error: reason` on stderr and exit code 2."""
    try:
        return int(body(argv) or 0)
    except USER_ERRORS as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130

