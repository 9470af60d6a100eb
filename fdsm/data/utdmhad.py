"""UTD-MHAD Kinect skeletons (`aAA_sS_tT_skeleton.mat`, Kinect v1, 20 joints, metres) -> NTU-25.

Each file is a MATLAB v5 `.mat` holding one double array `d_skel` shaped `(20, 3, T)`. scipy is not a
dependency, so `read_mat_array` parses the few parts of the v5 format these files use: the 128-byte
header, zlib-compressed elements (miCOMPRESSED) and a real numeric matrix (miMATRIX) in column-major
order. Anything else is a `DataFormatError` naming the file and the reason.

Joints (UTD's order, 1-based) -> NTU: 1 head, 2 shoulder centre -> spine shoulder, 3 spine -> spine
mid, 4 hip centre -> spine base, 5-12 left/right shoulder, elbow, wrist, hand, 13-20 left/right hip,
knee, ankle, foot: the Kinect v1 joints, in a different order from NW-UCLA's. Hand tips and thumbs are
estimated by `fdsm.data.mapping`; `fdsm-prepare` then re-derives the camera joints. Camera space is
Kinect's (y up, z away from the sensor; the subject faces -z), right-handed, with the subject's own left
as `left`: checked on the data with `fdsm.skeleton.chirality` (positive in 860 of the 861 takes, median
0.93; every class's median above 0.8). About 30 fps. Research use only (the authors' terms; no licence file).
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import make_corpus
from fdsm.data.corpus import Corpus, read_all
from fdsm.data.mapping import estimate_hands, estimate_neck
from fdsm.data.sources import find_files
from fdsm.errors import DataFormatError

BANK = "utdmhad"
FPS = 30.0
VARIABLE = "d_skel"
LICENCE = "research use only (UTD-MHAD authors' terms; cite Chen, Jafari, Kehtarnavaz, ICIP 2015)"
_NAME = re.compile(r"a(\d+)_s(\d+)_t(\d+)_skeleton")
# NTU index of each UTD joint (UTD order).
UTD_TO_NTU = (3, 20, 1, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)

# MAT v5 element types (the MATLAB documentation's table).
_MI_INT8, _MI_UINT32, _MI_INT32, _MI_MATRIX, _MI_COMPRESSED = 1, 6, 5, 14, 15
_NUMERIC = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 9: "f8", 12: "i8", 13: "u8"}
_MX_CHAR, _MX_SPARSE, _MX_CELL, _MX_STRUCT, _MX_OBJECT = 4, 5, 1, 2, 3


def _elements(buf: bytes, endian: str):
    """Yield (type, payload) of each data element in `buf` (small elements packed in their tag)."""
    pos = 0
    while pos + 8 <= len(buf):
        kind, size = struct.unpack_from(endian + "II", buf, pos)
        if kind >> 16:  # small element: size in the upper half, data in the tag's second word
            yield kind & 0xFFFF, buf[pos + 4: pos + 4 + (kind >> 16)]
            pos += 8
            continue
        if pos + 8 + size > len(buf):
            raise ValueError(f"element of {size} bytes runs past the end of the data (truncated file?)")
        yield kind, buf[pos + 8: pos + 8 + size]
        pos += 8 + (size if kind == _MI_COMPRESSED else -(-size // 8) * 8)


def _matrix(payload: bytes, endian: str) -> tuple[str, np.ndarray]:
    """Name and array of one miMATRIX element (real numeric arrays only)."""
    parts = list(_elements(payload, endian))
    if len(parts) < 4:
        raise ValueError("matrix element with fewer than 4 parts")
    (_, flags), (_, dims), (_, name), (kind, data) = parts[:4]
    mx_class = struct.unpack_from(endian + "I", flags)[0] & 0xFF
    if mx_class in (_MX_CHAR, _MX_SPARSE, _MX_CELL, _MX_STRUCT, _MX_OBJECT) or kind not in _NUMERIC:
        raise ValueError(f"matrix class {mx_class} / data type {kind} is not a real numeric array")
    shape = tuple(np.frombuffer(dims, endian + "i4"))
    values = np.frombuffer(data, endian + _NUMERIC[kind])
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{values.size} values for dimensions {shape}")
    return name.decode("latin-1"), values.reshape(shape, order="F").astype(np.float64)


def read_mat_array(path: str | Path, variable: str) -> np.ndarray:
    """The real numeric array `variable` of a MATLAB v5 .mat file (DataFormatError otherwise)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(path, f"cannot read ({exc.strerror or exc})") from exc
    if len(raw) < 128 or not raw.startswith(b"MATLAB 5.0"):
        raise DataFormatError(path, "not a MATLAB v5 .mat file (no 'MATLAB 5.0' header)")
    endian = {b"IM": "<", b"MI": ">"}.get(raw[126:128])
    if endian is None:
        raise DataFormatError(path, "unreadable .mat header (no endian marker)")
    names = []
    try:
        for kind, payload in _elements(raw[128:], endian):
            if kind == _MI_COMPRESSED:
                kind, payload = next(_elements(zlib.decompress(payload), endian))
            if kind != _MI_MATRIX:
                continue
            name, array = _matrix(payload, endian)
            if name == variable:
                return array
            names.append(name)
    except (ValueError, zlib.error, struct.error, StopIteration) as exc:
        raise DataFormatError(path, f"corrupt or truncated .mat ({exc})") from exc
    raise DataFormatError(path, f"no variable {variable!r} (found: {', '.join(names) or 'none'})")


def to_ntu(joints: np.ndarray) -> np.ndarray:
    """`(T, 25, 3)` float32 from UTD's `(T, 20, 3)` Kinect v1 joints in metres."""
    skel = np.full((len(joints), 25, 3), np.nan, np.float32)
    skel[:, list(UTD_TO_NTU)] = joints
    estimate_neck(skel)
    return estimate_hands(skel, ("tip", "thumb"))


def read(path: str | Path) -> Sequence:
    """One `aAA_sS_tT_skeleton.mat`: label = action - 1, subject and trial from the name."""
    path = Path(path)
    arr = read_mat_array(path, VARIABLE)
    if arr.ndim == 2 and arr.shape == (20, 3):
        arr = arr[:, :, None]  # MATLAB drops a trailing singleton dimension: a one-frame take
    if arr.ndim != 3 or arr.shape[:2] != (20, 3) or arr.shape[2] == 0:
        raise DataFormatError(path, f"{VARIABLE} must be 20 x 3 x T, got {' x '.join(map(str, arr.shape))}")
    if not np.isfinite(arr).all():
        raise DataFormatError(path, "NaN or infinite values")
    m = _NAME.fullmatch(path.stem)
    if m is None:
        raise DataFormatError(path, "name is not aAA_sS_tT_skeleton.mat (action, subject, trial)")
    return Sequence(to_ntu(arr.transpose(2, 0, 1)), fps=FPS, label=int(m.group(1)) - 1, name=path.stem,
                    subject=int(m.group(2)), meta={"trial": int(m.group(3))})


def build(src: Path) -> Corpus:
    """All UTD-MHAD skeleton takes (27 actions x 8 subjects x 4 trials, 861 in the release)."""
    files = [p for p in find_files(src, ".mat") if _NAME.fullmatch(p.stem)]
    seqs, problems = read_all(files, read, "utdmhad")
    problems += [f"{s.name}: action number outside 1..27" for s in seqs if not 0 <= s.label < 27]
    seqs = [s for s in seqs if 0 <= s.label < 27]
    return make_corpus(seqs, "utdmhad", BANK, problems, {"source": "UTD-MHAD (Kinect v1 skeletons)",
                                                         "licence": LICENCE})
