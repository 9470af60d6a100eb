"""Match a typed action name to a known class of the prompt banks, so its richer text levels can be used.

Forgiving on purpose: case, punctuation, plural and -ing/-ed forms, word order, synonyms, a body part
left out ("clapping hands" ~ "clapping") and small typos ("sqaut"). Deliberately not semantic: a match
must be the same name, so "run" never silently becomes "walk"; semantic closeness is what
`fdsm-eval text-sanity` shows instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fdsm.text.prompts import BODY_PART_WORDS, ClassText, bank_names, bank_path, load_bank, normalize_name

MIN_SCORE = 0.8
STOP_WORDS = frozenset([
    "a", "an", "the", "one", "ones", "his", "her", "their", "my", "your", "own", "someone", "something",
    "somebody",
])
PREFERRED_BANKS = ("demo", "ntu120")  # searched first; wins ties


@dataclass(frozen=True)
class LabelMatch:
    """A typed name recognised as class `index` of `bank`; `via` is the name or synonym that matched."""

    bank: str
    index: int
    entry: ClassText
    score: float
    via: str = ""


def stem(word: str) -> str:
    """A light suffix stemmer: waving/waves/wave -> wav, clapping -> clap, touches -> touch."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


BODY_STEMS = frozenset(stem(w) for w in BODY_PART_WORDS)


def _words(text: str) -> tuple[str, ...]:
    """Content words of a name, parenthesised remarks removed ("standing up (from sitting)" -> standing up)."""
    words = normalize_name(re.sub(r"\([^)]*\)", " ", text)).split()
    return tuple(w for w in words if w not in STOP_WORDS)


def _typo_budget(a: str, b: str) -> int:
    n = max(len(a), len(b))
    return 0 if n < 5 else (1 if n < 9 else 2)


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): insert, delete, substitute, swap neighbours."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def _fuzzy_cost(typed: tuple[str, ...], known: tuple[str, ...]) -> int | None:
    """Total typo distance pairing every typed word with a distinct known word, or None if impossible."""
    if len(typed) != len(known):
        return None
    left, total = list(known), 0
    for w in typed:
        best = None
        for k in left:
            budget = _typo_budget(w, k)
            if stem(w) == stem(k):
                d = 0
            elif abs(len(w) - len(k)) > budget:
                continue
            else:
                d = edit_distance(w, k)
            if d <= budget and (best is None or d < best[0]):
                best = (d, k)
        if best is None:
            return None
        total += best[0]
        left.remove(best[1])
    return total


@dataclass(frozen=True)
class _Name:
    """A name split into content words and their stems, computed once per bank entry."""

    words: tuple[str, ...]
    stems: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> _Name:
        words = _words(text)
        return cls(words, tuple(map(stem, words)))


def _score(t: _Name, k: _Name) -> float:
    if not t.words or not k.words:
        return 0.0
    if t.words == k.words:
        return 1.0
    if t.stems == k.stems:
        return 0.96
    if sorted(t.stems) == sorted(k.stems):
        return 0.92
    cost = _fuzzy_cost(t.words, k.words)
    if cost is not None and cost <= 2:
        return 0.9 - 0.03 * cost
    t_core, k_core = [s for s in t.stems if s not in BODY_STEMS], [s for s in k.stems if s not in BODY_STEMS]
    one_side_names_body = (len(t_core) < len(t.stems)) != (len(k_core) < len(k.stems))
    if t_core and one_side_names_body and sorted(t_core) == sorted(k_core):
        return 0.85
    return 0.0


def name_score(typed: str, known: str) -> float:
    """How surely `typed` names the same action as `known`, in [0, 1]; 0 = not the same name."""
    return _score(_Name.of(typed), _Name.of(known))


def search_order(banks: Sequence[str | Path] | None) -> list[str | Path]:
    """`banks` as given, or every shipped bank with PREFERRED_BANKS first."""
    if banks is not None:
        return list(banks)
    names = bank_names()
    return [b for b in PREFERRED_BANKS if b in names] + [b for b in names if b not in PREFERRED_BANKS]


@lru_cache(maxsize=64)
def _index(bank: str | Path, _stamp: int) -> tuple[tuple[ClassText, int, str, _Name], ...]:
    """Every (entry, rank, known name, split name) of a bank; rank 0 = official name, >0 = synonym."""
    return tuple((entry, rank, known, _Name.of(known))
                 for entry in load_bank(bank) for rank, known in enumerate((entry.name, *entry.synonyms)))


@lru_cache(maxsize=1024)
def _match_cached(typed: str, banks: tuple[tuple[str | Path, int], ...]) -> LabelMatch | None:
    t = _Name.of(typed)
    best: tuple[float, LabelMatch] | None = None
    for bank, stamp in banks:
        for entry, rank, known, k in _index(bank, stamp):
            score = _score(t, k) - (0.01 if rank else 0.0)
            if score >= MIN_SCORE and (best is None or score > best[0]):
                best = (score, LabelMatch(Path(bank).stem, entry.index, entry, round(score, 3), known))
    return None if best is None else best[1]


def match_label(typed: str, banks: Sequence[str | Path] | None = None) -> LabelMatch | None:
    """The known class `typed` names, searching `banks` (default: all shipped, demo and ntu120 first)."""
    return _match_cached(typed, tuple((b, bank_path(b).stat().st_mtime_ns) for b in search_order(banks)))
