"""Which classes and samples each stage may touch, so that no stage ever peeks at the test classes.

Classes: `unseen` (the split's test classes, never trained on), `val` (seen classes held out of the
denoiser's training and used for model selection as a zero-shot task among themselves) and `train`
(the rest of the seen classes). Samples: in the corpus route a fixed share of every seen class's
sequences (chosen by a hash of the sequence name, so every stage and fdsm-eval agree without shared
state) is kept back as the seen test set for GZSL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fdsm.data.corpus import Corpus, load_corpus
from fdsm.errors import FdsmError


@dataclass(frozen=True)
class ClassParts:
    """Class indices (into the dataset's class list) per role."""

    num_classes: int
    unseen: tuple[int, ...]
    val: tuple[int, ...]
    train: tuple[int, ...]

    @property
    def seen(self) -> tuple[int, ...]:
        return tuple(sorted(self.val + self.train))


def class_parts(num_classes: int, unseen: list[int], val_classes: int, seed: int,
                chosen: Sequence[int] = ()) -> ClassParts:
    """Hold out `val_classes` seen classes (0 = none: train on every seen class), chosen by a seeded draw, or
    exactly the classes `chosen` (a written list: `data.val_names`)."""
    unseen_set = sorted(set(int(u) for u in unseen))
    if not unseen_set or unseen_set[0] < 0 or unseen_set[-1] >= num_classes:
        raise FdsmError(f"the split's unseen classes must lie in 0..{num_classes - 1}")
    seen = [c for c in range(num_classes) if c not in unseen_set]
    if chosen:
        return _chosen_parts(num_classes, unseen_set, seen, [int(c) for c in chosen], val_classes)
    count = val_classes
    if count < 0:
        raise FdsmError(f"data.val_classes must be >= 0 (0 = train on every seen class), got {count}")
    if count and count > len(seen) - 2:
        raise FdsmError(f"cannot hold out {count} validation classes from {len(seen)} seen classes")
    if count == 1:
        raise FdsmError("data.val_classes must be 0 (no model selection) or >= 2 (a zero-shot choice needs two)")
    val = sorted(np.random.default_rng(seed).choice(seen, size=count, replace=False).tolist()) if count else []
    train = [c for c in seen if c not in val]
    return ClassParts(num_classes, tuple(unseen_set), tuple(val), tuple(train))


def _chosen_parts(num_classes: int, unseen: list[int], seen: list[int], chosen: list[int], count: int) -> ClassParts:
    if count not in (0, len(chosen)):
        raise FdsmError(f"data.val_classes is {count} but data.val_names names {len(chosen)} classes: "
                        "set val_classes to 0 or to that number")
    if len(set(chosen)) != len(chosen) or len(chosen) < 2:
        raise FdsmError("data.val_names must name at least 2 different classes")
    clash = [c for c in chosen if c not in seen]
    if clash:
        raise FdsmError(f"data.val_names: class(es) {clash} are the split's unseen (test) classes or out of range")
    val = sorted(chosen)
    return ClassParts(num_classes, tuple(unseen), tuple(val), tuple(c for c in seen if c not in val))


def val_indices(names: Sequence[str], class_names: Sequence[str]) -> list[int]:
    """`data.val_names` as class indices (names compared as fdsm.text normalizes them); unknown -> one error."""
    from fdsm.text.prompts import normalize_name

    index = {normalize_name(n): i for i, n in enumerate(class_names)}
    missing = [n for n in names if normalize_name(n) not in index]
    if missing:
        raise FdsmError(f"data.val_names: no class named {', '.join(map(repr, missing))} in the bank")
    return [index[normalize_name(n)] for n in names]


def held_out(names: list[str], fraction: float) -> np.ndarray:
    """(N,) bool: the sequence is in the seen-class test share (a stable hash of its name)."""
    def unit(name: str) -> float:
        return int.from_bytes(hashlib.sha1(name.encode()).digest()[:8], "big") / 2**64

    return np.array([unit(n) < fraction for n in names], bool)


def load_corpora(paths: list[str]) -> Corpus:
    """Load one or more corpus files that share a class list, as one corpus."""
    if not paths:
        raise FdsmError("no corpus given (data.corpus / --corpus)")
    parts = [load_corpus(p) for p in paths]
    first = parts[0]
    for path, c in zip(paths[1:], parts[1:], strict=True):
        if c.classes != first.classes:
            raise FdsmError(f"{path}: its class list differs from {paths[0]}'s; merge the corpora with fdsm-prepare")
    seqs = [s for c in parts for s in c.sequences]
    texts = None
    if any(c.texts is not None for c in parts):
        texts = [t for c in parts for t in (c.texts or [("", "", "")] * len(c))]
    labels = np.concatenate([np.asarray(c.labels, np.int64) for c in parts])
    return Corpus(seqs, labels, first.classes, first.dataset, first.bank, first.fps, texts, first.info)


def sequence_names(corpus: Corpus) -> list[str]:
    """A name per sequence for `held_out` (the index where the file carries none)."""
    return [s.name or f"#{i}" for i, s in enumerate(corpus.sequences)]
