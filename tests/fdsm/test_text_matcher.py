"""Typed labels: matching to bank classes, validation, and the text each label is encoded as."""

from __future__ import annotations

import json

import pytest

from fdsm.errors import FdsmError
from fdsm.text import DEFAULT_POLICY, TextPolicy, get_policy, match_label, prompt_for, validate_labels
from fdsm.text.matcher import edit_distance, name_score, stem
from fdsm.text.prompts import LEVELS, bank_names, load_bank
from fdsm.training.texts import class_prompts


@pytest.mark.parametrize(("typed", "bank", "name"), [
    ("Jumping Jacks", "demo", "jumping jacks"),
    ("waving", "demo", "wave"),
    ("water drink", "demo", "drink water"),
    ("clapping hands", "demo", "clap"),
    ("sqaut", "demo", "squat"),
    ("  Drink   Water! ", "demo", "drink water"),
    ("push-ups", "demo", "push up"),
    ("jumpng jaks", "demo", "jumping jacks"),
    ("standing up", "ntu120", "standing up (from sitting position)"),
    ("rock paper scissors", "ntu120", "finger-guessing game (playing rock-paper-scissors)"),
    ("touching chest", "ntu120", "touch chest (stomachache/heart pain)"),
])
def test_typed_names_find_their_class(typed, bank, name):
    m = match_label(typed, banks=["demo", "ntu120"])
    assert m is not None and (m.bank, m.entry.name) == (bank, name)
    assert m.index == m.entry.index and 0.8 <= m.score <= 1.0


@pytest.mark.parametrize("typed", ["zebra crossing", "summon a dragon", "tickle the robot", "xyz", "touch ceiling"])
def test_unknown_names_do_not_match(typed):
    assert match_label(typed) is None


def test_exact_beats_fuzzy_and_banks_can_be_restricted():
    assert match_label("squat").score == 1.0 > match_label("sqaut").score
    m = match_label("drink water", banks=["ntu120"])
    assert (m.bank, m.index) == ("ntu120", 0)
    assert match_label("jumping jacks", banks=["ntu120"]) is None


def test_match_from_a_bank_file_path(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"dataset": "mine", "classes": [
        {"index": 0, "name": "juggle clubs", "definition": "A person juggles clubs.",
         "kinematics": "Both hands toss clubs up in turn."}]}))
    m = match_label("juggling club", banks=[path])
    assert (m.bank, m.index, m.via) == ("mine", 0, "juggle clubs")


def test_body_part_may_be_left_out_but_not_swapped():
    assert name_score("clapping hands", "clapping") == pytest.approx(0.85)
    assert name_score("touch head", "touch back") == 0.0
    assert name_score("walk", "talk") == 0.0  # short words get no typo allowance


def test_stem_and_edit_distance():
    assert stem("waving") == stem("wave") == stem("waves") == "wav"
    assert stem("clapping") == stem("clap") and stem("touches") == "touch" and stem("falling") == "fall"
    assert edit_distance("sqaut", "squat") == 1  # one swap of neighbours
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "abc") == 3 and edit_distance("ab", "ab") == 0


def test_prompt_for_the_levels_of_the_default_policy():
    assert prompt_for("Waving", DEFAULT_POLICY) == "Waving"  # the name level is the label as typed
    assert prompt_for("sqaut", DEFAULT_POLICY, level="kinematics") == match_label("squat").entry.kinematics
    assert prompt_for("summon a dragon", DEFAULT_POLICY, level="definition") == "summon a dragon"
    assert prompt_for("sqaut", get_policy("typed-name", 1, "definition")) == match_label("squat").entry.definition
    with pytest.raises(FdsmError, match="unknown text level"):
        prompt_for("wave", DEFAULT_POLICY, level="poem")
    with pytest.raises(FdsmError, match="not known"):
        get_policy("typed-name", 2)


def test_a_templated_policy_with_official_names():
    """The template and the official-name switch, for policies a retrained checkpoint may record."""
    templated = TextPolicy("templated", 1, template="a person {name}", official_name=True)
    assert prompt_for("sqaut", templated) == "a person squat"  # the matched class's own name, templated
    assert prompt_for("summon a dragon", templated) == "a person summon a dragon"
    assert prompt_for("drink water", templated, "pool", "definition") == load_bank("pool")[63].definition


@pytest.mark.parametrize("bank", bank_names())
def test_training_texts_are_what_a_user_typing_the_class_name_gets(bank):
    """Training encodes each class with the same function that encodes a typed label, so the name level is the
    bare name and the richer levels are the class's own texts ("kick someone" is that class, not "kick")."""
    classes = load_bank(bank)
    for level in LEVELS:
        assert class_prompts(bank, len(classes), DEFAULT_POLICY, level) == [c.text(level) for c in classes]


def test_validate_labels_cleans_and_keeps_order():
    assert validate_labels(["  wave ", "drink\twater", "Café  dance"]) == ["wave", "drink water", "Cafe dance"]


@pytest.mark.parametrize(("labels", "message"), [
    ([], "no action labels"),
    ("wave, jump", "not one string"),
    (["wave", ""], "label 2 is empty"),
    (["   \t"], "label 1 is empty"),
    (["wave", "Wave!"], "label 2 'Wave!' duplicates label 1 'wave'"),
    (["jump", "jump  up", "JUMP-UP"], "label 3 .* duplicates label 2"),
    (["跳"], "cannot read"),
    (["wave 👋"], "cannot read"),
    (["wave", None], "label 2 is not text"),
    (["!!!"], "no letters"),
    ([" ".join(["very"] * 40)], "too long: 42 tokens as the model reads it, the limit is 35"),
])
def test_validate_labels_rejects_bad_input(labels, message):
    with pytest.raises(FdsmError, match=message):
        validate_labels(labels)
