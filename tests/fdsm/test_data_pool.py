"""The training pool: merged bank equals the shipped pool.json, labels map by class name, NW-UCLA stays out."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fdsm.assets import asset_path
from fdsm.data import Sequence, pool
from fdsm.data.builder import load_prompt_bank
from fdsm.data.corpus import Corpus, load_corpus, save_corpus
from fdsm.data.prepare import main as prepare
from fdsm.default_model.protocol import NWUCLA_IN_POOL, NWUCLA_NOT_IN_POOL
from fdsm.default_model.synth import MOTIONS as synth_motions
from fdsm.default_model.synth import build as build_synth
from fdsm.errors import FdsmError
from fdsm.skeleton import camera_joints
from tests.conftest import standing_pose


def test_shipped_pool_bank_is_the_merge_of_the_training_banks():
    shipped = json.loads(asset_path("prompts", "pool.json").read_text())
    assert shipped == pool.merged_bank()
    names = [c["name"] for c in shipped["classes"]]
    assert len(names) == len(set(names))
    assert "pick up with one hand" not in names  # NW-UCLA is not in the pool
    every = {c["name"] for b in pool.POOL_BANKS for c in load_prompt_bank(b)}
    assert set(names) == every


def _terms(bank: str) -> set[str]:
    return {t.lower() for c in load_prompt_bank(bank) for t in [c["name"], *c.get("synonyms", [])]}


def test_nwucla_names_in_the_pool_are_the_protocols_concepts_in_the_pool_and_synth_shares_no_word_with_it():
    nwucla = [c["name"] for c in load_prompt_bank("nwucla")]
    # UTD-MHAD brings some NW-UCLA concepts into the pool; protocol (a) reports them as a group of their own.
    assert set(nwucla) & _terms("pool") <= set(NWUCLA_IN_POOL)
    assert set(NWUCLA_IN_POOL) | set(NWUCLA_NOT_IN_POOL) == set(nwucla)
    assert not _terms("nwucla") & _terms("synth")  # not even a synonym: the generator never targets the test


def test_same_name_classes_merge():
    assert pool.pool_label("synth", [c["name"] for c in load_prompt_bank("synth")].index("kick")) == \
        pool.pool_label("bandai", [c["name"] for c in load_prompt_bank("bandai")].index("kick"))


def _tiny_corpus(bank, n=2, bodies=1):
    classes = [c["name"] for c in load_prompt_bank(bank)]
    skel = np.repeat(np.repeat(standing_pose()[None, None], 12, 0), bodies, 1)
    seqs = [Sequence(skel, 30.0, i % len(classes), f"s{i}", subject=i) for i in range(n)]
    return Corpus(seqs, np.array([s.label for s in seqs]), classes, bank, bank)


def test_pool_merges_corpora_and_reports_missing_ones(tmp_path, capsys):
    save_corpus(tmp_path / "sbu.npz", _tiny_corpus("sbu", 3, bodies=2))
    save_corpus(tmp_path / "synth.npz", build_synth(None, seed=0, per_class=1))
    assert prepare(["pool", "--src", str(tmp_path), "--out", str(tmp_path / "pool.npz")]) == 0
    err = capsys.readouterr().err
    assert "bandai.npz: not found; the bandai classes have no sequences" in err
    c = load_corpus(tmp_path / "pool.npz")
    assert c.bank == "pool" and c.classes == [x["name"] for x in load_prompt_bank("pool")]
    assert len(c) == 3 + len(synth_motions) and c.sequences[0].skeleton.shape[1] == 2
    sbu_names = [x["name"] for x in load_prompt_bank("sbu")]
    assert [c.classes[label] for label in c.labels[:3]] == sbu_names[:3]
    assert c.sequences[0].name == "sbu/s0" and c.sequences[1].subject == 3 * pool.SUBJECT_STRIDE + 1
    assert c.sequences[3].name.startswith("synth/") and c.classes[c.labels[3]] == "clap hands"
    assert c.info["joints"] == "camera"  # fdsm-prepare writes every corpus as the camera sees


def test_prepare_writes_the_camera_joints(tmp_path):
    """A source's own spine base, neck and palms are replaced by the live mapping's rules."""
    kinect = _tiny_corpus("sbu", 1)
    kinect.sequences[0].skeleton[:, :, 0, 1] += 0.08  # Kinect's HipCenter: above the hip midpoint
    save_corpus(tmp_path / "sbu.npz", kinect)
    assert prepare(["pool", "--src", str(tmp_path), "--out", str(tmp_path / "pool.npz")]) == 0
    got = load_corpus(tmp_path / "pool.npz").sequences[0].skeleton
    np.testing.assert_allclose(got, camera_joints(kinect.sequences[0].skeleton), atol=2e-3)  # float16 storage
    assert np.abs(got[:, 0, 0, 1] - kinect.sequences[0].skeleton[:, 0, 0, 1]).min() > 0.05
    # --joints dataset (the camera-joints ablation) keeps the source's own joints
    assert prepare(["pool", "--src", str(tmp_path), "--out", str(tmp_path / "raw.npz"), "--joints", "dataset"]) == 0
    raw = load_corpus(tmp_path / "raw.npz")
    np.testing.assert_allclose(raw.sequences[0].skeleton, kinect.sequences[0].skeleton, atol=2e-3)
    assert "joints" not in raw.info


def test_pool_refuses_a_mislabelled_file_and_an_empty_folder(tmp_path):
    with pytest.raises(FdsmError, match="no corpus files"):
        pool.build(tmp_path)
    save_corpus(tmp_path / "hdm05.npz", _tiny_corpus("sbu"))
    with pytest.raises(FdsmError, match="holds bank 'sbu', expected 'hdm05'"):
        pool.build(tmp_path)
