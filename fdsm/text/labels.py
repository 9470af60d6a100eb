"""Typed action labels: validation (the text each label is encoded as is `fdsm.text.policy.prompt_for`)."""

from __future__ import annotations

from collections.abc import Sequence

from fdsm.errors import FdsmError
from fdsm.text.encoder import MAX_TOKENS, TextEncoder
from fdsm.text.policy import DEFAULT_POLICY, TextPolicy
from fdsm.text.prompts import fold_ascii, normalize_name


def _count_tokens(text: str, encoder: TextEncoder | None) -> int:
    if encoder is not None:
        return encoder.count_tokens(text)
    from fdsm.text.minilm import load_tokenizer

    return len(load_tokenizer().encode(text).ids)


def validate_labels(labels: Sequence[str], encoder: TextEncoder | None = None,
                    policy: TextPolicy = DEFAULT_POLICY) -> list[str]:
    """Clean typed labels (accents folded, whitespace collapsed) or raise FdsmError saying what is wrong.

    Rejected: an empty list, empty or whitespace-only labels, characters with no ASCII form (the
    encoders are English-only), labels equal after normalization (case, spacing, punctuation), and
    labels whose name text under `policy` exceeds the encoder's token limit (MiniLM by default).
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
        n = _count_tokens(policy.template.format(name=label), encoder)
        if n > limit:
            raise FdsmError(f"label {i} is too long: {n} tokens as the model reads it, the limit is {limit}; "
                            f"shorten {label[:30]!r}...")
        seen[key] = (i, raw)
        out.append(label)
    return out
