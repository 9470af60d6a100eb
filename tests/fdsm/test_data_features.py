"""Pre-extracted feature folders (train.npy, train_label.npy, ztest.npy, z_label.npy, gtest.npy, g_label.npy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fdsm.data.features import load_features
from fdsm.errors import DataFormatError
from fdsm.splits import get_split

SPLIT = get_split("ntu60-55-5")


def write_folder(folder: Path, gzsl: bool = True, dim: int = 256) -> Path:
    """A SynSE-style folder for NTU-60 55/5: seen-class training features, unseen-class test features."""
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    seen, unseen = np.array(SPLIT.seen), np.array(SPLIT.unseen)
    np.save(folder / "train.npy", rng.normal(size=(40, dim)).astype(np.float32))
    np.save(folder / "train_label.npy", rng.choice(seen, 40))
    np.save(folder / "ztest.npy", rng.normal(size=(10, dim)).astype(np.float32))
    np.save(folder / "z_label.npy", rng.choice(unseen, 10).astype(np.float64))  # some releases store floats
    if gzsl:
        np.save(folder / "gtest.npy", rng.normal(size=(12, dim)).astype(np.float32))
        np.save(folder / "g_label.npy", rng.integers(0, 60, 12))
    return folder


def test_loads_and_validates_against_the_split(tmp_path):
    fs = load_features(write_folder(tmp_path / "shift_ntu60_5_r"), SPLIT)
    assert fs.dim == 256 and fs.train.shape == (40, 256) and fs.zsl.shape == (10, 256)
    assert fs.zsl_labels.dtype == np.int64 and set(fs.zsl_labels) <= set(SPLIT.unseen)
    assert fs.gzsl is not None and fs.gzsl_labels.shape == (12,)
    assert load_features(write_folder(tmp_path / "nog", gzsl=False)).gzsl is None


def test_folder_of_another_split_is_rejected(tmp_path):
    folder = write_folder(tmp_path / "f")
    with pytest.raises(DataFormatError, match="ntu60-48-12") as err:
        load_features(folder, get_split("ntu60-48-12"))
    assert err.value.path.name in ("train_label.npy", "z_label.npy")


@pytest.mark.parametrize(("name", "array", "reason"), [
    ("train.npy", np.zeros((40, 16, 16), np.float32), "2-D floats"),
    ("train_label.npy", np.zeros(39, np.int64), "39 labels for 40 features"),
    ("train_label.npy", np.full(40, 60), "outside 0..59"),
    ("z_label.npy", np.full(10, 0.5), "integer ids"),
    ("ztest.npy", np.zeros((10, 128), np.float32), "width 128"),
    ("ztest.npy", np.full((10, 256), np.nan, np.float32), "NaN"),
])  # fmt: skip
def test_bad_arrays_name_the_file(tmp_path, name, array, reason):
    folder = write_folder(tmp_path / "f")
    np.save(folder / name, array)
    with pytest.raises(DataFormatError, match=reason) as err:
        load_features(folder, SPLIT)
    assert err.value.path.name == name


def test_missing_or_unreadable_files(tmp_path):
    folder = write_folder(tmp_path / "f")
    (folder / "z_label.npy").unlink()
    with pytest.raises(DataFormatError, match="missing z_label.npy"):
        load_features(folder)
    (folder / "z_label.npy").write_bytes(b"garbage")
    with pytest.raises(DataFormatError, match="not a readable .npy"):
        load_features(folder)
    with pytest.raises(FileNotFoundError):
        load_features(tmp_path / "nowhere")
