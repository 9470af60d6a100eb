"""Kinetics-skeleton (ST-GCN release): per-video OpenPose JSON and the packed npy + label pkl form.

Both carry 18 OpenPose (COCO) joints per person as 2-D image coordinates normalised to [0, 1] with a
confidence score; a joint OpenPose did not find has score 0. We map them onto the NTU-25 contract:

* axes: x = (u - 0.5) * ASPECT, y = 0.5 - v (image y points down; ours points up), z = 0. ASPECT
  (340/256, the resolution ST-GCN resized the videos to) makes x and y the same unit: frame heights,
  not metres. In image space a person facing the camera has their own left at +x, so the result is
  right-handed with the body facing +z, matching ARCHITECTURE.md (no depth, so nothing to mirror).
* joints (NTU <- OpenPose): spine base <- mean(hips), spine mid <- mean(spine base, spine shoulder),
  spine shoulder <- neck, neck <- mean(neck, nose), head <- nose, shoulders/elbows/wrists/hips/knees/
  ankles <- their namesakes, hand, hand tip and thumb <- the wrist, foot <- the ankle (OpenPose-18
  has no hand or foot points). Ears and eyes are unused.
* a joint whose source has score 0 (or any source of a derived joint) is NaN; the per-joint
  confidence (minimum over its sources) goes to `meta["confidence"]` (T, M, 25).
* the packed npy form, (N, 3, T, 18, M) = (x - 0.5, y - 0.5, score), is the JSON after ST-GCN's
  centring, so both paths share one mapping; its zero-score padding frames are trimmed.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
from tqdm import tqdm

from fdsm.data import Sequence
from fdsm.data.corpus import Corpus, read_all
from fdsm.errors import DataFormatError
from fdsm.skeleton import NUM_JOINTS, J
from fdsm.splits import class_names

FPS = 30.0
BANK = "kinetics400"
ASPECT = 340.0 / 256.0
MAX_BODIES = 2
OPENPOSE_JOINTS: tuple[str, ...] = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
    "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
)  # fmt: skip
_OP = {name: i for i, name in enumerate(OPENPOSE_JOINTS)}

# NTU joint -> the OpenPose joints whose mean it is (derived joints: see the module docstring).
SOURCES: dict[str, tuple[str, ...]] = {
    "spine_base": ("left_hip", "right_hip"), "neck": ("neck", "nose"), "head": ("nose",),
    "spine_shoulder": ("neck",),
    **{f"{side}_{part}": (f"{side}_{part}",) for side in ("left", "right")
       for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")},
    **{f"{side}_{part}": (f"{side}_wrist",) for side in ("left", "right") for part in ("hand", "hand_tip", "thumb")},
    **{f"{side}_foot": (f"{side}_ankle",) for side in ("left", "right")},
}  # fmt: skip


def to_ntu25(xy: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, M, 18, 2) image coords in [0, 1] + (T, M, 18) scores -> (T, M, 25, 3) skeleton, (T, M, 25) confidence."""
    pts = np.empty(xy.shape[:2] + (len(OPENPOSE_JOINTS), 3), np.float32)
    pts[..., 0] = (xy[..., 0] - 0.5) * ASPECT
    pts[..., 1] = 0.5 - xy[..., 1]
    pts[..., 2] = 0.0
    pts[score <= 0] = np.nan
    out = np.full(xy.shape[:2] + (NUM_JOINTS, 3), np.nan, np.float32)
    conf = np.zeros(xy.shape[:2] + (NUM_JOINTS,), np.float32)
    for joint, names in SOURCES.items():
        idx = [_OP[n] for n in names]
        out[..., J[joint], :] = pts[..., idx, :].mean(axis=-2)  # NaN if any source is missing
        conf[..., J[joint]] = score[..., idx].min(axis=-1)
    out[..., J["spine_mid"], :] = (out[..., J["spine_base"], :] + out[..., J["spine_shoulder"], :]) / 2
    conf[..., J["spine_mid"]] = np.minimum(conf[..., J["spine_base"]], conf[..., J["spine_shoulder"]])
    return out, conf


def _sequence(xy: np.ndarray, score: np.ndarray, **fields) -> Sequence:
    skeleton, conf = to_ntu25(xy, score)
    meta = fields.pop("meta", {})
    return Sequence(skeleton, fps=FPS, meta={**meta, "confidence": conf}, **fields)


def _field(path: Path, obj: dict, key: str, kind: type | tuple[type, ...], where: str):
    if not isinstance(obj, dict) or key not in obj or not isinstance(obj[key], kind):
        raise DataFormatError(path, f"{where}: missing or invalid {key!r}")
    return obj[key]


def read(path: str | Path) -> Sequence:
    """One ST-GCN Kinetics-skeleton JSON video; label = `label_index` (Kinetics-400 index) when >= 0."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataFormatError(path, f"invalid JSON: {exc.msg}", exc.lineno) from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(path, f"not a text file ({exc.reason})") from None
    frames = _field(path, doc, "data", list, "top level")
    if not frames:
        raise DataFormatError(path, "no frames in 'data'")
    parsed: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for i, frame in enumerate(frames):
        where = f"data[{i}]"
        index = _field(path, frame, "frame_index", int, where)
        people = []
        for m, person in enumerate(_field(path, frame, "skeleton", list, where)):
            pose = np.asarray(_field(path, person, "pose", list, f"{where}.skeleton[{m}]"), dtype=object)
            score = np.asarray(_field(path, person, "score", list, f"{where}.skeleton[{m}]"), dtype=object)
            if pose.shape != (2 * len(OPENPOSE_JOINTS),) or score.shape != (len(OPENPOSE_JOINTS),):
                raise DataFormatError(path, f"{where}.skeleton[{m}]: expected 36 pose values and 18 scores, "
                                            f"found {pose.size} and {score.size}")
            try:
                people.append((pose.astype(np.float32).reshape(-1, 2), score.astype(np.float32)))
            except (TypeError, ValueError):
                raise DataFormatError(path, f"{where}.skeleton[{m}]: a value is not a number") from None
        parsed[index] = people
    first = min(parsed)
    length = max(parsed) - first + 1
    xy = np.zeros((length, MAX_BODIES, len(OPENPOSE_JOINTS), 2), np.float32)
    score = np.zeros((length, MAX_BODIES, len(OPENPOSE_JOINTS)), np.float32)
    for index, people in parsed.items():
        people = sorted(people, key=lambda p: -float(p[1].sum()))[:MAX_BODIES]  # most confident first, as ST-GCN
        for m, (p, s) in enumerate(people):
            xy[index - first, m], score[index - first, m] = p, s
    label = doc.get("label_index")
    return _sequence(xy, score, label=label if isinstance(label, int) and label >= 0 else None, name=path.stem,
                     meta={"label_name": doc.get("label", "")})


class _ListsOnly(pickle.Unpickler):
    """Label pkl files are plain (names, labels) lists: refuse anything that would run code."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_packed(data_path: str | Path, label_path: str | Path) -> list[Sequence]:
    """Sequences of the packed form: `<part>_data.npy` (N, 3, T, 18, M) and `<part>_label.pkl` (names, labels)."""
    data_path, label_path = Path(data_path), Path(label_path)
    try:
        data = np.load(data_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataFormatError(data_path, f"not a .npy array ({exc})") from None
    if data.ndim != 5 or data.shape[1] != 3 or data.shape[3] != len(OPENPOSE_JOINTS):
        raise DataFormatError(data_path, f"expected N x 3 x T x 18 x M, got {data.shape}")
    try:
        with label_path.open("rb") as f:
            names, labels = _ListsOnly(f).load()
        names, labels = [str(n) for n in names], [int(v) for v in labels]
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise DataFormatError(label_path, f"expected a pickled (sample names, labels) pair ({exc})") from None
    if not len(names) == len(labels) == len(data):
        raise DataFormatError(label_path, f"{len(names)} names and {len(labels)} labels for {len(data)} samples")
    seqs = []
    for i in tqdm(range(len(data)), desc=data_path.name, unit="seq", dynamic_ncols=True):
        sample = np.asarray(data[i], np.float32).transpose(1, 3, 2, 0)  # (T, M, 18, 3)
        score = sample[..., 2]
        seen = np.flatnonzero((score > 0).any(axis=(1, 2)))
        if len(seen) == 0:
            raise DataFormatError(data_path, f"sample {i} ({names[i]}) has no detected joint")
        keep = slice(0, seen[-1] + 1)
        seqs.append(_sequence(sample[keep, ..., :2] + 0.5, score[keep], label=labels[i], name=Path(names[i]).stem))
    return seqs


def _read_labelled(path: Path) -> Sequence:
    seq = read(path)
    if seq.label is None:
        raise DataFormatError(path, "no label_index, so the video cannot join a labelled corpus")
    return seq


def build(src: Path) -> Corpus:
    """A corpus from a folder of JSON videos, or of packed `<part>_data.npy` + `<part>_label.pkl` pairs."""
    src = Path(src)
    packed = sorted(src.rglob("*_data.npy"))
    if packed:
        seqs, problems = [], []
        for data_path in packed:
            label_path = data_path.with_name(data_path.name.replace("_data.npy", "_label.pkl"))
            if not label_path.is_file():
                raise DataFormatError(data_path, f"no label file {label_path.name} beside it")
            seqs += read_packed(data_path, label_path)
    else:
        files = sorted(src.rglob("*.json"))
        if not files:
            raise DataFormatError(src, "no Kinetics-skeleton .json files or *_data.npy arrays found")
        seqs, problems = read_all(files, _read_labelled, "Kinetics JSON")
    labels = np.array([s.label for s in seqs], np.int64)
    return Corpus(seqs, labels, class_names("kinetics400"), "kinetics400", BANK, fps=FPS,
                  info={"source": str(src), "units": "frame heights (2-D, z = 0)", "problems": problems})
