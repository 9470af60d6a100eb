"""The text policy: what text the model scores for a typed label, in one function used everywhere.

Training encodes each class's texts with `prompt_for`, `fdsm-eval` encodes the candidate names with it and
the Recognizer encodes the typed labels with it, so the model reads at test time exactly the kind of text it
was trained on. A checkpoint records its policy (name + version) and its prompt bank; a typed label is
matched in that bank first, then in the other shipped banks.

    policy = get_policy("typed-name", 1)
    prompt_for("drinking water", policy, bank="pool")                      # -> "drinking water"
    prompt_for("drinking water", policy, bank="pool", level="kinematics")  # -> the bank's kinematics text
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fdsm.errors import FdsmError
from fdsm.text.matcher import LabelMatch, match_label, search_order
from fdsm.text.prompts import LEVELS, load_bank, normalize_name


@dataclass(frozen=True)
class TextPolicy:
    """How a typed label becomes text: the level scored (`level`), how a name is written (`template`)
    and whether a matched label's name level uses the bank's official name instead of the typed words."""

    name: str
    version: int
    level: str = "name"
    template: str = "{name}"
    official_name: bool = False

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise FdsmError(f"unknown text level {self.level!r}; choose one of: {', '.join(LEVELS)}")

    def record(self) -> dict[str, Any]:
        """What a checkpoint's config.json stores: name, version and the scored level."""
        return {"name": self.name, "version": self.version, "level": self.level}


# Known policies by (name, version). A change to what an existing policy produces needs a new version, so a
# checkpoint trained with the old texts is refused instead of silently scored with other ones.
POLICIES: dict[tuple[str, int], TextPolicy] = {
    # The label as typed (no template) at the name level; a matched label's bank text at a richer level.
    # The texts the default checkpoint was trained with: bank names and synonyms, bare.
    ("typed-name", 1): TextPolicy("typed-name", 1),
}
DEFAULT_POLICY = POLICIES["typed-name", 1]


def get_policy(name: str, version: int, level: str = "name") -> TextPolicy:
    """The known policy `name` v`version`, scoring `level`; an unknown one is a one-line FdsmError."""
    policy = POLICIES.get((name, version))
    if policy is None:
        known = ", ".join(f"{n} v{v}" for n, v in POLICIES)
        raise FdsmError(f"text policy {name!r} v{version} is not known to this version of fdsm (known: {known}); "
                        "upgrade fdsm or use a checkpoint trained with a known policy")
    return policy if level == policy.level else TextPolicy(policy.name, policy.version, level, policy.template,
                                                           policy.official_name)


def policy_from_record(record: Mapping[str, Any] | None, legacy_level: str = "name") -> TextPolicy:
    """The policy a checkpoint recorded (`TextPolicy.record`); checkpoints from before the record existed
    were trained and scored with the `typed-name` v1 texts at their `text_level`."""
    if record is None:
        return get_policy(DEFAULT_POLICY.name, DEFAULT_POLICY.version, legacy_level)
    if not isinstance(record, Mapping) or not isinstance(record.get("name"), str) \
            or not isinstance(record.get("version"), int):
        raise FdsmError(f"text_policy must be an object with a name and an integer version, got {record!r}")
    return get_policy(record["name"], record["version"], str(record.get("level", "name")))


def match_for(label: str, bank: str | Path | None = None,
              others: Sequence[str | Path] | None = None) -> LabelMatch | None:
    """The class `label` names: in `bank` if it matches there (its exact class name first, so "kick someone" is
    that class and not "kick"), else in `others` (default: the other shipped banks, demo and ntu120 first)."""
    if bank is not None:
        key = normalize_name(label)
        for entry in load_bank(bank):
            if normalize_name(entry.name) == key:
                return LabelMatch(Path(bank).stem, entry.index, entry, 1.0, entry.name)
        found = match_label(label, [bank])
        if found is not None:
            return found
    if others is None:
        others = [b for b in search_order(None) if bank is None or Path(b).stem != Path(bank).stem]
    return match_label(label, others)


def prompt_for(label: str, policy: TextPolicy, bank: str | Path | None = None, level: str | None = None) -> str:
    """The text the model scores for `label` under `policy` (at `level`, default the policy's own).

    Name level: the template with the typed label (or, for `official_name` policies, the matched class's
    name). Richer levels: the matched class's bank text; an unmatched label has only its name, templated.
    """
    level = policy.level if level is None else level
    if level not in LEVELS:
        raise FdsmError(f"unknown text level {level!r}; choose one of: {', '.join(LEVELS)}")
    if level == "name" and not policy.official_name:
        return policy.template.format(name=label)
    match = match_for(label, bank)
    if match is None:
        return policy.template.format(name=label)
    return policy.template.format(name=match.entry.name) if level == "name" else match.entry.text(level)
