"""Typed action labels: validation, and the text each label is encoded as.

A typed label that matches a bank class is encoded with that class's text (its official name, or a
richer level); any other label goes through `NAME_TEMPLATE`, so free text and bank names look alike
to the encoder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fdsm.errors import FdsmError
from fdsm.text.encoder import MAX_TOKENS, TextEncoder
from fdsm.text.matcher import match_label
from fdsm.text.prompts import LEVELS, fold_ascii, normalize_name

NAME_TEMPLATE = "a person {name}"


def label_text(typed: str, level: str = "name", banks: Sequence[str | Path] | None = None) -> str:
    """The text to encode for a typed label at `level` ("name", "definition" or "kinematics").

    Matched label: "name" -> NAME_TEMPLATE with the class's official name, richer levels -> the bank
    text. Unmatched label: NAME_TEMPLATE with the label as typed, at every level.
    """
    if level not in LEVELS:
        raise FdsmError(f"unknown text level {level!r}; choose one of: {', '.join(LEVELS)}")
    match = match_label(typed, banks)
    if match is None:
        return NAME_TEMPLATE.format(name=typed)
    return NAME_TEMPLATE.format(name=match.entry.name) if level == "name" else match.entry.text(level)


def _count_tokens(text: str, encoder: TextEncoder | None) -> int:
    if encoder is not None:
        return encoder.count_tokens(text)
    from fdsm.text.minilm import load_tokenizer

    return len(load_tokenizer().encode(text).ids)


def validate_labels(labels: Sequence[str], encoder: TextEncoder | None = None) -> list[str]:
    """Clean typed labels (accents folded, whitespace collapsed) or raise FdsmError saying what is wrong.

    Rejected: an empty list, empty or whitespace-only labels, characters with no ASCII form (the
    encoders are English-only), labels equal after normalization (case, spacing, punctuation), and
    labels whose templated text exceeds the encoder's token limit (MiniLM by default).
    """
    if isinstance(labels, str):
        raise FdsmError("labels must be a list of names, not one string; split it first (e.g. on commas)")
    if not labels:
        raise FdsmError("no action labels given; type at least one")
    limit = encoder.max_tokens if encoder is not None else MAX_TOKENS
    out: list[str] = []
    seen: dict[str, tuple[int, str]] = {}
    for i, raw in enumerate(labels, 1):
        if not isinstance(raw, str):
            raise FdsmError(f"label {i} is not text: {raw!r}")
        label = " ".join(fold_ascii(raw).split())
        if not label:
            raise FdsmError(f"label {i} is empty; type an action name such as 'wave'")
        bad = sorted({c for c in label if not (c.isascii() and c.isprintable())})
        if bad:
            raise FdsmError(f"label {i} {raw!r} has characters the English text encoder cannot read "
                            f"({' '.join(map(ascii, bad))}); type it in plain English letters")
        key = normalize_name(label)
        if not key:
            raise FdsmError(f"label {i} {raw!r} has no letters or digits")
        if key in seen:
            j, first = seen[key]
            raise FdsmError(f"label {i} {raw!r} duplicates label {j} {first!r} (case, spacing and punctuation "
                            "are ignored); remove one")
        n = _count_tokens(NAME_TEMPLATE.format(name=label), encoder)
        if n > limit:
            raise FdsmError(f"label {i} is too long: {n} tokens with the prompt template, the limit is {limit}; "
                            f"shorten {label[:30]!r}...")
        seen[key] = (i, raw)
        out.append(label)
    return out
