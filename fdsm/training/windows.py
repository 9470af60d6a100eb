"""Fixed-duration windows cut from corpus sequences, normalized exactly as the live path does.

A window spans `window_seconds` of the sequence (the whole sequence when shorter), is optionally
augmented with `fdsm.augment` (when that module is installed), and goes through the one shared
`fdsm.skeleton.normalize` to `(window_frames, 2, 25, 3)`. Random windows take an explicit NumPy
generator so that training stays deterministic and resumable.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable

import numpy as np

from fdsm.data import Sequence
from fdsm.presets import ModelConfig
from fdsm.skeleton import normalize

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def find_augment(camera: bool = False) -> Augment | None:
    """`fdsm.augment.augment(skeleton, rng)` when the augmentation module is installed, else None; with
    `camera`, its camera-noise variant (`AugmentConfig(camera=True)`: train as the camera sees)."""
    try:
        module = importlib.import_module("fdsm.augment")
    except ImportError:
        return None
    if camera:
        return functools.partial(module.augment, cfg=module.AugmentConfig(camera=True))
    return getattr(module, "augment", None)


def span(seq: Sequence, cfg: ModelConfig) -> int:
    """Frames of one window at the sequence's frame rate (at least 2)."""
    return max(2, round(cfg.window_seconds * seq.fps))


def cut(seq: Sequence, cfg: ModelConfig, start: int | None) -> np.ndarray:
    """Raw frames of the window starting at `start` (None = centred)."""
    n, w = len(seq.skeleton), span(seq, cfg)
    if n <= w:
        return seq.skeleton
    if start is None:
        start = (n - w) // 2
    return seq.skeleton[start: start + w]


def random_start(seq: Sequence, cfg: ModelConfig, rng: np.random.Generator) -> int:
    """The offset of a random window: the first draw `random_window` makes (so a caption can find its window)."""
    return int(rng.integers(0, max(0, len(seq.skeleton) - span(seq, cfg)) + 1))


def random_window(seq: Sequence, cfg: ModelConfig, rng: np.random.Generator, augment: Augment | None) -> np.ndarray:
    """A window at a random offset, augmented, normalized: `(window_frames, 2, 25, 3)` float32."""
    clip = cut(seq, cfg, random_start(seq, cfg, rng))
    if augment is not None:
        clip = augment(clip, rng)
    return normalize(clip, cfg.window_frames)


def centre_window(seq: Sequence, cfg: ModelConfig) -> np.ndarray:
    """The centred, unaugmented window used for testing: `(window_frames, 2, 25, 3)` float32."""
    return normalize(cut(seq, cfg, None), cfg.window_frames)


def window_batch(seqs: list[Sequence], rows: np.ndarray, cfg: ModelConfig, seed: int, step: int,
                 augment: Augment | None) -> np.ndarray:
    """Random windows for `rows` at training step `step`; each row's draw depends on (seed, step, row) only."""
    return np.stack([random_window(seqs[r], cfg, np.random.default_rng([seed, step, int(r)]), augment)
                     for r in rows])
