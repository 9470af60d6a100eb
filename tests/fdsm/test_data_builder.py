"""Corpus assembly: classes without text, too-short sequences, long-take windows."""

from __future__ import annotations

import json

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import load_prompt_bank, make_corpus, split_long
from tests.conftest import standing_pose


def _seq(label, frames=10, name="s"):
    return Sequence(np.repeat(standing_pose()[None], frames, 0), 30.0, label, name)


def test_class_without_text_is_reported_and_the_rest_builds(tmp_path, monkeypatch):
    (tmp_path / "prompts").mkdir()
    bank = {"dataset": "testbank_notext", "description": "d", "classes": [
        {"index": 0, "name": "wave", "definition": "Wave a hand.", "kinematics": "The hand sways."},
        {"index": 1, "name": "", "definition": "", "kinematics": ""},
        {"index": 2, "name": "nod", "definition": "Nod.", "kinematics": ""},
    ]}
    (tmp_path / "prompts" / "testbank_notext.json").write_text(json.dumps(bank))
    monkeypatch.setenv("FDSM_ASSETS", str(tmp_path))
    seqs = [_seq(0, name="a"), _seq(1, name="b"), _seq(2, name="c"), _seq(0, frames=1, name="d")]
    corpus = make_corpus(seqs, "test", "testbank_notext", ["x.bvh: truncated"], {})
    assert [s.name for s in corpus.sequences] == ["a", "c"] and corpus.labels.tolist() == [0, 2]
    problems = corpus.info["problems"]
    assert problems[0] == "x.bvh: truncated"
    assert any("class 1 has no name" in p for p in problems)
    assert any("class 2 (nod) lacks definition or kinematics" in p for p in problems)
    assert any(p.startswith("d: only 1 frame") for p in problems)
    load_prompt_bank.cache_clear()


def test_split_long_cuts_labelled_consecutive_pieces():
    seq = _seq(3, frames=400, name="take")
    pieces = split_long(seq, max_seconds=12.0, piece_seconds=6.0)
    assert [p.skeleton.shape[0] for p in pieces] == [180, 220]  # the 40-frame tail joins the last piece
    assert all(p.label == 3 for p in pieces) and pieces[1].name == "take#1" and pieces[1].meta["window_start"] == 180
    np.testing.assert_array_equal(np.concatenate([p.skeleton for p in pieces]), seq.skeleton)
    assert [p.skeleton.shape[0] for p in split_long(_seq(0, frames=480), 12.0, 6.0)] == [180, 180, 120]
    assert split_long(_seq(0, frames=300), 12.0, 6.0)[0].skeleton.shape[0] == 300
