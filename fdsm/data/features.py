"""Pre-extracted skeleton-feature folders (the 256-d Shift-GCN features the zero-shot papers share).

A folder holds `train.npy` (N, D) float with `train_label.npy` (N,) seen-class ids, `ztest.npy` with
`z_label.npy` (unseen-class test features) and, optionally, `gtest.npy` with `g_label.npy` (seen +
unseen, for GZSL). Labels are the dataset's original 0-based class ids. With a split, training labels
must all be seen classes and zero-shot test labels all unseen ones: a mismatch means the folder
belongs to another split, which would silently void the evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fdsm.errors import DataFormatError
from fdsm.splits import Split

PARTS = {"train": ("train.npy", "train_label.npy"), "zsl": ("ztest.npy", "z_label.npy"),
         "gzsl": ("gtest.npy", "g_label.npy")}  # fmt: skip


@dataclass
class FeatureSet:
    """Features and labels of one folder; `gzsl` parts are None when the folder has none."""

    train: np.ndarray
    train_labels: np.ndarray
    zsl: np.ndarray
    zsl_labels: np.ndarray
    gzsl: np.ndarray | None = None
    gzsl_labels: np.ndarray | None = None

    @property
    def dim(self) -> int:
        return int(self.train.shape[1])


def _load(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataFormatError(path, f"not a readable .npy array ({exc})") from None


def _part(folder: Path, part: str, num_classes: int | None) -> tuple[np.ndarray, np.ndarray]:
    feat_name, label_name = PARTS[part]
    feats, labels = _load(folder / feat_name), _load(folder / label_name)
    if feats.ndim != 2 or not np.issubdtype(feats.dtype, np.floating):
        raise DataFormatError(folder / feat_name, f"expected 2-D floats (N x D), got {feats.dtype} {feats.shape}")
    if not np.isfinite(feats).all():
        raise DataFormatError(folder / feat_name, "contains NaN or infinite values")
    labels = labels.reshape(-1) if labels.ndim == 2 and 1 in labels.shape else labels
    whole = np.issubdtype(labels.dtype, np.integer) or (labels.dtype.kind == "f" and np.all(labels == np.round(labels)))
    if labels.ndim != 1 or not whole:
        raise DataFormatError(folder / label_name, f"expected integer ids (N,), got {labels.dtype} {labels.shape}")
    if len(labels) != len(feats):
        raise DataFormatError(folder / label_name, f"{len(labels)} labels for {len(feats)} features in {feat_name}")
    labels = labels.astype(np.int64)
    high = num_classes - 1 if num_classes else None
    if len(labels) and (labels.min() < 0 or (high is not None and labels.max() > high)):
        raise DataFormatError(folder / label_name, f"class ids {labels.min()}..{labels.max()} outside 0..{high}")
    return feats.astype(np.float32), labels


def load_features(folder: str | Path, split: Split | None = None) -> FeatureSet:
    """Load and validate a feature folder; with `split`, also check labels against its seen/unseen classes."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such feature folder: {folder}")
    for part in ("train", "zsl"):
        for name in PARTS[part]:
            if not (folder / name).is_file():
                raise DataFormatError(folder, f"missing {name} (a feature folder needs {', '.join(PARTS['train'])}, "
                                              f"{', '.join(PARTS['zsl'])})")
    n = split.num_classes if split else None
    fs = FeatureSet(*_part(folder, "train", n), *_part(folder, "zsl", n))
    if all((folder / name).is_file() for name in PARTS["gzsl"]):
        fs.gzsl, fs.gzsl_labels = _part(folder, "gzsl", n)
    for name, arr in (("ztest.npy", fs.zsl), ("gtest.npy", fs.gzsl)):
        if arr is not None and arr.shape[1] != fs.dim:
            raise DataFormatError(folder / name, f"feature width {arr.shape[1]} differs from train.npy's {fs.dim}")
    if split is not None:
        _check_split(folder, fs, split)
    return fs


def _check_split(folder: Path, fs: FeatureSet, split: Split) -> None:
    unseen = set(split.unseen)
    leaked = sorted(set(fs.train_labels.tolist()) & unseen)
    if leaked:
        raise DataFormatError(folder / "train_label.npy", f"unseen classes {leaked} of split {split.name} appear in "
                                                          "the training labels (wrong split folder?)")
    stray = sorted(set(fs.zsl_labels.tolist()) - unseen)
    if stray:
        raise DataFormatError(folder / "z_label.npy", f"classes {stray} are not unseen in split {split.name} "
                                                      "(wrong split folder?)")
