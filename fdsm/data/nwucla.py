"""Northwestern-UCLA Multiview Action 3D skeleton JSON (Kinect v1, 20 joints, metres) -> NTU-25.

Kinect v1 joints 0-19 are NTU joints 1-20 except that Kinect's ShoulderCenter (index 2) is NTU's
spine shoulder (index 20); the neck, hand tips and thumbs are estimated by `fdsm.data.mapping`.
Kinect camera space is right-handed and y up already (the subject faces -z, towards the sensor);
the SDK's left is the subject's own left. Labels in the files are 1-based; the class index is label - 1.
Nominal 30 fps. NW-UCLA is for zero-shot evaluation only: never train on it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import make_corpus
from fdsm.data.corpus import Corpus, read_all
from fdsm.data.mapping import estimate_hands, estimate_neck
from fdsm.data.sources import find_files
from fdsm.errors import DataFormatError

BANK = "nwucla"
FPS = 30.0
_NAME = re.compile(r"a(\d+)_s(\d+)_e(\d+)_v(\d+)")


def read(path: str | Path) -> Sequence:
    """One `aAA_sSS_eEE_vVV.json`; subject and view from the name, label = the file's label - 1."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        joints = np.asarray(data["skeletons"], np.float64)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFormatError(path, f"not an NW-UCLA skeleton JSON ({exc})") from exc
    if joints.ndim != 3 or joints.shape[1:] != (20, 3) or len(joints) == 0:
        raise DataFormatError(path, f"skeletons must be [T][20][3], got {list(joints.shape)}")
    if not np.isfinite(joints).all():
        raise DataFormatError(path, "NaN or infinite values")
    skel = np.full((len(joints), 25, 3), np.nan, np.float32)
    skel[:, :20] = joints
    skel[:, 20] = joints[:, 2]
    estimate_neck(skel)
    estimate_hands(skel, ("tip", "thumb"))
    m = _NAME.fullmatch(path.stem)
    label = data.get("label")
    return Sequence(skel, fps=FPS, label=int(label) - 1 if label is not None else None, name=path.stem,
                    subject=int(m.group(2)) if m else -1, view=int(m.group(4)) if m else -1)


def build(src: Path) -> Corpus:
    """All NW-UCLA sequences (views 1-3; view 3 is the standard test view)."""
    files = [p for p in find_files(src, ".json") if _NAME.fullmatch(p.stem)]
    seqs, problems = read_all(files, read, "nwucla")
    problems += [f"{s.name}: no label in the file" for s in seqs if s.label is None]
    seqs = [s for s in seqs if s.label is not None]
    return make_corpus(seqs, "nwucla", BANK, problems, {"source": "NW-UCLA (CTR-GCN all_sqe)",
                       "licence": "research only"})
