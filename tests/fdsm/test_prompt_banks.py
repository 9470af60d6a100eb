"""Every prompt bank in assets/prompts/ obeys the format and quality rules of docs/text.md."""

from __future__ import annotations

import json

import pytest

from fdsm.errors import DataFormatError, FdsmError
from fdsm.text import bank_names, load_bank
from fdsm.text.minilm import load_tokenizer
from fdsm.text.prompts import bank_path, bank_problems

BANKS = bank_names()


def count_tokens(text: str) -> int:
    return len(load_tokenizer().encode(text).ids)


def test_the_required_banks_are_shipped():
    assert {"ntu120", "demo"} <= set(BANKS)
    assert len(load_bank("ntu120")) == 120 and len(load_bank("demo")) >= 35


@pytest.mark.parametrize("bank", BANKS)
def test_bank_is_valid(bank):
    data = json.loads(bank_path(bank).read_text())
    assert data["dataset"] == bank and data["description"].strip()
    classes = load_bank(bank)  # structure: contiguous indices, required fields, ASCII, unique names
    assert [c.index for c in classes] == list(range(len(classes)))
    assert bank_problems(classes, count_tokens) == []


def test_ntu120_official_names_spot_check():
    names = [c.name for c in load_bank("ntu120")]
    assert names[0] == "drink water" and names[22] == "hand waving" and names[59] == "walking apart from each other"
    assert names[60] == "put on headphone" and names[119].startswith("finger-guessing game")


def _write(tmp_path, classes, dataset="bad"):
    path = tmp_path / f"{dataset}.json"
    path.write_text(json.dumps({"dataset": dataset, "description": "test", "classes": classes}))
    return path


GOOD = {"index": 0, "name": "wave", "definition": "A person waves.", "kinematics": "One hand swings."}


@pytest.mark.parametrize(("classes", "message"), [
    ([{**GOOD, "index": 1}], "index must be 0"),
    ([GOOD, {**GOOD, "index": 1, "name": "Wave!"}], "duplicates class 0"),
    ([{**GOOD, "kinematics": ""}], "empty 'kinematics'"),
    ([{**GOOD, "definition": "Un geste de la main, tres poli \u00e9."}], "not ASCII"),
    ([{**GOOD, "synonyms": "waving"}], "synonyms must be a list"),
    ([], "non-empty"),
])
def test_load_bank_rejects_malformed_files(tmp_path, classes, message):
    with pytest.raises(DataFormatError, match=message):
        load_bank(_write(tmp_path, classes))


def test_load_bank_rejects_unreadable_and_unknown(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(DataFormatError, match="not a readable JSON"):
        load_bank(path)
    with pytest.raises(FdsmError, match="unknown prompt bank 'nope'.*ntu120"):
        load_bank("nope")


def test_quality_rules_catch_each_problem(tmp_path):
    classes = load_bank(_write(tmp_path, [
        {**GOOD, "kinematics": "It happens quickly and then stops."},
        {**GOOD, "index": 1, "name": "clap", "definition": "Two sentences. Not one."},
        {**GOOD, "index": 2, "name": "jump", "definition": "no full stop"},
        {**GOOD, "index": 3, "name": "kick", "kinematics": "The leg swings " + "very " * 40 + "fast."},
        {**GOOD, "index": 4, "name": "a b c d e f g h i"},
        {**GOOD, "index": 5, "name": "nod", "synonyms": ["clap"]},
    ]))
    problems = "\n".join(bank_problems(classes, count_tokens))
    for expected in ["0 'wave': kinematics mentions no body part", "1 'clap': definition must be exactly one",
                     "2 'jump': definition must be a full sentence", "3 'kick': kinematics is 4",
                     "4 'a b c d e f g h i': name longer", "5 'nod': synonym 'clap' is the name of class 1"]:
        assert expected in problems
