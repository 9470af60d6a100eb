"""Kinetics-skeleton readers on fixtures written here in the ST-GCN JSON and packed npy + pkl forms."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from fdsm.data import kinetics, load_sequence
from fdsm.data.corpus import load_corpus
from fdsm.data.prepare import main as prepare_main
from fdsm.errors import DataFormatError
from fdsm.skeleton import J

OP = {name: i for i, name in enumerate(kinetics.OPENPOSE_JOINTS)}


def frontal_person(shift: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(18, 2) image coordinates in [0, 1] (y down) of a person facing the camera, and their scores.

    Facing the camera, the person's own left side appears on the image's right (larger u).
    """
    uv = {
        "nose": (0.50, 0.20), "neck": (0.50, 0.30), "left_eye": (0.52, 0.18), "right_eye": (0.48, 0.18),
        "left_ear": (0.54, 0.19), "right_ear": (0.46, 0.19),
        "left_shoulder": (0.58, 0.30), "left_elbow": (0.60, 0.42), "left_wrist": (0.61, 0.52),
        "right_shoulder": (0.42, 0.30), "right_elbow": (0.40, 0.42), "right_wrist": (0.39, 0.52),
        "left_hip": (0.55, 0.55), "left_knee": (0.56, 0.72), "left_ankle": (0.56, 0.90),
        "right_hip": (0.45, 0.55), "right_knee": (0.44, 0.72), "right_ankle": (0.44, 0.90),
    }  # fmt: skip
    xy = np.array([uv[n] for n in kinetics.OPENPOSE_JOINTS], np.float32) + [shift, 0.0]
    return xy, np.full(18, 0.8, np.float32)


def skeleton_entry(xy: np.ndarray, score: np.ndarray) -> dict:
    return {"pose": [round(float(v), 4) for v in xy.reshape(-1)], "score": [round(float(s), 3) for s in score]}


def write_json(path: Path, frames: int = 5, label_index: int = 7) -> Path:
    """One video: person A every frame; person B (less confident) from frame 3; left wrist lost in frame 2."""
    data = []
    for f in range(1, frames + 1):
        a_xy, a_s = frontal_person(0.01 * f)
        if f == 2:
            a_s[OP["left_wrist"]] = 0.0
            a_xy[OP["left_wrist"]] = 0.0
        people = [skeleton_entry(a_xy, a_s)]
        if f >= 3:
            b_xy, b_s = frontal_person(-0.3)
            people.insert(0, skeleton_entry(b_xy, b_s * 0.5))  # listed first, but less confident
        data.append({"frame_index": f, "skeleton": people})
    path.write_text(json.dumps({"data": data, "label": "arm wrestling", "label_index": label_index}, indent=1))
    return path


def test_json_round_trip_and_joint_mapping(tmp_path):
    seq = load_sequence(write_json(tmp_path / "abc123.json"))
    assert seq.skeleton.shape == (5, 2, 25, 3) and seq.label == 7 and seq.fps == 30.0
    assert seq.meta["label_name"] == "arm wrestling"
    a = seq.skeleton[0, 0]
    xy, _ = frontal_person(0.01)
    expect = lambda name: np.array([(xy[OP[name], 0] - 0.5) * kinetics.ASPECT, 0.5 - xy[OP[name], 1], 0.0])  # noqa: E731
    np.testing.assert_allclose(a[J["left_elbow"]], expect("left_elbow"), atol=1e-4)
    np.testing.assert_allclose(a[J["spine_shoulder"]], expect("neck"), atol=1e-4)
    np.testing.assert_allclose(a[J["spine_base"]], (expect("left_hip") + expect("right_hip")) / 2, atol=1e-4)
    np.testing.assert_allclose(a[J["spine_mid"]], (a[J["spine_base"]] + a[J["spine_shoulder"]]) / 2, atol=1e-6)
    np.testing.assert_allclose(a[J["left_hand_tip"]], a[J["left_wrist"]])
    np.testing.assert_allclose(a[J["right_foot"]], a[J["right_ankle"]])
    assert a[J["head"], 1] > a[J["spine_base"], 1]  # y flipped to up
    assert a[J["left_hip"], 0] > a[J["right_hip"], 0]  # own left at +x while facing the camera (+z)
    assert (seq.skeleton[..., 2][np.isfinite(seq.skeleton[..., 2])] == 0).all()


def test_missing_joint_and_second_body_are_nan(tmp_path):
    seq = kinetics.read(write_json(tmp_path / "v.json"))
    lost = [J[n] for n in ("left_wrist", "left_hand", "left_hand_tip", "left_thumb")]
    assert np.isnan(seq.skeleton[1, 0, lost]).all() and np.isfinite(seq.skeleton[0, 0, lost]).all()
    assert seq.meta["confidence"][1, 0, J["left_wrist"]] == 0.0
    assert np.isnan(seq.skeleton[:2, 1]).all() and np.isfinite(seq.skeleton[2:, 1, J["head"]]).all()
    # the more confident person stays body 0 even though the file lists the other first
    assert seq.skeleton[3, 0, J["head"], 0] == pytest.approx((0.5 + 0.04 - 0.5) * kinetics.ASPECT, abs=1e-4)


def test_truncated_and_malformed_json(tmp_path):
    path = write_json(tmp_path / "t.json")
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(DataFormatError, match="invalid JSON") as err:
        kinetics.read(path)
    assert err.value.line is not None and err.value.line > 1 and err.value.path == path
    doc = json.loads(text)
    doc["data"][2]["skeleton"][1]["pose"] = doc["data"][2]["skeleton"][1]["pose"][:30]
    path.write_text(json.dumps(doc))
    with pytest.raises(DataFormatError, match=r"data\[2\]\.skeleton\[1\]: expected 36 pose values"):
        kinetics.read(path)
    path.write_text(json.dumps({"data": [{"frame_index": 1}]}))
    with pytest.raises(DataFormatError, match="skeleton"):
        kinetics.read(path)


def write_packed(folder: Path, part: str, n: int = 3) -> np.ndarray:
    """<part>_data.npy (N, 3, 300, 18, 2) after ST-GCN centring, and <part>_label.pkl (names, labels)."""
    data = np.zeros((n, 3, 300, 18, 2), np.float32)
    for i in range(n):
        for t in range(20 + i):
            xy, s = frontal_person(0.01 * t)
            data[i, :2, t, :, 0] = (xy - 0.5).T
            data[i, 2, t, :, 0] = s
    np.save(folder / f"{part}_data.npy", data)
    with (folder / f"{part}_label.pkl").open("wb") as f:
        pickle.dump(([f"vid{i}.json" for i in range(n)], [3 * i for i in range(n)]), f)
    return data


def test_packed_form_matches_json_mapping(tmp_path):
    write_packed(tmp_path, "val")
    seqs = kinetics.read_packed(tmp_path / "val_data.npy", tmp_path / "val_label.pkl")
    assert [len(s.skeleton) for s in seqs] == [20, 21, 22] and [s.label for s in seqs] == [0, 3, 6]
    assert np.isnan(seqs[0].skeleton[:, 1]).all()
    xy, s = frontal_person(0.0)
    direct, _ = kinetics.to_ntu25(xy[None, None], s[None, None])
    np.testing.assert_allclose(seqs[0].skeleton[0, 0], direct[0, 0], atol=1e-6)


def test_packed_form_rejects_bad_files(tmp_path):
    write_packed(tmp_path, "train", n=2)
    with (tmp_path / "train_label.pkl").open("wb") as f:
        pickle.dump((["a"], [1]), f)
    with pytest.raises(DataFormatError, match="1 names and 1 labels for 2 samples"):
        kinetics.read_packed(tmp_path / "train_data.npy", tmp_path / "train_label.pkl")
    with (tmp_path / "train_label.pkl").open("wb") as f:
        pickle.dump(np.arange(3), f)  # needs a numpy class: refused
    with pytest.raises(DataFormatError, match="refusing"):
        kinetics.read_packed(tmp_path / "train_data.npy", tmp_path / "train_label.pkl")
    np.save(tmp_path / "bad_data.npy", np.zeros((2, 3, 10, 17, 2), np.float32))
    with pytest.raises(DataFormatError, match="N x 3 x T x 18 x M"):
        kinetics.read_packed(tmp_path / "bad_data.npy", tmp_path / "train_label.pkl")


def test_prepare_json_folder_and_packed_folder(tmp_path, capsys):
    src = tmp_path / "kinetics_val"
    src.mkdir()
    write_json(src / "a.json", label_index=0)
    write_json(src / "b.json", frames=3, label_index=399)
    (src / "c.json").write_text('{"data": [')
    out = tmp_path / "k.npz"
    assert prepare_main(["kinetics", "--src", str(src), "--out", str(out)]) == 0
    assert "c.json:1" in capsys.readouterr().err
    corpus = load_corpus(out)
    assert corpus.labels.tolist() == [0, 399] and corpus.bank == "kinetics400"
    assert corpus.classes[0] == "abseiling" and corpus.classes[399] == "zumba"
    packed = tmp_path / "packed"
    packed.mkdir()
    write_packed(packed, "val")
    assert prepare_main(["kinetics", "--src", str(packed), "--out", str(out)]) == 0
    assert load_corpus(out).labels.tolist() == [0, 3, 6]
