"""UTD-MHAD: the small MAT v5 reader, the Kinect v1 joint order, bad files reported, the corpus builds.

The fixtures are .mat files the tests write in the real layout (MATLAB v5, `d_skel` 20 x 3 x T, doubles,
zlib-compressed as MATLAB writes them), from the repository's own synthetic standing pose: no data copied.
"""

from __future__ import annotations

import re
import struct
import zlib

import numpy as np
import pytest

from fdsm.data import utdmhad
from fdsm.data.prepare import main as prepare
from fdsm.errors import DataFormatError
from fdsm.skeleton import J, chirality, rotation_y
from tests.conftest import standing_pose


def _element(kind: int, data: bytes) -> bytes:
    return struct.pack("<II", kind, len(data)) + data + b"\0" * (-len(data) % 8)


def mat_bytes(name: str, array: np.ndarray, compress: bool = True) -> bytes:
    """A MATLAB v5 file holding one double array (column-major), as MATLAB's `save` writes it."""
    arr = np.asarray(array, np.float64)
    body = (_element(6, struct.pack("<II", 6, 0))  # array flags: mxDOUBLE_CLASS
            + _element(5, struct.pack(f"<{arr.ndim}i", *arr.shape))
            + _element(1, name.encode())
            + _element(9, arr.tobytes(order="F")))
    matrix = _element(14, body)
    header = b"MATLAB 5.0 MAT-file, written by the FDSM Live tests".ljust(116) + b"\0" * 8 + b"\x00\x01IM"
    return header + (struct.pack("<II", 15, len(z := zlib.compress(matrix))) + z if compress else matrix)


def kinect_take(frames: int = 6) -> np.ndarray:
    """(20, 3, T) UTD joints of the standing pose, facing the sensor (-z) 3 m away, raising the right hand."""
    ntu = standing_pose() @ rotation_y(np.pi).T + np.array([0.0, 0.0, 3.0], np.float32)
    seq = np.repeat(ntu[None], frames, axis=0)
    seq[:, J["right_wrist"], 1] += np.linspace(0.0, 0.5, frames)
    return seq[:, list(utdmhad.UTD_TO_NTU)].transpose(1, 2, 0)


@pytest.mark.parametrize("compress", [True, False])
def test_reader_round_trips_a_mat_file(tmp_path, compress):
    arr = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)
    path = tmp_path / "x.mat"
    path.write_bytes(mat_bytes("d_skel", arr, compress))
    np.testing.assert_array_equal(utdmhad.read_mat_array(path, "d_skel"), arr)


def test_read_maps_the_kinect_v1_order_and_keeps_handedness(tmp_path):
    path = tmp_path / "a3_s2_t4_skeleton.mat"
    take = kinect_take()
    path.write_bytes(mat_bytes("d_skel", take))
    seq = utdmhad.read(path)
    assert seq.label == 2 and seq.subject == 2 and seq.meta["trial"] == 4 and seq.fps == 30.0
    skel = seq.skeleton[:, 0]
    assert skel.shape == (6, 25, 3) and np.isfinite(skel).all()
    np.testing.assert_allclose(skel[:, J["head"]], take[0].T, atol=1e-6)  # UTD joint 1 = head
    np.testing.assert_allclose(skel[:, J["spine_base"]], take[3].T, atol=1e-6)  # UTD joint 4 = hip centre
    np.testing.assert_allclose(skel[:, J["right_wrist"]], take[10].T, atol=1e-6)  # UTD joint 11
    assert chirality(seq.skeleton) > 0.9
    assert skel[-1, J["right_wrist"], 1] > skel[0, J["right_wrist"], 1] + 0.4


@pytest.mark.parametrize(("content", "reason"), [
    (lambda: mat_bytes("d_skel", kinect_take())[:-40], "corrupt or truncated"),
    (lambda: mat_bytes("d_skel", kinect_take(), compress=False)[:300], "truncated"),
    (lambda: mat_bytes("d_skel", np.zeros((20, 2, 5))), "must be 20 x 3 x T, got 20 x 2 x 5"),
    (lambda: mat_bytes("depth", kinect_take()), "no variable 'd_skel' (found: depth)"),
    (lambda: b"not a mat file", "not a MATLAB v5"),
    (lambda: mat_bytes("d_skel", np.full((20, 3, 4), np.nan)), "NaN"),
])
def test_bad_files_name_the_file_and_the_reason(tmp_path, content, reason):
    path = tmp_path / "a1_s1_t1_skeleton.mat"
    path.write_bytes(content())
    with pytest.raises(DataFormatError, match=re.escape(reason)) as info:
        utdmhad.read(path)
    assert str(info.value).startswith(str(path))


def test_corpus_builds_around_bad_files(tmp_path, capsys):
    src = tmp_path / "data" / "Skeleton"
    src.mkdir(parents=True)
    for name in ("a24_s1_t1", "a25_s2_t1"):
        (src / f"{name}_skeleton.mat").write_bytes(mat_bytes("d_skel", kinect_take()))
    (src / "a1_s3_t1_skeleton.mat").write_bytes(mat_bytes("d_skel", kinect_take())[:-40])
    (src / "a2_s3_t1_skeleton.mat").write_bytes(mat_bytes("d_skel", np.zeros((3, 20, 5))))
    out = tmp_path / "utdmhad.npz"
    assert prepare(["utdmhad", "--src", str(tmp_path), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "2 sequences, 27 classes, 2 skipped" in captured.out
    assert "a1_s3_t1_skeleton.mat: corrupt or truncated" in captured.err
    assert "a2_s3_t1_skeleton.mat: d_skel must be 20 x 3 x T" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.needs_data
def test_real_takes_are_upright_and_right_handed(shared_data):
    from fdsm.data.sources import find_files

    files = {p.stem: p for p in find_files(shared_data / "utdmhad", ".mat")}
    assert len(files) == 861
    for stem in ("a1_s1_t1_skeleton", "a24_s1_t1_skeleton", "a27_s8_t3_skeleton"):
        seq = utdmhad.read(files[stem])
        skel = seq.skeleton[:, 0]
        assert chirality(seq.skeleton) > 0.3
        assert (skel[:, J["head"], 1] > skel[:, J["left_foot"], 1] + 0.8).mean() > 0.9  # y is up
