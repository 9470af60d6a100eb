"""NTU RGB+D readers on fixture files written here in the published layouts (.skeleton text, .npz)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fdsm.data import load_sequence, ntu
from fdsm.data.corpus import load_corpus
from fdsm.data.prepare import main as prepare_main
from fdsm.errors import DataFormatError
from fdsm.skeleton import J, chirality, rotation_y
from tests.conftest import standing_pose


def kinect_pose() -> np.ndarray:
    """The standing pose as Kinect v2 records a subject facing the sensor 3 m away.

    Kinect camera space: +x is the sensor's left, y up, +z from the sensor into the room. Facing the
    sensor means facing -z, so the subject's own left hand is at the sensor's right (-x).
    """
    return standing_pose() @ rotation_y(np.pi).T + np.array([0.0, 0.0, 3.0], np.float32)


def write_skeleton(path: Path, frames: list[list[tuple[str, np.ndarray]]]) -> Path:
    """Write frames [(body id, (25, 3) joints), ...] in the NTU .skeleton text layout."""
    lines = [str(len(frames))]
    for bodies in frames:
        lines.append(str(len(bodies)))
        for body_id, joints in bodies:
            lines.append(f"{body_id} 0 1 1 1 1 0 0.01 -0.25 2")
            lines.append("25")
            for x, y, z in joints:
                lines.append(f"{x:.6f} {y:.6f} {z:.6f} 250.1 200.2 1000.3 540.4 0.1 0.2 0.3 0.9 2")
    path.write_text("\n".join(lines) + "\n")
    return path


def two_body_frames(n: int = 6) -> list[list[tuple[str, np.ndarray]]]:
    pose = kinect_pose()
    frames = []
    for t in range(n):
        bodies = [("72057594037931101", pose + [0.0, 0.01 * t, 0.0])]
        if t >= 2:  # the second person enters at frame 2
            bodies.append(("72057594037931102", pose + [1.0, 0.0, 0.5]))
        frames.append(bodies)
    return frames


def test_round_trip_two_bodies_and_name_fields(tmp_path):
    path = write_skeleton(tmp_path / "S001C002P003R002A027.skeleton", two_body_frames())
    seq = ntu.read(path)
    assert seq.skeleton.shape == (6, 2, 25, 3)
    for t in range(6):
        np.testing.assert_allclose(seq.skeleton[t, 0], kinect_pose() + [0.0, 0.01 * t, 0.0], atol=1e-6)
    assert np.isnan(seq.skeleton[:2, 1]).all() and np.isfinite(seq.skeleton[2:, 1]).all()
    np.testing.assert_allclose(seq.skeleton[3, 1], kinect_pose() + [1.0, 0.0, 0.5], atol=1e-6)
    assert (seq.label, seq.subject, seq.view, seq.fps) == (26, 3, 2, 30.0)
    assert seq.meta == {"setup": 1, "replication": 2}
    assert load_sequence(path).skeleton.shape == seq.skeleton.shape


def test_kinect_axes_are_already_the_contract(tmp_path):
    seq = ntu.read(write_skeleton(tmp_path / "S001C001P001R001A001.skeleton", [[("1", kinect_pose())]]))
    body = seq.skeleton[0, 0]
    assert body[J["left_hip"], 0] < body[J["right_hip"], 0]  # own left at the sensor's right (-x)
    assert body[J["head"], 1] > body[J["spine_base"], 1]  # y up
    assert chirality(seq.skeleton) > 0.9  # right-handed: no mirror needed
    mirrored = seq.skeleton * np.array([-1.0, 1.0, 1.0], np.float32)
    assert chirality(mirrored) < -0.9  # a reader that flipped x would be caught


def test_more_than_two_bodies_keeps_the_longest_tracked(tmp_path):
    pose = kinect_pose()
    frames = [[("a", pose), ("b", pose + 1.0)] + ([("c", pose + 2.0)] if t == 1 else []) for t in range(3)]
    seq = ntu.read(write_skeleton(tmp_path / "x.skeleton", frames))
    assert seq.skeleton.shape[1] == 2 and seq.label is None
    assert not np.isclose(seq.skeleton[:, :, 0, 0], pose[0, 0] + 2.0).any()


def test_truncated_file_names_file_and_line(tmp_path):
    path = write_skeleton(tmp_path / "S001C001P001R001A001.skeleton", two_body_frames(3))
    text = path.read_text().splitlines()
    path.write_text("\n".join(text[:40]) + "\n")
    with pytest.raises(DataFormatError) as err:
        ntu.read(path)
    assert err.value.path == path and err.value.line == 41 and "ends early" in str(err.value)


@pytest.mark.parametrize(("line_no", "replacement", "reason"), [
    (6, "0.1 0.2 0.3 1 2 3 4 5 6 7 8", "12 values"),
    (6, "0.1 0.2 zz 1 2 3 4 5 6 7 8 2", "not a number"),
    (4, "24", "out of range"),
    (2, "x", "integer"),
])  # fmt: skip
def test_malformed_lines_are_rejected(tmp_path, line_no, replacement, reason):
    path = write_skeleton(tmp_path / "S001C001P001R001A001.skeleton", two_body_frames(2))
    lines = path.read_text().splitlines()
    lines[line_no - 1] = replacement
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=reason) as err:
        ntu.read(path)
    assert err.value.line == line_no and str(path) in str(err.value)


def test_trailing_garbage_and_empty_samples_are_rejected(tmp_path):
    path = write_skeleton(tmp_path / "a.skeleton", two_body_frames(2))
    path.write_text(path.read_text() + "1 2 3\n")
    with pytest.raises(DataFormatError, match="after the last frame"):
        ntu.read(path)
    empty = tmp_path / "S001C002P005R002A008.skeleton"
    empty.write_text("3\n0\n0\n0\n")
    with pytest.raises(DataFormatError, match="no skeleton"):
        ntu.read(empty)


def write_npz(path: Path, compressed: bool) -> tuple[np.ndarray, np.ndarray]:
    """An NTU60_CS-style archive: 3 train / 2 test samples of 10 padded frames, one-hot y."""
    rng = np.random.default_rng(0)
    x = {p: rng.normal(size=(n, 10, 150)).astype(np.float32) for p, n in (("train", 3), ("test", 2))}
    x["train"][0, :, 75:] = 0.0  # one body only
    x["train"][1, 7:] = 0.0  # 7 real frames, then padding
    y = {p: np.eye(60, dtype=np.float32)[[5, 26, 59][: len(v)]] for p, v in x.items()}
    arrays = {f"{k}_{p}": v[p] for k, v in (("x", x), ("y", y)) for p in ("train", "test")}
    (np.savez_compressed if compressed else np.savez)(path, **arrays)
    return x["train"], x["test"]


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_archive_zeros_become_nan(tmp_path, compressed):
    x_train, x_test = write_npz(tmp_path / "NTU60_CS.npz", compressed)
    train, test = ntu.read_npz(tmp_path / "NTU60_CS.npz")
    assert [s.label for s in train] == [5, 26, 59] and [s.label for s in test] == [5, 26]
    assert train[0].skeleton.shape == (10, 2, 25, 3) and np.isnan(train[0].skeleton[:, 1]).all()
    assert len(train[1].skeleton) == 7
    np.testing.assert_allclose(test[1].skeleton.reshape(10, 150), x_test[1], atol=1e-6)


def test_npz_archive_rejects_bad_content(tmp_path):
    np.savez(tmp_path / "bad.npz", x_train=np.zeros((2, 5, 150)), y_train=np.ones((2, 60)),
             x_test=np.ones((1, 5, 150)), y_test=np.eye(60)[:1])
    with pytest.raises(DataFormatError, match="not one-hot"):
        ntu.read_npz(tmp_path / "bad.npz")
    np.savez(tmp_path / "shape.npz", x_train=np.ones((2, 5, 75)), y_train=np.eye(60)[:2],
             x_test=np.ones((1, 5, 150)), y_test=np.eye(60)[:1])
    with pytest.raises(DataFormatError, match="N x T x 150"):
        ntu.read_npz(tmp_path / "shape.npz")
    np.savez(tmp_path / "lacks.npz", x_train=np.ones((2, 5, 150)))
    with pytest.raises(DataFormatError, match="lacks"):
        ntu.read_npz(tmp_path / "lacks.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataFormatError, match="not an .npz"):
        ntu.read_npz(tmp_path / "junk.npz")


def test_prepare_folder_skips_official_missing_and_bad_files(tmp_path, capsys):
    src = tmp_path / "nturgb+d_skeletons"
    src.mkdir()
    write_skeleton(src / "S001C001P001R001A001.skeleton", two_body_frames(4))
    write_skeleton(src / "S002C003P004R001A023.skeleton", two_body_frames(5))
    write_skeleton(src / "S001C002P005R002A008.skeleton", two_body_frames(3))  # on the official missing list
    (src / "S003C001P001R001A002.skeleton").write_text("5\n1\n")  # truncated
    out = tmp_path / "ntu.npz"
    assert prepare_main(["ntu", "--src", str(src), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "2 sequences" in captured.out and "1 skipped" in captured.out
    assert "S003C001P001R001A002.skeleton:3" in captured.err
    corpus = load_corpus(out)
    assert corpus.dataset == "ntu60" and corpus.bank == "ntu120" and len(corpus.classes) == 60
    assert sorted(corpus.labels.tolist()) == [0, 22]
    assert corpus.info["skipped_missing"] == 1
    first = corpus.sequences[0]
    assert first.subject == 1 and first.view == 1 and first.skeleton.shape == (4, 2, 25, 3)


def test_prepare_npz_and_errors(tmp_path, capsys):
    write_npz(tmp_path / "NTU60_CS.npz", compressed=False)
    out = tmp_path / "c.npz"
    assert prepare_main(["ntu", "--src", str(tmp_path / "NTU60_CS.npz"), "--out", str(out)]) == 0
    corpus = load_corpus(out)
    assert len(corpus) == 5 and corpus.info["num_train"] == 3
    capsys.readouterr()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert prepare_main(["ntu", "--src", str(empty), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no .skeleton files" in err[0]


def test_missing_list_reads_user_lists(tmp_path):
    (tmp_path / "NTU_RGBD120_samples_with_missing_skeletons.txt").write_text("S018C001P008R001A061\n")
    names = ntu.missing_list(tmp_path)
    assert "S018C001P008R001A061" in names and "S001C002P005R002A008" in names
    assert len(ntu.MISSING_SKELETONS) == 302
