"""Stage 2: run the frozen encoder over a corpus and write a feature folder (the fdsm.data.features layout).

Training sequences (seen classes, minus the GZSL share) give `windows` random, augmented windows each;
test sequences give their centred window. fdsm-eval --corpus computes test features the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from fdsm.atomic import save_npy
from fdsm.data import Sequence
from fdsm.data.corpus import Corpus
from fdsm.data.features import PARTS, FeatureSet
from fdsm.presets import ModelConfig
from fdsm.skeleton_encoder import SkeletonEncoder
from fdsm.training.parts import ClassParts, held_out, sequence_names
from fdsm.training.windows import Augment, centre_window, cut, find_augment, random_start, random_window

FEATURE_SEED_SALT = 7  # keeps the feature windows' draws apart from the encoder stage's


def feature_window_rng(seed: int, row: int, k: int) -> np.random.Generator:
    """The generator of corpus row `row`'s `k`-th training window: `build_features` draws the window (start, then
    augmentation) from it and `train_window_captions` finds the same start again, so both must use this one."""
    return np.random.default_rng([seed, FEATURE_SEED_SALT, int(row), k])


def encode_windows(encoder: SkeletonEncoder, windows: Iterator[np.ndarray], count: int, batch: int,
                   desc: str) -> np.ndarray:
    """(count, F) features of a stream of normalized windows, in batches, with a progress bar."""
    device = next(encoder.parameters()).device
    encoder.eval()
    out, buf = [], []
    with torch.no_grad(), tqdm(total=count, desc=desc, unit="window", dynamic_ncols=True) as bar:
        for w in windows:
            buf.append(w)
            if len(buf) == batch:
                out.append(encoder(torch.from_numpy(np.stack(buf)).to(device)).cpu().numpy())
                bar.update(len(buf))
                buf = []
        if buf:
            out.append(encoder(torch.from_numpy(np.stack(buf)).to(device)).cpu().numpy())
            bar.update(len(buf))
    return np.concatenate(out) if out else np.zeros((0, encoder.cfg.feature_dim), np.float32)


def test_features(encoder: SkeletonEncoder, seqs: list[Sequence], cfg: ModelConfig, batch: int,
                  desc: str) -> np.ndarray:
    """Centred-window features of test sequences."""
    return encode_windows(encoder, (centre_window(s, cfg) for s in seqs), len(seqs), batch, desc)


def test_parts(corpus: Corpus, parts: ClassParts, seen_test_fraction: float) -> dict[str, np.ndarray]:
    """Row indices of the unseen test set and of the seen-class GZSL test share."""
    labels = np.asarray(corpus.labels)
    share = held_out(sequence_names(corpus), seen_test_fraction)
    return {"unseen": np.flatnonzero(np.isin(labels, parts.unseen)),
            "seen": np.flatnonzero(np.isin(labels, parts.seen) & share)}


def save_features(folder: Path, fs: FeatureSet) -> Path:
    """Write a feature folder that fdsm.data.features.load_features reads (each file atomically)."""
    arrays = {"train": (fs.train, fs.train_labels), "zsl": (fs.zsl, fs.zsl_labels), "gzsl": (fs.gzsl, fs.gzsl_labels)}
    for part, (x, y) in arrays.items():
        if x is not None:
            save_npy(folder / PARTS[part][0], x.astype(np.float32))
            save_npy(folder / PARTS[part][1], y.astype(np.int64))
    return folder


def train_sequence_rows(corpus: Corpus, parts: ClassParts, seen_test_fraction: float) -> np.ndarray:
    """Corpus rows whose windows make up `train.npy`, in order (each row gives `windows` consecutive features)."""
    labels = np.asarray(corpus.labels)
    return np.setdiff1d(np.flatnonzero(np.isin(labels, parts.seen)),
                        test_parts(corpus, parts, seen_test_fraction)["seen"])


def train_window_captions(corpus: Corpus, parts: ClassParts, cfg: ModelConfig, windows: int, seed: int,
                          seen_test_fraction: float) -> list[str]:
    """The caption (fdsm.captions) of every training feature's window, in `train.npy` order.

    Each window is found again from the seed `build_features` drew it with and captioned unaugmented:
    the augmentation turns, scales and jitters the body but does not change what its limbs do."""
    from fdsm.captions import caption

    out = []
    for r in tqdm(train_sequence_rows(corpus, parts, seen_test_fraction), desc="captions", unit="sequence",
                  dynamic_ncols=True):
        seq = corpus.sequences[r]
        for k in range(windows):
            start = random_start(seq, cfg, feature_window_rng(seed, r, k))
            out.append(caption(cut(seq, cfg, start), seq.fps))
    return out


def build_features(corpus: Corpus, parts: ClassParts, cfg: ModelConfig, encoder: SkeletonEncoder,
                   windows: int, batch: int, seed: int, seen_test_fraction: float, augment: bool,
                   folder: Path, camera_noise: bool = False) -> FeatureSet:
    """Compute and write the feature folder for a corpus."""
    labels = np.asarray(corpus.labels)
    tests = test_parts(corpus, parts, seen_test_fraction)
    train_rows = train_sequence_rows(corpus, parts, seen_test_fraction)
    aug: Augment | None = find_augment(camera_noise) if augment else None

    def train_windows() -> Iterator[np.ndarray]:
        for r in train_rows:
            for k in range(windows):
                yield random_window(corpus.sequences[r], cfg, feature_window_rng(seed, r, k), aug)

    train_x = encode_windows(encoder, train_windows(), len(train_rows) * windows, batch, "features (train)")
    unseen_x = test_features(encoder, [corpus.sequences[i] for i in tests["unseen"]], cfg, batch, "features (unseen)")
    fs = FeatureSet(train_x, np.repeat(labels[train_rows], windows), unseen_x, labels[tests["unseen"]])
    if len(tests["seen"]):
        fs.gzsl = test_features(encoder, [corpus.sequences[i] for i in tests["seen"]], cfg, batch, "features (seen)")
        fs.gzsl_labels = labels[tests["seen"]]
    save_features(folder, fs)
    return fs
