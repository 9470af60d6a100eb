"""A generic BVH reader: the joint hierarchy, the motion channels and forward kinematics.

Each joint's local transform is a translation (its position channels when it has them, which BVH
exporters write in place of the OFFSET, else the OFFSET) and a rotation composed in channel order
(e.g. `Zrotation Xrotation Yrotation` -> Rz.Rx.Ry, degrees); the global transform is
parent_global . local. End Sites carry no channels and are skipped. Positions stay in file units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.errors import DataFormatError

_AXES = {"X": 0, "Y": 1, "Z": 2}


@dataclass
class BvhJoint:
    name: str
    parent: int
    offset: np.ndarray  # (3,)
    channels: list[str]


@dataclass
class BvhMotion:
    joints: list[BvhJoint]
    frame_time: float
    values: np.ndarray  # (T, sum of channels) float64

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.joints]


def axis_rotation(axis: str, degrees: np.ndarray) -> np.ndarray:
    """`(T, 3, 3)` rotations by `degrees` about the named axis ('X', 'Y' or 'Z'), right-handed."""
    a = np.radians(np.asarray(degrees, np.float64))
    c, s = np.cos(a), np.sin(a)
    out = np.zeros(a.shape + (3, 3))
    i = _AXES[axis]
    j, k = (i + 1) % 3, (i + 2) % 3
    out[..., i, i] = 1.0
    out[..., j, j] = c
    out[..., k, k] = c
    out[..., j, k] = -s
    out[..., k, j] = s
    return out


def parse(path: str | Path) -> BvhMotion:
    """Read a BVH file; raise DataFormatError (file and line) if it is malformed or truncated."""
    path = Path(path)
    lines = path.read_text(encoding="latin-1").splitlines()
    joints: list[BvhJoint] = []
    stack: list[int] = []
    in_end_site = False
    i = 0
    try:
        while i < len(lines):
            tok = lines[i].split()
            i += 1
            if not tok or tok[0] == "HIERARCHY":
                continue
            if tok[0] == "MOTION":
                break
            if tok[0] in ("ROOT", "JOINT"):
                joints.append(BvhJoint(tok[1], stack[-1] if stack else -1, np.zeros(3), []))
            elif tok[0] == "End":
                in_end_site = True
            elif tok[0] == "{":
                if not in_end_site:
                    stack.append(len(joints) - 1)
            elif tok[0] == "}":
                if in_end_site:
                    in_end_site = False
                else:
                    stack.pop()
            elif tok[0] == "OFFSET" and not in_end_site:
                joints[-1].offset = np.array([float(v) for v in tok[1:4]])
            elif tok[0] == "CHANNELS":
                joints[-1].channels = tok[2: 2 + int(tok[1])]
        else:
            raise DataFormatError(path, "no MOTION section (file truncated?)", i)
        frames = int(lines[i].split(":")[1])
        frame_time = float(lines[i + 1].split(":")[1])
        i += 2
    except (IndexError, ValueError) as exc:
        raise DataFormatError(path, f"malformed hierarchy or motion header ({exc})", i) from exc
    if not joints:
        raise DataFormatError(path, "no joints in HIERARCHY")
    width = sum(len(j.channels) for j in joints)
    rows = [r for r in lines[i:] if r.strip()]
    if len(rows) < frames:
        raise DataFormatError(path, f"truncated: {len(rows)} of {frames} frames", i + len(rows))
    try:
        values = np.array([[float(v) for v in r.split()] for r in rows[:frames]], np.float64).reshape(frames, width)
    except ValueError as exc:
        raise DataFormatError(path, f"a motion row does not hold {width} numbers") from exc
    if not np.isfinite(values).all():
        raise DataFormatError(path, "NaN or infinite values in the motion data")
    return BvhMotion(joints, frame_time, values)


def forward_kinematics(motion: BvhMotion) -> np.ndarray:
    """`(T, J, 3)` global joint positions in file units."""
    t = motion.values.shape[0]
    pos = np.zeros((t, len(motion.joints), 3))
    rot = np.zeros((t, len(motion.joints), 3, 3))
    col = 0
    for k, joint in enumerate(motion.joints):
        local_t = np.repeat(joint.offset[None], t, axis=0)
        local_r = np.repeat(np.eye(3)[None], t, axis=0)
        for name in joint.channels:
            v = motion.values[:, col]
            col += 1
            axis, kind = name[0].upper(), name[1:].lower()
            if kind == "position":
                local_t[:, _AXES[axis]] = v
            else:
                local_r = local_r @ axis_rotation(axis, v)
        if joint.parent < 0:
            pos[:, k], rot[:, k] = local_t, local_r
        else:
            pr = rot[:, joint.parent]
            pos[:, k] = pos[:, joint.parent] + np.einsum("tij,tj->ti", pr, local_t)
            rot[:, k] = pr @ local_r
    return pos


def read(path: str | Path) -> Sequence:
    """A BVH file whose skeleton this project maps to NTU-25 (today: the Bandai-Namco skeleton)."""
    from fdsm.data import bandai  # bandai builds on this module

    return bandai.read(path)
