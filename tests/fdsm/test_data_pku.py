"""PKU-MMD reader on fixture files written here: 150 numbers per frame line, `label,start,end,confidence` labels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fdsm.data import load_sequence, pku
from fdsm.data.corpus import load_corpus
from fdsm.data.prepare import main as prepare_main
from fdsm.errors import DataFormatError
from tests.conftest import standing_pose


def video(frames: int = 40, second_from: int = 20) -> np.ndarray:
    """(T, 2, 25, 3): one person throughout, a second one from `second_from` on, NaN before."""
    arr = np.full((frames, 2, 25, 3), np.nan, np.float32)
    arr[:, 0] = standing_pose() + np.linspace(0, 0.5, frames)[:, None, None] * [1, 0, 0]
    arr[second_from:, 1] = standing_pose() + [1.0, 0.0, 2.0]
    return arr


def write_video(path: Path, arr: np.ndarray) -> Path:
    """One line per frame, 150 numbers (body 1 then body 2), an absent body written as zeros."""
    flat = np.nan_to_num(arr, nan=0.0).reshape(len(arr), 150)
    path.write_text("\n".join(" ".join(f"{v:.6f}" for v in row) for row in flat) + "\n")
    return path


def write_labels(path: Path, rows: list[tuple[int, int, int, int]]) -> Path:
    path.write_text("".join(f"{a},{s},{e},{c}\n" for a, s, e, c in rows))
    return path


def test_round_trip_missing_second_body_is_nan(tmp_path):
    arr = video()
    path = write_video(tmp_path / "0002-L.txt", arr)
    seq = pku.read(path)
    assert seq.skeleton.shape == (40, 2, 25, 3) and seq.view == 1 and seq.label is None
    np.testing.assert_allclose(seq.skeleton, arr, atol=1e-6)
    assert np.isnan(seq.skeleton[:20, 1]).all()
    assert load_sequence(path).skeleton.shape == (40, 2, 25, 3)  # sniffed as PKU-MMD by its 150-number lines


def test_intervals_become_labelled_sequences(tmp_path):
    seq = pku.read(write_video(tmp_path / "0002-M.txt", video()))
    label_path = write_labels(tmp_path / "0002-M_label.txt", [(3, 0, 9, 1), (51, 15, 39, 2)])
    parts = pku.intervals(seq, pku.read_labels(label_path), label_path)
    assert [p.label for p in parts] == [2, 50]
    assert [len(p.skeleton) for p in parts] == [10, 25]
    np.testing.assert_allclose(parts[1].skeleton, seq.skeleton[15:40])
    assert parts[1].meta == {"start": 15, "end": 39, "confidence": 2.0}
    with pytest.raises(DataFormatError, match="runs past") as err:
        pku.intervals(seq, [(0, 30, 40, 1.0)], label_path)
    assert err.value.line == 1


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("1,0,10,1\n2,5,3,1\n", 2, "empty or negative"),
    ("1,0,10,1\n52,0,3,1\n", 2, "outside 1..51"),
    ("1,0,10\n", 1, "label,start,end,confidence"),
    ("1,0,ten,1\n", 1, "label,start,end,confidence"),
])  # fmt: skip
def test_malformed_label_files(tmp_path, text, line, reason):
    path = tmp_path / "labels.txt"
    path.write_text(text)
    with pytest.raises(DataFormatError, match=reason) as err:
        pku.read_labels(path)
    assert err.value.line == line and err.value.path == path


def test_truncated_and_malformed_skeleton_files(tmp_path):
    path = write_video(tmp_path / "0003-R.txt", video(5))
    text = path.read_text()
    path.write_text(text[: len(text) // 2])  # cut inside the third frame's line
    with pytest.raises(DataFormatError, match="150 numbers per frame, found") as err:
        pku.read(path)
    assert err.value.line == 3
    lines = text.splitlines()
    lines[1] = lines[1].replace(lines[1].split()[7], "nan?", 1)
    path.write_text("\n".join(lines))
    with pytest.raises(DataFormatError, match="not a number") as err:
        pku.read(path)
    assert err.value.line == 2
    path.write_text("\n\n")
    with pytest.raises(DataFormatError, match="no frames"):
        pku.read(path)


def test_prepare_pairs_skeletons_with_labels(tmp_path, capsys):
    skel, lab = tmp_path / "PKU_Skeleton_Renew", tmp_path / "Train_Label_PKU_final"
    skel.mkdir()
    lab.mkdir()
    write_video(skel / "0002-L.txt", video())
    write_labels(lab / "0002-L.txt", [(1, 0, 9, 1), (17, 10, 29, 1)])
    write_video(skel / "0003-M.txt", video(30))
    write_labels(lab / "0003-M.txt", [(51, 2, 12, 2), (8, 20, 99, 1)])  # second interval runs past the end
    write_video(skel / "0004-R.txt", video(10))  # no label file
    out = tmp_path / "pku.npz"
    assert prepare_main(["pku", "--src", str(tmp_path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "0003-M.txt:2" in err and "0004-R.txt: no label file" in err
    corpus = load_corpus(out)
    assert corpus.dataset == "pku51" and corpus.bank == "pku_mmd" and len(corpus.classes) == 51
    assert corpus.labels.tolist() == [0, 16]  # 0003-M is dropped whole: its label file is wrong
    assert corpus.classes[0] == "bow" and corpus.classes[50] == "writing"
    assert [len(s.skeleton) for s in corpus.sequences] == [10, 20]


def test_console_script_reports_bad_source_in_one_line(tmp_path):
    script = Path(sys.executable).with_name("fdsm-prepare")
    if not script.exists():
        pytest.skip("fdsm-prepare console script not installed")
    (tmp_path / "0001-L.txt").write_text("1 2 3\n")  # a skeleton file with no label file and a bad line
    proc = subprocess.run([str(script), "pku", "--src", str(tmp_path), "--out", str(tmp_path / "o.npz")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"fdsm-prepare: error: {tmp_path}: no skeleton file with a label file of the same name found"]
    assert not (tmp_path / "o.npz").exists()
