"""Real mocap files (../shared/data): left/right on a one-sided action of every dataset, handedness,
and the fdsm-prepare command end to end, including a dataset with broken files."""

from __future__ import annotations

import re
import tarfile

import numpy as np
import pytest

from fdsm.data import asfamc, bandai, cmu, nwucla, sbu, sources
from fdsm.data.corpus import load_corpus
from fdsm.data.prepare import main as prepare
from fdsm.skeleton import J, chirality
from tests.fdsm.test_data_bvh import BANDAI_TREE, rest_rows, write_bvh


def _root(shared_data, archive):
    return sources.extract(shared_data / archive)


def _motion(skel, joint):
    """Path length of a joint relative to the chest (main body), metres: how much it moves on its own."""
    rel = skel[:, 0, J[joint]] - skel[:, 0, J["spine_shoulder"]]
    return float(np.linalg.norm(np.diff(rel, axis=0), axis=-1).sum())


def _rise(skel, joint):
    """How far a joint rises above its starting height (main body), metres."""
    y = skel[:, 0, J[joint], 1]
    return float(y.max() - y[0])


def test_bandai_one_sided_takes_use_the_named_side(shared_data):
    root = _root(shared_data, "bandai/bandai-1.tar.xz")  # set 1: 7 MB, unpacks in seconds
    cases = [("kick_normal", "right_foot", "left_foot"), ("bye_*", "right_wrist", "left_wrist"),
             ("respond_normal", "left_wrist", "right_wrist")]  # right kick; right-hand goodbye; left hand up
    for pattern, side, other in cases:
        paths = sorted(root.rglob(f"dataset-1_{pattern}_001.bvh"))
        assert paths, pattern
        for path in paths:
            seq = bandai.read(path)
            assert _motion(seq.skeleton, side) > 2 * _motion(seq.skeleton, other), path.name
            assert chirality(seq.skeleton) > 0.8, path.name


def test_hdm05_left_kick_and_right_grab(shared_data):
    root = _root(shared_data, "hdm05/hdm05.tar.xz")
    for path in sorted(root.glob("train/6/*.amc"))[:3]:  # kickLFront1Reps
        seq = asfamc.read(path)
        assert _rise(seq.skeleton, "left_foot") > _rise(seq.skeleton, "right_foot") + 0.4, path.name
        assert chirality(seq.skeleton) > 0.8
    for path in sorted(root.glob("test/3/*.amc"))[:3]:  # grabHighR
        seq = asfamc.read(path)
        assert _rise(seq.skeleton, "right_wrist") > _rise(seq.skeleton, "left_wrist") + 0.3, path.name
        assert seq.skeleton[:, 0, J["spine_base"], 1].mean() == pytest.approx(0.9, abs=0.15)  # metres


def test_cmu_soccer_kicks_with_the_right_foot(shared_data):
    root = _root(shared_data, "cmu8/cmu8.tar.xz")
    skeleton = shared_data / "cmu8" / "skeleton.json"
    for path in sorted(root.rglob("soccer/*.txt"))[:3]:
        seq = cmu.read(path, skeleton)
        assert _rise(seq.skeleton, "right_foot") > _rise(seq.skeleton, "left_foot"), path.name
        assert chirality(seq.skeleton) > 0.8
        feet = seq.skeleton[:, 0, [J["left_foot"], J["right_foot"]], 1]
        assert -0.1 < feet.min() < 0.15  # the toes reach the floor


def test_sbu_handshake_uses_right_hands_and_sides_hold(shared_data):
    root = _root(shared_data, "sbu/sbu.tar.xz")
    files = sorted(root.rglob("05/*/skeleton_pos.txt"))  # shaking hands
    right_right = 0
    for path in files:
        s = sbu.read(path).skeleton
        hands = {(a, b): np.linalg.norm(s[:, 0, J[f"{a}_wrist"]] - s[:, 1, J[f"{b}_wrist"]], axis=-1).min()
                 for a in ("left", "right") for b in ("left", "right")}
        right_right += min(hands, key=hands.get) == ("right", "right")
        for me, other in ((0, 1), (1, 0)):  # facing the other person, the right shoulder is on the right
            forward = s[:, other, J["spine_base"]] - s[:, me, J["spine_base"]]
            right = np.cross(forward, [0.0, 1.0, 0.0])
            across = s[:, me, J["right_shoulder"]] - s[:, me, J["left_shoulder"]]
            assert np.median((across * right).sum(-1)) > 0, path
    assert right_right >= 0.7 * len(files)  # README: 15 of 18


def test_nwucla_sides_and_one_hand_pickup(shared_data):
    root = _root(shared_data, "nwucla/nwucla.tar.xz")
    files = sorted(root.rglob("a01_*_v01.json"))  # pick up with one hand, view 1
    right_lower = left_lower = 0
    chir = []
    for path in files:
        s = nwucla.read(path).skeleton[:, 0]
        assert np.median(s[:, J["right_shoulder"], 0] - s[:, J["left_shoulder"], 0]) > -0.05, path.name
        chir.append(chirality(s))
        low_r, low_l = s[:, J["right_hand"], 1].min(), s[:, J["left_hand"], 1].min()
        right_lower += low_r < low_l - 0.05
        left_lower += low_l < low_r - 0.05
    assert np.median(chir) > 0.3
    assert right_lower > left_lower  # most actors pick up with the right hand (README: 74 vs 49 over all views)


def test_prepare_sbu_end_to_end(shared_data, tmp_path, capsys):
    out = tmp_path / "sbu.npz"
    assert prepare(["sbu", "--src", str(shared_data / "sbu"), "--out", str(out)]) == 0
    corpus = load_corpus(out)
    assert len(corpus) == 282 and len(corpus.classes) == 8 and corpus.bank == "sbu"
    assert corpus.sequences[0].skeleton.shape[1:] == (2, 25, 3) and corpus.fps == 30.0
    assert sorted(set(corpus.labels.tolist())) == list(range(8))
    assert "282 sequences, 8 classes, 0 skipped" in capsys.readouterr().out


def test_prepare_reports_bad_files_and_builds_the_rest(tmp_path, capsys):
    data = tmp_path / "bandai"
    data.mkdir()
    write_bvh(data / "dataset-2_wave-right-hand_normal_001.bvh", BANDAI_TREE, rest_rows(BANDAI_TREE, 40))
    write_bvh(data / "dataset-2_wave-right-hand_tired_001.bvh", BANDAI_TREE, rest_rows(BANDAI_TREE, 40))
    write_bvh(data / "dataset-2_bow_normal_001.bvh", BANDAI_TREE, rest_rows(BANDAI_TREE, 10), frames=20)
    tree = [j for j in BANDAI_TREE if j[0] != "Hand_R"]
    write_bvh(data / "dataset-2_run_normal_001.bvh", tree, rest_rows(tree, 10))
    out = tmp_path / "c.npz"
    assert prepare(["bandai", "--src", str(data), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert re.search(r"dataset-2_bow_normal_001\.bvh:\d+: truncated: 10 of 20 frames", captured.err)
    assert "dataset-2_run_normal_001.bvh: skeleton lacks required joint(s) Hand_R" in captured.err
    corpus = load_corpus(out)
    assert len(corpus) == 2 and corpus.classes[corpus.labels[0]] == "wave right hand"
    assert corpus.texts[1][0] == "wave right hand, tiredly" and corpus.texts[0] == ("", "", "")


def test_prepare_bad_source_is_one_line_error(tmp_path, capsys):
    assert prepare(["hdm05", "--src", str(tmp_path / "nope"), "--out", str(tmp_path / "x.npz")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_extract_is_cached_and_atomic(tmp_path, monkeypatch):
    monkeypatch.setenv("FDSM_CACHE", str(tmp_path / "cache"))
    payload = tmp_path / "payload"
    (payload / "data").mkdir(parents=True)
    (payload / "data" / "x.txt").write_text("1")
    archive = tmp_path / "demo.tar.xz"
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(payload / "data", arcname="data")
    root = sources.extract(archive)
    assert root == tmp_path / "cache" / "extracted" / "demo" and (root / "data" / "x.txt").read_text() == "1"
    (root / "data" / "x.txt").write_text("2")
    assert sources.extract(archive) == root and (root / "data" / "x.txt").read_text() == "2"  # not unpacked again
    assert sources.find_files(tmp_path / "demo.tar.xz", ".TXT") == [root / "data" / "x.txt"]
    broken = tmp_path / "broken.tar.xz"
    broken.write_bytes(archive.read_bytes()[:40])
    with pytest.raises(Exception, match="broken.tar.xz: cannot unpack"):
        sources.extract(broken)
    assert not (tmp_path / "cache" / "extracted" / "broken").exists()
    assert [p.name for p in (tmp_path / "cache" / "extracted").iterdir()] == ["demo"]
