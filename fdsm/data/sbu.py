"""SBU Kinect Interaction (two people, OpenNI 15 joints, 15 fps) -> NTU-25 with M = 2 bodies.

Each row: frame number, then 15 joints x (x, y, z) for person 1 and for person 2, normalised. The
published de-normalisation gives millimetres, y up, z = depth: X = 1280 - 2560 x, Y = 960 - 1920 y,
Z = 10000 z / 7.8125. OpenNI joints map to NTU as HEAD -> head, shoulders, elbows, HAND -> wrist,
hips, knees, FOOT -> ankle; the spine base is the hip midpoint; trunk, neck, hands and feet come
from `fdsm.data.mapping`. LEFT_* is the subject's own left.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import make_corpus
from fdsm.data.corpus import Corpus, read_all
from fdsm.data.mapping import estimate_feet, estimate_hands, estimate_trunk, from_named
from fdsm.data.sources import find_files
from fdsm.errors import DataFormatError

BANK = "sbu"
FPS = 15.0
OPENNI_TO_NTU = {
    0: "head", 3: "left_shoulder", 4: "left_elbow", 5: "left_wrist", 6: "right_shoulder", 7: "right_elbow",
    8: "right_wrist", 9: "left_hip", 10: "left_knee", 11: "left_ankle", 12: "right_hip", 13: "right_knee",
    14: "right_ankle",
}  # fmt: skip


def denormalise(raw: np.ndarray) -> np.ndarray:
    """`(..., 3)` normalised SBU coordinates -> metres, y up."""
    out = np.empty_like(raw)
    out[..., 0] = 1280.0 - 2560.0 * raw[..., 0]
    out[..., 1] = 960.0 - 1920.0 * raw[..., 1]
    out[..., 2] = raw[..., 2] * 10000.0 / 7.8125
    return out / 1000.0


def person_to_ntu(joints: np.ndarray) -> np.ndarray:
    """`(T, 25, 3)` from one person's `(T, 15, 3)` OpenNI joints in metres."""
    skel = from_named({name: joints[:, k] for k, name in OPENNI_TO_NTU.items()}, len(joints))
    skel[:, 0] = 0.5 * (joints[:, 9] + joints[:, 12])
    estimate_trunk(skel)
    estimate_hands(skel)
    return estimate_feet(skel)


def read(path: str | Path) -> Sequence:
    """One `skeleton_pos.txt`: `(T, 2, 25, 3)`; label = class folder - 1, subject = set id (AABB)."""
    path = Path(path)
    try:
        rows = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError as exc:
        raise DataFormatError(path, f"not a numeric CSV ({exc})") from exc
    if rows.shape[1] != 91 or len(rows) == 0:
        raise DataFormatError(path, f"expected rows of 91 values (frame + 2 x 15 x 3), got {rows.shape[1]}")
    if not np.isfinite(rows).all():
        raise DataFormatError(path, "NaN or infinite values")
    people = denormalise(rows[:, 1:].reshape(len(rows), 2, 15, 3))
    skel = np.stack([person_to_ntu(people[:, m]) for m in range(2)], axis=1)
    take, cls, pair = path.parent.name, path.parent.parent.name, path.parent.parent.parent.name
    label = int(cls) - 1 if cls.isdigit() else None
    subject = int(pair[1:3] + pair[4:6]) if len(pair) == 6 and pair[1:3].isdigit() and pair[4:6].isdigit() else -1
    return Sequence(skel, fps=FPS, label=label, name=f"{pair}_{cls}_{take}", subject=subject, meta={"set": pair})


def build(src: Path) -> Corpus:
    """All 282 SBU takes (two bodies each); subject = the actor-pair set, for 5-fold splits."""
    seqs, problems = read_all(find_files(src, "skeleton_pos.txt"), read, "sbu")
    return make_corpus(seqs, "sbu", BANK, problems, {"source": "SBU Kinect Interaction", "licence": "research only"})
