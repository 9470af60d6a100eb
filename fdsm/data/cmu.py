"""CMU mocap exp-map CSV (Li et al. 2018 8-action subset) with its `skeleton.json` -> NTU-25.

Each row: root position (x, y, z) then one axis-angle vector per joint (radians). Forward kinematics
(data README): R_j = Rodrigues(e_j); B_0 = R_0^T; p_j = p_parent + B_parent . offset_j and
B_j = B_parent . R_j^T. Units: ASF units, metres = value x 0.0254 / 0.45. Row 0 of every file is a rest
pose, not motion, and is dropped. 120 fps (inferred in the README). y up, left = +x at rest. The
spine base is the hip-joint midpoint (as the live mapping); the head is the midpoint of joints 18
and 19; hand, hand tip and thumb are the skeleton's own joints 25/26/28 (left) and 34/35/37.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import label_and_cut, make_corpus
from fdsm.data.corpus import Corpus, read_all
from fdsm.data.mapping import estimate_trunk, from_named
from fdsm.data.sources import find_files
from fdsm.errors import DataFormatError

BANK = "cmu8"
FPS = 120.0
UNIT = 0.0254 / 0.45
NTU_FROM_CMU = {
    "left_hip": 2, "left_knee": 3, "left_ankle": 4, "left_foot": 5,
    "right_hip": 8, "right_knee": 9, "right_ankle": 10, "right_foot": 11,
    "left_shoulder": 21, "left_elbow": 22, "left_wrist": 23, "left_hand": 25, "left_hand_tip": 26, "left_thumb": 28,
    "right_shoulder": 30, "right_elbow": 31, "right_wrist": 32, "right_hand": 34, "right_hand_tip": 35,
    "right_thumb": 37,
}  # fmt: skip
HEAD, HEAD_TOP = 18, 19
CLASSES = ("basketball", "basketball_signal", "directing_traffic", "jumping", "running", "soccer", "walking",
           "washwindow")
SKELETON_NAME = "skeleton.json"


@cache
def load_skeleton(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(parents (J,), offsets (J, 3)) from a skeleton.json."""
    try:
        data = json.loads(Path(path).read_text())
        parents = np.array(data["parents"], int)
        offsets = np.array(data["offsets"], float)
    except (OSError, ValueError, KeyError) as exc:
        raise DataFormatError(path, f"unreadable skeleton file ({exc})") from exc
    if offsets.shape != (len(parents), 3) or (parents[1:] >= np.arange(1, len(parents))).any():
        raise DataFormatError(path, "parents/offsets do not form a tree in index order")
    return parents, offsets


def rodrigues(e: np.ndarray) -> np.ndarray:
    """`(..., 3, 3)` rotation matrices from axis-angle vectors `(..., 3)`."""
    theta = np.linalg.norm(e, axis=-1)[..., None, None]
    k = e / np.where(theta[..., 0] > 1e-12, theta[..., 0], 1.0)
    kx = np.zeros(e.shape[:-1] + (3, 3))
    kx[..., 0, 1], kx[..., 0, 2], kx[..., 1, 2] = -k[..., 2], k[..., 1], -k[..., 0]
    kx = kx - np.swapaxes(kx, -1, -2)
    return np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * (kx @ kx)


def forward_kinematics(rows: np.ndarray, parents: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """`(T, J, 3)` joint positions in metres from `(T, 3 + 3J)` rows."""
    t, nj = rows.shape[0], len(parents)
    rot = rodrigues(rows[:, 3:].reshape(t, nj, 3))
    pos = np.zeros((t, nj, 3))
    frame = np.zeros((t, nj, 3, 3))
    pos[:, 0], frame[:, 0] = rows[:, :3], np.swapaxes(rot[:, 0], -1, -2)
    for j in range(1, nj):
        p = parents[j]
        pos[:, j] = pos[:, p] + frame[:, p] @ offsets[j]
        frame[:, j] = frame[:, p] @ np.swapaxes(rot[:, j], -1, -2)
    return pos * UNIT


def find_skeleton(path: Path) -> Path:
    """The nearest skeleton.json in the file's folder or any folder above it."""
    for folder in path.resolve().parents:
        cand = folder / SKELETON_NAME
        if cand.is_file():
            return cand
    raise DataFormatError(path, f"no {SKELETON_NAME} in any folder above (the CMU FK needs it)")


def read(path: str | Path, skeleton: Path | None = None) -> Sequence:
    """One CMU exp-map take (rest-pose row dropped); label = the class folder name."""
    path = Path(path)
    parents, offsets = load_skeleton(skeleton or find_skeleton(path))
    try:
        rows = np.loadtxt(path, delimiter=",", ndmin=2)
    except ValueError as exc:
        raise DataFormatError(path, f"not a numeric CSV ({exc})") from exc
    if rows.shape[1] != 3 + 3 * len(parents):
        raise DataFormatError(path, f"{rows.shape[1]} columns, expected {3 + 3 * len(parents)}")
    rows = rows[1:]
    if len(rows) == 0 or not np.isfinite(rows).all():
        raise DataFormatError(path, "no motion rows, or NaN values")
    p = forward_kinematics(rows, parents, offsets)
    skel = from_named({ntu: p[:, j] for ntu, j in NTU_FROM_CMU.items()}, len(p))
    skel[:, 0] = 0.5 * (p[:, NTU_FROM_CMU["left_hip"]] + p[:, NTU_FROM_CMU["right_hip"]])
    skel[:, 3] = 0.5 * (p[:, HEAD] + p[:, HEAD_TOP])
    estimate_trunk(skel)
    return Sequence(skel, fps=FPS, label=path.parent.name, name=f"{path.parent.parent.name}_{path.stem}",
                    meta={"split": path.parent.parent.name})


def build(src: Path) -> Corpus:
    """All CMU8 takes; takes over 12 s are cut into 6 s pieces. `src` must hold skeleton.json (or above)."""
    src = Path(src)
    skeleton = src / SKELETON_NAME if (src / SKELETON_NAME).is_file() else None
    files = find_files(src, ".txt")
    seqs, problems = read_all(files, lambda p: read(p, skeleton or find_skeleton(p)), "cmu8")
    out = label_and_cut(seqs, CLASSES, "CMU8", problems)
    return make_corpus(out, "cmu8", BANK, problems, {"source": "CMU Mocap (Li et al. 2018 subset)",
                       "licence": "CMU terms: research and products, no resale"})
