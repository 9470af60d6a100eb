"""Prompt banks: per-class text at three levels (name, definition, kinematics) in assets/prompts/*.json.

These are FDSM's "kinematic priors": the curriculum trains on the rich levels first and on bare names
last. The format is documented in docs/text.md; `load_bank` enforces its structure and
`bank_problems` its quality rules (lengths, body-part vocabulary), which the test suite applies to
every shipped bank.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fdsm.assets import asset_path
from fdsm.errors import DataFormatError, FdsmError

LEVELS = ("name", "definition", "kinematics")
MAX_NAME_WORDS = 8
MAX_TEXT_TOKENS = 35  # every definition and kinematics text fits the denoiser's token stream untruncated

BODY_PART_WORDS = frozenset([
    "head", "heads", "face", "faces", "eye", "eyes", "mouth", "lips", "chin", "jaw", "neck", "shoulder",
    "shoulders", "arm", "arms", "forearm", "forearms", "elbow", "elbows", "wrist", "wrists", "hand", "hands",
    "palm", "palms", "finger", "fingers", "fingertips", "thumb", "thumbs", "fist", "fists", "chest", "torso",
    "trunk", "back", "spine", "waist", "hip", "hips", "pelvis", "abdomen", "belly", "stomach", "leg", "legs",
    "thigh", "thighs", "knee", "knees", "shin", "shins", "calf", "calves", "ankle", "ankles", "foot", "feet",
    "toe", "toes", "heel", "heels", "body", "bodies", "limbs",
])


@dataclass(frozen=True)
class ClassText:
    """One class of a bank: its official name and the two richer text levels."""

    index: int
    name: str
    definition: str
    kinematics: str
    synonyms: tuple[str, ...] = ()

    def text(self, level: str) -> str:
        """The class's text at `level` ("name", "definition" or "kinematics")."""
        if level not in LEVELS:
            raise FdsmError(f"unknown text level {level!r}; choose one of: {', '.join(LEVELS)}")
        return getattr(self, level)


def fold_ascii(text: str) -> str:
    """Compatibility-decompose and drop accents ("café" -> "cafe"); characters with no ASCII form stay."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_name(text: str) -> str:
    """Comparison key of a name: ASCII-folded, lower case, apostrophes dropped, other punctuation -> space."""
    text = fold_ascii(text).lower().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def prompts_dir() -> Path:
    return asset_path("prompts")


def bank_names() -> list[str]:
    """Names of the shipped banks (file stems in assets/prompts/), sorted."""
    return sorted(p.stem for p in prompts_dir().glob("*.json"))


def bank_path(bank: str | Path) -> Path:
    """The JSON file of a bank given by name ("ntu120") or by path."""
    path = Path(bank)
    if path.suffix == ".json" or path.parent != Path("."):
        return path
    path = prompts_dir() / f"{bank}.json"
    if not path.is_file():
        raise FdsmError(f"unknown prompt bank {bank!r}; available: {', '.join(bank_names()) or 'none'}")
    return path


def load_bank(bank: str | Path) -> list[ClassText]:
    """The classes of a bank, in index order; a malformed file raises DataFormatError naming the problem."""
    path = bank_path(bank)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise FdsmError(f"cannot read prompt bank {path}: {exc.strerror}") from exc
    return list(_load(path.resolve(), stamp))


@lru_cache(maxsize=32)
def _load(path: Path, _stamp: int) -> tuple[ClassText, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFormatError(path, f"not a readable JSON prompt bank ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("classes"), list) or not data["classes"]:
        raise DataFormatError(path, 'expected an object with a non-empty "classes" list')
    if not isinstance(data.get("dataset"), str) or not data["dataset"].strip():
        raise DataFormatError(path, 'missing "dataset" name')
    classes, seen = [], {}
    for pos, raw in enumerate(data["classes"]):
        where = f"class {pos}"
        if not isinstance(raw, dict):
            raise DataFormatError(path, f"{where}: expected an object")
        if raw.get("index") != pos or isinstance(raw.get("index"), bool):
            raise DataFormatError(path, f"{where}: index must be {pos} (0-based, contiguous, in order)")
        fields = {}
        for key in LEVELS:
            value = raw.get(key)
            if not isinstance(value, str) or not value.strip():
                raise DataFormatError(path, f"{where} ({raw.get('name')!r}): missing or empty {key!r}")
            if not value.isascii():
                raise DataFormatError(path, f"{where} ({raw.get('name')!r}): {key!r} is not ASCII")
            fields[key] = " ".join(value.split())
        synonyms = raw.get("synonyms", [])
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() and s.isascii()
                                                     for s in synonyms):
            raise DataFormatError(path, f"{where} ({fields['name']!r}): synonyms must be a list of ASCII strings")
        key = normalize_name(fields["name"])
        if key in seen:
            raise DataFormatError(path, f"{where}: name {fields['name']!r} duplicates class {seen[key]}")
        seen[key] = pos
        classes.append(ClassText(pos, fields["name"], fields["definition"], fields["kinematics"],
                                 tuple(" ".join(s.split()) for s in synonyms)))
    return tuple(classes)


def bank_problems(classes: list[ClassText], count_tokens: Callable[[str], int]) -> list[str]:
    """Quality rules beyond structure: lengths, one-sentence definitions, body parts, unambiguous synonyms."""
    problems = []
    names = {normalize_name(c.name): c.index for c in classes}
    for c in classes:
        tag = f"{c.index} {c.name!r}"
        if len(c.name.split()) > MAX_NAME_WORDS:
            problems.append(f"{tag}: name longer than {MAX_NAME_WORDS} words")
        for level in ("definition", "kinematics"):
            n = count_tokens(c.text(level))
            if n > MAX_TEXT_TOKENS:
                problems.append(f"{tag}: {level} is {n} tokens, over {MAX_TEXT_TOKENS}")
            if not c.text(level).endswith("."):
                problems.append(f"{tag}: {level} must be a full sentence ending with '.'")
        if len(re.findall(r"[.!?](?:\s|$)", c.definition)) != 1:
            problems.append(f"{tag}: definition must be exactly one sentence")
        if not BODY_PART_WORDS & set(re.findall(r"[a-z]+", c.kinematics.lower())):
            problems.append(f"{tag}: kinematics mentions no body part")
        for s in c.synonyms:
            other = names.get(normalize_name(s))
            if other is not None and other != c.index:
                problems.append(f"{tag}: synonym {s!r} is the name of class {other}")
    return problems
