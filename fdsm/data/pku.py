"""PKU-MMD (v1) skeletons: untrimmed per-video text files plus per-video action-interval label files.

Skeleton file: one line per frame with 150 numbers, two bodies x 25 NTU joints x (x, y, z), Kinect v2
camera space (metres, y up, right-handed, the subject's own left: the ARCHITECTURE.md contract, as for
NTU); an absent second body is written as zeros, which we turn into NaN. Label file (same stem):
one line per action instance, `label,start,end,confidence` with label 1..51 and start/end frame
numbers, counted from 0 (the first line of the skeleton file) and inclusive. Each labelled interval
becomes one `Sequence` labelled `label - 1`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.corpus import Corpus, read_all
from fdsm.errors import DataFormatError
from fdsm.skeleton import NUM_JOINTS
from fdsm.splits import class_names

FPS = 30.0
BANK = "pku_mmd"
NUM_CLASSES = 51
VALUES_PER_FRAME = 2 * NUM_JOINTS * 3
VIEWS = {"L": 1, "M": 2, "R": 3}  # file stems are <video>-<view>, e.g. 0002-L


def _text_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataFormatError(path, f"not a text file ({exc.reason})") from exc


def _raise_first_bad_line(path: Path, numbered: list[tuple[int, str]]) -> None:
    for number, text in numbered:
        parts = text.split()
        if len(parts) != VALUES_PER_FRAME:
            raise DataFormatError(path, f"expected {VALUES_PER_FRAME} numbers per frame, found {len(parts)}", number)
        try:
            np.array(parts, dtype=np.float32)
        except ValueError:
            raise DataFormatError(path, "a value is not a number", number) from None


def read(path: str | Path) -> Sequence:
    """A whole (untrimmed) skeleton file as one unlabelled `Sequence` of up to 2 bodies."""
    path = Path(path)
    numbered = [(n, t.replace(",", " ")) for n, t in enumerate(_text_lines(path), 1) if t.strip()]
    if not numbered:
        raise DataFormatError(path, "no frames")
    try:
        flat = np.array(" ".join(t for _, t in numbered).split(), dtype=np.float32)
    except ValueError:
        flat = None
    if flat is None or flat.size != len(numbered) * VALUES_PER_FRAME:
        _raise_first_bad_line(path, numbered)
    arr = flat.reshape(len(numbered), 2, NUM_JOINTS, 3)
    arr[(arr == 0).all(axis=(2, 3))] = np.nan  # a zero-filled body is an absent body
    view = VIEWS.get(path.stem.rsplit("-", 1)[-1].upper(), -1)
    return Sequence(arr, fps=FPS, name=path.stem, view=view, meta={"source": str(path)})


def read_labels(path: str | Path) -> list[tuple[int, int, int, float]]:
    """(label 0..50, start, end, confidence) per line of a label file."""
    path = Path(path)
    out = []
    for number, text in enumerate(_text_lines(path), 1):
        if not text.strip():
            continue
        parts = [p.strip() for p in text.split(",")]
        try:
            if len(parts) != 4:
                raise ValueError
            label, start, end, conf = int(parts[0]), int(parts[1]), int(parts[2]), float(parts[3])
        except ValueError:
            found = text.strip()
            raise DataFormatError(path, f"expected 'label,start,end,confidence', found {found!r}", number) from None
        if not 1 <= label <= NUM_CLASSES:
            raise DataFormatError(path, f"label {label} is outside 1..{NUM_CLASSES}", number)
        if not 0 <= start <= end:
            raise DataFormatError(path, f"interval {start}..{end} is empty or negative", number)
        out.append((label - 1, start, end, conf))
    return out


def intervals(video: Sequence, labels: list[tuple[int, int, int, float]], label_path: Path) -> list[Sequence]:
    """One labelled `Sequence` per action instance of `video` (end frame inclusive)."""
    seqs = []
    for k, (label, start, end, conf) in enumerate(labels):
        if end >= len(video.skeleton):
            raise DataFormatError(label_path, f"interval {start}..{end} runs past the video's "
                                              f"{len(video.skeleton)} frames", k + 1)
        seqs.append(Sequence(video.skeleton[start: end + 1], fps=video.fps, label=label, name=f"{video.name}_{k:02d}",
                             view=video.view, meta={"start": start, "end": end, "confidence": conf}))
    return seqs


def _is_label_file(path: Path) -> bool:
    with path.open(encoding="utf-8", errors="replace") as f:
        first = f.readline()
    return first.count(",") == 3 and len(first.split()) <= 4


def build(src: Path) -> Corpus:
    """A corpus of labelled intervals from a folder holding the skeleton and label folders (paired by stem)."""
    src = Path(src)
    skeletons, labels = {}, {}
    for p in sorted(src.rglob("*.txt")):
        (labels if _is_label_file(p) else skeletons)[p.stem] = p
    paired = [stem for stem in skeletons if stem in labels]
    if not paired:
        raise DataFormatError(src, "no skeleton file with a label file of the same name found")
    videos, problems = read_all([skeletons[s] for s in paired], read, "PKU-MMD videos")
    problems += [f"{skeletons[s]}: no label file" for s in skeletons if s not in labels]
    seqs: list[Sequence] = []
    for video in videos:
        try:
            seqs += intervals(video, read_labels(labels[video.name]), labels[video.name])
        except DataFormatError as exc:
            problems.append(str(exc))
    info = {"source": str(src), "videos": len(videos), "problems": problems}
    return Corpus(seqs, np.array([s.label for s in seqs], np.int64), class_names("pku51"), "pku51", BANK,
                  fps=FPS, info=info)
