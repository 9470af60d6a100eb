"""CMU exp-map CSV, SBU and NW-UCLA readers on small files the tests write in the real formats."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fdsm.data import cmu, load_sequence, nwucla, sbu
from fdsm.data.bvh import axis_rotation
from fdsm.errors import DataFormatError
from fdsm.skeleton import J, chirality
from tests.conftest import standing_pose

SKELETON_JSON = {"parents": [-1, 0, 1], "offsets": [[0, 0, 0], [0, 2, 0], [1, 0, 0]]}


def test_rodrigues_matches_axis_rotation_and_is_orthonormal():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(50, 3))
    r = cmu.rodrigues(e)
    np.testing.assert_allclose(r @ np.swapaxes(r, -1, -2), np.broadcast_to(np.eye(3), r.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(r), 1.0, atol=1e-12)
    np.testing.assert_allclose(cmu.rodrigues(np.array([0, 0, np.pi / 2])), axis_rotation("Z", np.array(90.0)),
                               atol=1e-12)
    np.testing.assert_allclose(cmu.rodrigues(np.zeros(3)), np.eye(3))


def test_cmu_fk_applies_each_rotation_transposed_to_the_children():
    parents, offsets = np.array(SKELETON_JSON["parents"]), np.array(SKELETON_JSON["offsets"], float)
    row = np.zeros((1, 12))
    row[0, :3] = (1, 2, 3)
    row[0, 6:9] = (0, 0, np.pi / 2)  # joint 1 turns 90 deg about z: moves joint 2, not joint 1
    pos = cmu.forward_kinematics(row, parents, offsets) / cmu.UNIT
    np.testing.assert_allclose(pos[0, 1], [1, 4, 3], atol=1e-12)
    np.testing.assert_allclose(pos[0, 2], [1, 3, 3], atol=1e-12)  # R^T (1, 0, 0) = (0, -1, 0)


def test_cmu_read_drops_rest_row_and_checks_columns(tmp_path):
    (tmp_path / "skeleton.json").write_text(json.dumps(SKELETON_JSON))
    folder = tmp_path / "train" / "walking"
    folder.mkdir(parents=True)
    good = folder / "walking_1.txt"
    np.savetxt(good, np.zeros((4, 12)), delimiter=",")
    parents, offsets = cmu.load_skeleton(tmp_path / "skeleton.json")
    assert len(parents) == 3
    bad = folder / "walking_2.txt"
    np.savetxt(bad, np.zeros((4, 10)), delimiter=",")
    with pytest.raises(DataFormatError, match="walking_2.txt: 10 columns, expected 12"):
        cmu.read(bad)


def write_sbu(path, people):
    """`people`: (T, 2, 15, 3) metres (x = subject-facing camera's left, y up, z depth) -> SBU normalised CSV."""
    raw = np.empty_like(people)
    mm = people * 1000.0
    raw[..., 0] = (1280.0 - mm[..., 0]) / 2560.0
    raw[..., 1] = (960.0 - mm[..., 1]) / 1920.0
    raw[..., 2] = mm[..., 2] * 7.8125 / 10000.0
    rows = np.concatenate([np.arange(1, len(people) + 1)[:, None], raw.reshape(len(people), -1)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, rows, delimiter=",", fmt="%.6f")
    return path


def openni_from_ntu(p):
    """OpenNI 15 joints from an NTU standing pose (head, neck, torso, arms, legs)."""
    idx = [3, 20, 1, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18]
    return p[idx]


def test_sbu_denormalisation_inverts_and_sides_hold(tmp_path):
    pose = standing_pose()
    a = openni_from_ntu(pose) + np.array([0.0, 0.0, 2.0])  # 2 m from the sensor
    t = 6
    people = np.stack([np.repeat(a[None], t, 0), np.repeat(a[None], t, 0) + np.array([0.0, 0, 1.2])], axis=1)
    people[:, 0, 8, 1] = np.linspace(0.9, 1.8, t)  # person 1 raises the right hand
    seq = load_sequence(write_sbu(tmp_path / "s01s02" / "03" / "001" / "skeleton_pos.txt", people))
    assert seq.skeleton.shape == (t, 2, 25, 3) and seq.fps == 15.0
    assert seq.label == 2 and seq.subject == 102 and seq.name == "s01s02_03_001"
    np.testing.assert_allclose(seq.skeleton[:, 1, J["head"]], people[:, 1, 0], atol=1e-5)
    body = seq.skeleton[:, 0]
    assert body[-1, J["right_wrist"], 1] > body[-1, J["head"], 1] > body[-1, J["left_wrist"], 1]
    assert np.isfinite(seq.skeleton).all()


def test_sbu_rejects_wrong_width(tmp_path):
    path = tmp_path / "s01s02" / "01" / "001" / "skeleton_pos.txt"
    path.parent.mkdir(parents=True)
    np.savetxt(path, np.zeros((3, 46)), delimiter=",")
    with pytest.raises(DataFormatError, match="91 values"):
        sbu.read(path)


def test_nwucla_maps_kinect20_and_estimates_the_rest(tmp_path):
    pose = standing_pose()
    kinect = pose[:20].copy()
    kinect[2] = pose[20]  # ShoulderCenter is NTU's spine shoulder
    frames = np.repeat(kinect[None], 5, 0)
    path = tmp_path / "a01_s03_e00_v02.json"
    path.write_text(json.dumps({"file_name": path.stem, "skeletons": frames.tolist(), "label": 1}))
    seq = load_sequence(path)
    skel = seq.skeleton[:, 0]
    assert (seq.label, seq.subject, seq.view) == (0, 3, 2)
    np.testing.assert_allclose(skel[:, J["spine_shoulder"]], np.repeat(pose[20][None], 5, 0), atol=1e-6)
    np.testing.assert_allclose(skel[:, J["right_hand"]], np.repeat(pose[11][None], 5, 0), atol=1e-6)
    neck = skel[0, J["neck"]]
    assert pose[20, 1] < neck[1] < pose[3, 1]
    assert np.isfinite(skel).all() and chirality(seq.skeleton) > 0.9


def test_nwucla_bad_shape_and_nan(tmp_path):
    path = tmp_path / "a01_s01_e00_v01.json"
    path.write_text(json.dumps({"skeletons": [[[0, 0, 0]] * 15], "label": 1}))
    with pytest.raises(DataFormatError, match=r"\[T\]\[20\]\[3\]"):
        nwucla.read(path)
    path.write_text(json.dumps({"skeletons": [[[float("nan")] * 3] * 20], "label": 1}))
    with pytest.raises(DataFormatError, match="NaN"):
        nwucla.read(path)
