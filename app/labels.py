"""Action-name lists: the example sets offered in the window, and parsing typed or file-given labels."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from fdsm.errors import FdsmError

EXAMPLE_SETS: dict[str, tuple[str, ...]] = {
    "fitness": ("squat", "jump up", "jumping jacks", "lunge", "arm circles", "stretch arms up", "kick"),
    "gestures": ("wave", "clap", "point to something", "thumbs up", "salute", "cross arms", "hands on hips"),
    "daily life": ("walk", "sit down", "stand up", "drink water", "pick up", "phone call", "put on a jacket"),
}
DEFAULT_SET = "fitness"


def clean_labels(labels: Iterable[str]) -> list[str]:
    """Labels checked by fdsm.text.validate_labels, after dropping blanks and repeats (first one kept).

    Repeats are dropped silently (typing a name twice is harmless); anything the text encoder cannot take
    (non-English characters, too long) is a one-line FdsmError.
    """
    from fdsm.text import validate_labels
    from fdsm.text.prompts import normalize_name

    seen: set[str] = set()
    out: list[str] = []
    for label in labels:
        label = " ".join(label.split())
        key = normalize_name(label) or label
        if label and key not in seen:
            seen.add(key)
            out.append(label)
    if not out:
        raise FdsmError("no action labels given (type at least one, e.g. --labels \"wave, jump up\")")
    return validate_labels(out)


def parse_labels(text: str) -> list[str]:
    """Comma- or newline-separated labels, as typed on the command line."""
    return clean_labels(text.replace("\n", ",").split(","))


def read_labels_file(path: str | Path) -> list[str]:
    """One label per line; blank lines and lines starting with '#' are ignored."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FdsmError(f"{path}: not a UTF-8 text file (one label per line expected)") from None
    except FileNotFoundError:
        raise FdsmError(f"{path}: labels file not found") from None
    except IsADirectoryError:
        raise FdsmError(f"{path}: is a folder, not a labels file") from None
    except OSError as exc:
        raise FdsmError(f"{path}: cannot read the labels file ({exc.strerror or exc})") from None
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    try:
        return clean_labels(lines)
    except FdsmError:
        raise FdsmError(f"{path}: contains no labels (one label per line expected)") from None
