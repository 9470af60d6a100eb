"""Acclaim ASF/AMC (HDM05 and CMU-style mocap): parser, forward kinematics and the HDM05 -> NTU-25 map.

Forward kinematics (standard Acclaim): for each bone C = R(axis) and M = R(AMC dofs), with rotations
applied in the listed order (X first for "XYZ" / "rx ry rz": R = Rz.Ry.Rx, degrees); the bone's global
rotation is G = G_parent.C.M.C^-1 and its end point P = P_parent + length.G.direction. The root sits at
(TX, TY, TZ) with G = R(RX, RY, RZ) in the root's `order`. Lengths are in ASF units; metres =
value x 0.0254 / `:units length` (0.45 for HDM05). Axes are already y up, right-handed; `l*` bones
are the subject's left. Each bone is represented by its distal end. As the live MediaPipe mapping
takes its hand tip at the index knuckle, the hand tip is the end of `lhand` (the knuckles), the hand
the midpoint of wrist and knuckles, the thumb the end of `lthumb`; the spine base is the hip-joint
midpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import label_and_cut, make_corpus
from fdsm.data.bvh import axis_rotation
from fdsm.data.corpus import Corpus, read_all
from fdsm.data.mapping import estimate_trunk, from_named
from fdsm.data.sources import find_files
from fdsm.errors import DataFormatError
from fdsm.skeleton import J

BANK = "hdm05"
FPS = 120.0
INCH = 0.0254
# NTU joint -> the ASF bone whose distal end it is.
NTU_FROM_ASF = {
    "left_hip": "lhipjoint", "left_knee": "lfemur", "left_ankle": "ltibia", "left_foot": "lfoot",
    "right_hip": "rhipjoint", "right_knee": "rfemur", "right_ankle": "rtibia", "right_foot": "rfoot",
    "left_shoulder": "lclavicle", "left_elbow": "lhumerus", "left_wrist": "lwrist", "left_hand_tip": "lhand",
    "left_thumb": "lthumb",
    "right_shoulder": "rclavicle", "right_elbow": "rhumerus", "right_wrist": "rwrist", "right_hand_tip": "rhand",
    "right_thumb": "rthumb",
}  # fmt: skip
# HDM05 class (file name) -> index in assets/prompts/hdm05.json.
CLASSES = (
    "depositFloorR", "elbowToKnee1RepsLelbowStart", "grabHighR", "hopBothLegs1hops", "jogLeftCircle4StepsRstart",
    "kickLFront1Reps", "lieDownFloor", "rotateArmsBothBackward1Reps", "sneak2StepsLStart", "squat1Reps",
    "throwBasketball",
)  # fmt: skip
ACTORS = ("bd", "bk", "dg", "mm", "tr")


@dataclass
class Bone:
    name: str
    direction: np.ndarray
    length: float
    axis: np.ndarray  # degrees
    axis_order: str
    dofs: list[str]
    parent: str = "root"


@dataclass
class AsfSkeleton:
    bones: dict[str, Bone]  # in hierarchy (parent before child) order
    root_order: list[str]
    root_axis: str
    unit: float  # metres per ASF length unit


def euler(order: str, angles: np.ndarray) -> np.ndarray:
    """`(T, 3, 3)` rotation applying axes in `order` (first letter first): R = R_last ... R_first."""
    angles = np.atleast_2d(angles)
    out = np.repeat(np.eye(3)[None], angles.shape[0], axis=0)
    for k, axis in enumerate(order.upper()):
        out = axis_rotation(axis, angles[:, k]) @ out
    return out


def parse_asf(path: str | Path) -> AsfSkeleton:
    """Read an ASF skeleton; raise DataFormatError on a malformed file."""
    path = Path(path)
    text = path.read_text(encoding="latin-1")
    try:
        length_unit = float(re.search(r"^\s*length\s+([\d.eE+-]+)", text, re.M).group(1))
        root = re.search(r":root(.*?):bonedata", text, re.S).group(1)
        root_order = re.search(r"order\s+(.*)", root).group(1).split()
        root_axis = re.search(r"axis\s+(\w+)", root).group(1)
        bones: dict[str, Bone] = {}
        for block in re.findall(r"begin(.*?)end", text.split(":bonedata")[1].split(":hierarchy")[0], re.S):
            fields = {ln.split()[0]: ln.split()[1:] for ln in block.strip().splitlines() if ln.split()}
            axis = fields.get("axis", ["0", "0", "0", "XYZ"])
            bones[fields["name"][0]] = Bone(fields["name"][0], np.array(fields["direction"], float),
                                            float(fields["length"][0]), np.array(axis[:3], float), axis[3],
                                            [d.lower() for d in fields.get("dof", [])])
        hierarchy = text.split(":hierarchy")[1]
        hierarchy = hierarchy[hierarchy.index("begin") + 5: hierarchy.rindex("end")]
    except (AttributeError, IndexError, KeyError, ValueError) as exc:
        raise DataFormatError(path, f"malformed ASF ({exc})") from exc
    ordered: dict[str, Bone] = {}
    for line in hierarchy.strip().splitlines():
        parent, *children = line.split()
        for child in children:
            if child not in bones:
                raise DataFormatError(path, f"hierarchy names unknown bone {child!r}")
            bones[child].parent = parent
            ordered[child] = bones[child]
    return AsfSkeleton(ordered, [o.upper() for o in root_order], root_axis, INCH / length_unit)


def parse_amc(path: str | Path, skel: AsfSkeleton) -> dict[str, np.ndarray]:
    """Bone name -> `(T, ndof)` values of an AMC file; raise DataFormatError if truncated or malformed."""
    path = Path(path)
    frames: list[dict[str, list[float]]] = []
    for n, line in enumerate(path.read_text(encoding="latin-1").splitlines(), 1):
        tok = line.split()
        if not tok or tok[0][0] in "#:":
            continue
        if len(tok) == 1 and tok[0].isdigit():
            frames.append({})
        elif frames:
            try:
                frames[-1][tok[0]] = [float(v) for v in tok[1:]]
            except ValueError as exc:
                raise DataFormatError(path, f"non-numeric value ({exc})", n) from exc
    if not frames:
        raise DataFormatError(path, "no frames")
    need = {"root": len(skel.root_order), **{b.name: len(b.dofs) for b in skel.bones.values() if b.dofs}}
    for k, frame in enumerate(frames):
        bad = [b for b, width in need.items() if len(frame.get(b, ())) != width]
        if bad:
            raise DataFormatError(path, f"frame {k + 1} of {len(frames)} lacks values for {', '.join(bad[:3])}"
                                        + (" (file truncated?)" if k == len(frames) - 1 else ""))
    values = {b: np.array([f[b] for f in frames], np.float64) for b in need}
    if not all(np.isfinite(v).all() for v in values.values()):
        raise DataFormatError(path, "NaN or infinite values in the motion data")
    return values


def forward_kinematics(skel: AsfSkeleton, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Bone name (and 'root') -> `(T, 3)` distal end positions in metres."""
    root = values["root"]
    t = root.shape[0]
    cols = {name: root[:, i] for i, name in enumerate(skel.root_order)}
    zero = np.zeros(t)
    pos = {"root": np.stack([cols.get(a, zero) for a in ("TX", "TY", "TZ")], 1)}
    rot = {"root": euler(skel.root_axis, np.stack([cols.get(f"R{a}", zero) for a in skel.root_axis.upper()], 1))}
    for bone in skel.bones.values():
        c = euler(bone.axis_order, bone.axis[None])[0]
        if bone.dofs:
            m = euler("".join(d[1] for d in bone.dofs), values[bone.name])
        else:
            m = np.repeat(np.eye(3)[None], t, axis=0)
        g = rot[bone.parent] @ c @ m @ c.T
        rot[bone.name] = g
        pos[bone.name] = pos[bone.parent] + bone.length * (g @ bone.direction)
    return {k: v * skel.unit for k, v in pos.items()}


def to_ntu(points: dict[str, np.ndarray], path: Path) -> np.ndarray:
    """`(T, 25, 3)` from ASF bone end points; head = midpoint of the upper neck's and the head's ends."""
    missing = [b for b in (*NTU_FROM_ASF.values(), "upperneck", "head") if b not in points]
    if missing:
        raise DataFormatError(path, f"skeleton lacks required bone(s) {', '.join(missing)}")
    skel = from_named({ntu: points[b] for ntu, b in NTU_FROM_ASF.items()}, len(points["root"]))
    skel[:, 0] = 0.5 * (points["lhipjoint"] + points["rhipjoint"])
    for side in ("left", "right"):  # the live hand: mean of wrist and knuckles
        skel[:, J[f"{side}_hand"]] = 0.5 * (skel[:, J[f"{side}_wrist"]] + skel[:, J[f"{side}_hand_tip"]])
    skel[:, 3] = 0.5 * (points["upperneck"] + points["head"])
    return estimate_trunk(skel)


def find_asf(amc: Path) -> Path:
    """The ASF beside an AMC: the one whose stem starts the AMC's stem (HDM_bd.asf for HDM_bd_*.amc)."""
    cands = [p for p in amc.parent.iterdir() if p.suffix.lower() == ".asf"]
    prefixed = [p for p in cands if amc.stem.lower().startswith(p.stem.lower())]
    pick = max(prefixed, key=lambda p: len(p.stem)) if prefixed else (cands[0] if len(cands) == 1 else None)
    if pick is None:
        raise DataFormatError(amc, "no matching .asf skeleton file in the same folder")
    return pick


def read(path: str | Path) -> Sequence:
    """One AMC clip with its ASF; HDM05 names (HDM_{actor}_{class}_{nnn}_{fps}) give label and subject."""
    path = Path(path)
    skel = parse_asf(find_asf(path))
    ntu = to_ntu(forward_kinematics(skel, parse_amc(path, skel)), path)
    parts = path.stem.split("_")
    hdm = len(parts) == 5 and parts[0] == "HDM"
    fps = float(parts[4]) if hdm and parts[4].isdigit() else FPS
    return Sequence(ntu, fps=fps, label=parts[2] if hdm else None, name=path.stem,
                    subject=ACTORS.index(parts[1]) if hdm and parts[1] in ACTORS else -1,
                    meta={"split": path.parent.parent.name})


def build(src: Path) -> Corpus:
    """All HDM05 clips of the 11-class subset (train and test folders; subject = actor)."""
    seqs, problems = read_all(find_files(src, ".amc"), read, "hdm05")
    out = label_and_cut(seqs, CLASSES, "HDM05", problems)
    return make_corpus(out, "hdm05", BANK, problems, {"source": "HDM05 (JointLearning-HDM05 subset)",
                       "licence": "CC BY-SA 3.0"})
