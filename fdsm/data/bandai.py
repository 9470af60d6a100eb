"""Bandai-Namco-Research-Motiondataset 1 and 2 (BVH, cm, 30 fps, content x style) -> NTU-25.

Joint map (README of the data): spine base = midpoint of UpperLeg_L/R (the hip joints, as the live
mapping takes it); UpperArm/LowerArm/Hand -> shoulder/elbow/wrist;
UpperLeg/LowerLeg/Foot/Toes -> hip/knee/ankle/foot. `Head` is the base of the head, so the NTU head
(its centre) is Head + 0.5 (Head - Neck). The trunk points and the hands (no fingers in the data) come
from `fdsm.data.mapping`. `_L` is the subject's own left. The label is the content; the style
("exhausted", "proud", ...) is kept per sequence and turned into compositional text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import load_prompt_bank, make_corpus, split_long
from fdsm.data.bvh import forward_kinematics, parse
from fdsm.data.corpus import Corpus, read_all
from fdsm.data.mapping import estimate_hands, estimate_trunk, from_named
from fdsm.data.sources import find_files
from fdsm.errors import DataFormatError

BANK = "bandai"
CM = 0.01
NTU_FROM_BANDAI = {
    "left_shoulder": "UpperArm_L", "left_elbow": "LowerArm_L", "left_wrist": "Hand_L",
    "right_shoulder": "UpperArm_R", "right_elbow": "LowerArm_R", "right_wrist": "Hand_R",
    "left_hip": "UpperLeg_L", "left_knee": "LowerLeg_L", "left_ankle": "Foot_L", "left_foot": "Toes_L",
    "right_hip": "UpperLeg_R", "right_knee": "LowerLeg_R", "right_ankle": "Foot_R", "right_foot": "Toes_R",
}  # fmt: skip
# Content slug (file name) -> class index in assets/prompts/bandai.json.
CONTENTS = (
    "walk", "run", "dash", "walk-back", "walk-left", "walk-right", "bow", "bye", "guide", "byebye",
    "respond", "call", "punch", "kick", "slash", "dance", "walk-turn-left", "walk-turn-right",
    "wave-both-hands", "wave-left-hand", "wave-right-hand", "raise-up-both-hands", "raise-up-left-hand",
    "raise-up-right-hand",
)  # fmt: skip
# Style word -> (short adjective for the name level, clause for the sentence levels).
STYLES = {
    "normal": ("", ""),
    "happy": ("happily", "in a happy, cheerful manner"),
    "sad": ("sadly", "in a sad, dejected manner"),
    "angry": ("angrily", "in an angry, forceful manner"),
    "proud": ("proudly", "in a proud manner with the chest out"),
    "not-confident": ("timidly", "in an unsure, timid manner"),
    "masculinity": ("in a masculine way", "in a broad, masculine manner"),
    "masculine": ("in a masculine way", "in a broad, masculine manner"),
    "feminine": ("in a feminine way", "in a graceful, feminine manner"),
    "childish": ("like a child", "in a playful, childlike manner"),
    "youthful": ("youthfully", "in a lively, youthful manner"),
    "old": ("like an old person", "slowly and stiffly like an elderly person"),
    "elderly": ("like an old person", "slowly and stiffly like an elderly person"),
    "tired": ("tiredly", "slowly and heavily, as if tired"),
    "exhausted": ("exhausted", "slowly and heavily, as if exhausted"),
    "active": ("energetically", "in a quick, energetic manner"),
    "musical": ("like in a musical", "in an exaggerated, theatrical manner"),
    "giant": ("like a giant", "with slow, heavy, large movements like a giant"),
    "chimpira": ("like a thug", "with a swaggering, thuggish posture"),
}


def parse_name(path: Path) -> tuple[str, str, str]:
    """(content, style, take) from `dataset-N_{content}_{style}_{nnn}.bvh`."""
    parts = path.stem.split("_")
    if len(parts) != 4:
        raise DataFormatError(path, "file name is not dataset-N_{content}_{style}_{nnn}")
    content = "dance" if parts[1].startswith("dance") else parts[1]
    return content, parts[2], parts[3]


def to_ntu(names: list[str], positions: np.ndarray, path: Path) -> np.ndarray:
    """`(T, 25, 3)` metres from the BVH joint positions (cm)."""
    index = {n: i for i, n in enumerate(names)}
    needed = [*NTU_FROM_BANDAI.values(), "Head", "Neck"]
    missing = [n for n in needed if n not in index]
    if missing:
        raise DataFormatError(path, f"skeleton lacks required joint(s) {', '.join(missing)}")
    p = positions * CM
    skel = from_named({ntu: p[:, index[b]] for ntu, b in NTU_FROM_BANDAI.items()}, len(p))
    skel[:, 0] = 0.5 * (p[:, index["UpperLeg_L"]] + p[:, index["UpperLeg_R"]])
    skel[:, 3] = p[:, index["Head"]] + 0.5 * (p[:, index["Head"]] - p[:, index["Neck"]])
    estimate_trunk(skel)
    estimate_hands(skel)
    return skel


def read(path: str | Path) -> Sequence:
    """One Bandai BVH take; label = content slug, meta = style, take and set."""
    path = Path(path)
    motion = parse(path)
    skel = to_ntu(motion.names, forward_kinematics(motion), path)
    content, style, take = parse_name(path)
    offsets = np.round(np.concatenate([j.offset for j in motion.joints]), 1)
    return Sequence(skel, fps=round(1.0 / motion.frame_time, 3), label=content, name=path.stem,
                    meta={"style": style, "take": take, "set": path.stem.split("_")[0],
                          "skeleton_key": offsets.tobytes()})


def style_texts(cls: dict, style: str) -> tuple[str, str, str]:
    """Compositional name / definition / kinematics for a content class performed in a style."""
    short, clause = STYLES.get(style, (style.replace("-", " "), f"in a {style.replace('-', ' ')} manner"))
    if not short:
        return "", "", ""
    return (f"{cls['name']}, {short}", f"{cls['definition'].rstrip('.')}, {clause}.",
            f"{cls['kinematics'].rstrip('.')}, {clause}.")


def build(src: Path) -> Corpus:
    """Every Bandai take (sets 1 and 2); long takes are cut into 6 s pieces; subject = skeleton id."""
    seqs, problems = read_all(find_files(src, ".bvh"), read, "bandai")
    classes = load_prompt_bank(BANK)
    keys: dict[bytes, int] = {}
    out, texts = [], []
    for s in seqs:
        if s.label not in CONTENTS:
            problems.append(f"{s.name}: unknown content {s.label!r}")
            continue
        s.label = CONTENTS.index(s.label)
        s.subject = keys.setdefault(s.meta.pop("skeleton_key"), len(keys))
        for piece in split_long(s, 12.0, 6.0):
            out.append(piece)
            texts.append(style_texts(classes[piece.label], s.meta["style"]))
    return make_corpus(out, "bandai", BANK, problems, {"source": "Bandai-Namco-Research-Motiondataset 1+2",
                       "licence": "CC BY-NC 4.0"}, texts=texts)
