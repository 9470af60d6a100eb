"""Corpus files: one `.npz` per dataset, what `fdsm-prepare` writes and training reads.

Layout inside the archive (all arrays, so loading never unpickles):
  skeleton  (sum T, M, 25, 3) float16  every sequence's frames, concatenated, at `fps`
  offsets   (N + 1,) int64             sequence i is skeleton[offsets[i]:offsets[i + 1]]
  labels    (N,) int64                 index into `classes`
  subjects, views (N,) int64           -1 when unknown
  names     (N,) str                   sample ids
  texts     (N, 3) str                 optional per-sequence name/definition/kinematics ("" = use the class's)
  classes   (C,) str                   class names
  meta      () str                     JSON: dataset, prompt bank, fps, source, licence, problems
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from fdsm.atomic import atomic_write
from fdsm.data import Sequence
from fdsm.errors import DataFormatError, FdsmError
from fdsm.skeleton import DEFAULT_FPS, resample_fps


@dataclass
class Corpus:
    """Labelled sequences of one dataset, all at the same frame rate."""

    sequences: list[Sequence]
    labels: np.ndarray
    classes: list[str]
    dataset: str
    bank: str  # prompt bank name: assets/prompts/<bank>.json
    fps: float = DEFAULT_FPS
    texts: list[tuple[str, str, str]] | None = None  # per-sequence text levels overriding the class's
    info: dict = field(default_factory=dict)  # source, licence, problems found while building

    def __len__(self) -> int:
        return len(self.sequences)


def save_corpus(path: str | Path, corpus: Corpus) -> Path:
    """Write `corpus` atomically (a kill never leaves a half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    m = max((s.skeleton.shape[1] for s in corpus.sequences), default=1)
    skels = []
    for s in corpus.sequences:
        arr = resample_fps(s.skeleton, s.fps, corpus.fps)
        pad = np.full((arr.shape[0], m, 25, 3), np.nan, np.float32)
        pad[:, : arr.shape[1]] = arr
        skels.append(pad)
    lengths = [a.shape[0] for a in skels]
    arrays = {
        "skeleton": (np.concatenate(skels) if skels else np.zeros((0, m, 25, 3))).astype(np.float16),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "labels": np.asarray(corpus.labels, np.int64),
        "subjects": np.array([s.subject for s in corpus.sequences], np.int64),
        "views": np.array([s.view for s in corpus.sequences], np.int64),
        "names": np.array([s.name for s in corpus.sequences], dtype=str),
        "classes": np.array(corpus.classes, dtype=str),
        "meta": np.array(json.dumps({"dataset": corpus.dataset, "bank": corpus.bank, "fps": corpus.fps,
                                     "info": corpus.info})),
    }
    if corpus.texts is not None:
        arrays["texts"] = np.array(corpus.texts, dtype=str).reshape(len(corpus), 3)

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:  # a file object: numpy must not append ".npz" to a suffix-less --out
            np.savez_compressed(f, **arrays)

    return atomic_write(path, write)


def _read_arrays(path: Path, keys: tuple[str, ...] | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays of a corpus file (all, or only `keys`) and its parsed meta; one-line errors otherwise."""
    if not path.is_file():
        raise FileNotFoundError(f"no such corpus file: {path} (build it with fdsm-prepare)")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in (keys or z.files)}
        return data, json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError) as exc:
        raise FdsmError(f"{path}: not a corpus file ({exc})") from exc


def corpus_meta(path: str | Path) -> dict:
    """A corpus file's meta (dataset, prompt bank, fps, info) without loading its skeletons."""
    return _read_arrays(Path(path), ("meta",))[1]


def load_corpus(path: str | Path) -> Corpus:
    """Read a corpus file written by `save_corpus`."""
    path = Path(path)
    data, meta = _read_arrays(path)
    off = data["offsets"]
    skel = data["skeleton"].astype(np.float32)
    seqs = [
        Sequence(skel[off[i]: off[i + 1]], fps=meta["fps"], label=int(data["labels"][i]), name=str(data["names"][i]),
                 subject=int(data["subjects"][i]), view=int(data["views"][i]))
        for i in range(len(off) - 1)
    ]
    texts = [tuple(map(str, row)) for row in data["texts"]] if "texts" in data else None
    return Corpus(seqs, data["labels"], [str(c) for c in data["classes"]], meta["dataset"], meta["bank"],
                  fps=meta["fps"], texts=texts, info=meta.get("info", {}))


def read_all(paths: Iterable[Path], reader: Callable[[Path], Sequence], desc: str) -> tuple[list[Sequence], list[str]]:
    """Read every file with a progress bar; a bad file is reported (file and reason) and skipped."""
    paths = list(paths)
    seqs, problems = [], []
    for p in tqdm(paths, desc=desc, unit="file", dynamic_ncols=True):
        try:
            seqs.append(reader(p))
        except (DataFormatError, ValueError) as exc:
            problems.append(str(exc) if isinstance(exc, DataFormatError) else f"{p}: {exc}")
    return seqs, problems
