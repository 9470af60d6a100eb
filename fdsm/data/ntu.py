"""NTU RGB+D 60/120: raw `.skeleton` text files and the preprocessed `NTU60_CS.npz`-style archives.

Raw files hold Kinect v2 camera-space joints: metres, y up, right-handed (+x is the sensor's left, +z
points from the sensor into the room), joints named by the subject's own left and right. That is the
ARCHITECTURE.md contract already, so coordinates pass through unchanged; tests/fdsm/test_data_ntu.py
checks the handedness with `fdsm.skeleton.chirality` on a pose written in Kinect conventions.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from tqdm import tqdm

from fdsm.data import Sequence
from fdsm.data.corpus import Corpus, read_all
from fdsm.errors import DataFormatError
from fdsm.skeleton import NUM_JOINTS
from fdsm.splits import class_names

FPS = 30.0
BANK = "ntu120"  # its class names are the official A001..A120 names; the first 60 are NTU RGB+D 60
BODY_INFO_VALUES = 10  # bodyID clippedEdges handLeftConfidence handLeftState handRightConfidence
#                        handRightState isRestricted leanX leanY trackingState
JOINT_VALUES = 12  # x y z depthX depthY colorX colorY orientW orientX orientY orientZ trackingState
NAME_PATTERN = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})", re.IGNORECASE)

# The dataset authors' list of NTU RGB+D 60 samples whose skeletons are missing or empty (302 names).
# NTU-120 adds more for setups 18-32: `build` also reads any `*missing*skeleton*.txt` list in --src.
_MISSING_TEXT = """
S001C002P005R002A008 S001C002P006R001A008 S001C003P002R001A055 S001C003P002R002A012 S001C003P005R002A004
S001C003P005R002A005 S001C003P005R002A006 S001C003P006R002A008 S002C002P011R002A030 S002C003P008R001A020
S002C003P010R002A010 S002C003P011R002A007 S002C003P011R002A011 S002C003P014R002A007 S003C001P019R001A055
S003C002P002R002A055 S003C002P018R002A055 S003C003P002R001A055 S003C003P016R001A055 S003C003P018R002A024
S004C002P003R001A013 S004C002P008R001A009 S004C002P020R001A003 S004C002P020R001A004 S004C002P020R001A012
S004C002P020R001A020 S004C002P020R001A021 S004C002P020R001A036 S005C002P004R001A001 S005C002P004R001A003
S005C002P010R001A016 S005C002P010R001A017 S005C002P010R001A048 S005C002P010R001A049 S005C002P016R001A009
S005C002P016R001A010 S005C002P018R001A003 S005C002P018R001A028 S005C002P018R001A029 S005C003P016R002A009
S005C003P018R002A013 S005C003P021R002A057 S006C001P001R002A055 S006C002P007R001A005 S006C002P007R001A006
S006C002P016R001A043 S006C002P016R001A051 S006C002P016R001A052 S006C002P022R001A012 S006C002P023R001A020
S006C002P023R001A021 S006C002P023R001A022 S006C002P023R001A023 S006C002P024R001A018 S006C002P024R001A019
S006C003P001R002A013 S006C003P007R002A009 S006C003P007R002A010 S006C003P007R002A025 S006C003P016R001A060
S006C003P017R001A055 S006C003P017R002A013 S006C003P017R002A014 S006C003P017R002A015 S006C003P022R002A013
S007C001P018R002A050 S007C001P025R002A051 S007C001P028R001A050 S007C001P028R001A051 S007C001P028R001A052
S007C002P008R002A008 S007C002P015R002A055 S007C002P026R001A008 S007C002P026R001A009 S007C002P026R001A010
S007C002P026R001A011 S007C002P026R001A012 S007C002P026R001A050 S007C002P027R001A011 S007C002P027R001A013
S007C002P028R002A055 S007C003P007R001A002 S007C003P007R001A004 S007C003P019R001A060 S007C003P027R002A001
S007C003P027R002A002 S007C003P027R002A003 S007C003P027R002A004 S007C003P027R002A005 S007C003P027R002A006
S007C003P027R002A007 S007C003P027R002A008 S007C003P027R002A009 S007C003P027R002A010 S007C003P027R002A011
S007C003P027R002A012 S007C003P027R002A013 S008C002P001R001A009 S008C002P001R001A010 S008C002P001R001A014
S008C002P001R001A015 S008C002P001R001A016 S008C002P001R001A018 S008C002P001R001A019 S008C002P008R002A059
S008C002P025R001A060 S008C002P029R001A004 S008C002P031R001A005 S008C002P031R001A006 S008C002P032R001A018
S008C002P034R001A018 S008C002P034R001A019 S008C002P035R001A059 S008C002P035R002A002 S008C002P035R002A005
S008C003P007R001A009 S008C003P007R001A016 S008C003P007R001A017 S008C003P007R001A018 S008C003P007R001A019
S008C003P007R001A020 S008C003P007R001A021 S008C003P007R001A022 S008C003P007R001A023 S008C003P007R001A025
S008C003P007R001A026 S008C003P007R001A028 S008C003P007R001A029 S008C003P007R002A003 S008C003P008R002A050
S008C003P025R002A002 S008C003P025R002A011 S008C003P025R002A012 S008C003P025R002A016 S008C003P025R002A020
S008C003P025R002A022 S008C003P025R002A023 S008C003P025R002A030 S008C003P025R002A031 S008C003P025R002A032
S008C003P025R002A033 S008C003P025R002A049 S008C003P025R002A060 S008C003P031R001A001 S008C003P031R002A004
S008C003P031R002A014 S008C003P031R002A015 S008C003P031R002A016 S008C003P031R002A017 S008C003P032R002A013
S008C003P033R002A001 S008C003P033R002A011 S008C003P033R002A012 S008C003P034R002A001 S008C003P034R002A012
S008C003P034R002A022 S008C003P034R002A023 S008C003P034R002A024 S008C003P034R002A044 S008C003P034R002A045
S008C003P035R002A016 S008C003P035R002A017 S008C003P035R002A018 S008C003P035R002A019 S008C003P035R002A020
S008C003P035R002A021 S009C002P007R001A001 S009C002P007R001A003 S009C002P007R001A014 S009C002P008R001A014
S009C002P015R002A050 S009C002P016R001A002 S009C002P017R001A028 S009C002P017R001A029 S009C003P017R002A030
S009C003P025R002A054 S010C001P007R002A020 S010C002P016R002A055 S010C002P017R001A005 S010C002P017R001A018
S010C002P017R001A019 S010C002P019R001A001 S010C002P025R001A012 S010C003P007R002A043 S010C003P008R002A003
S010C003P016R001A055 S010C003P017R002A055 S011C001P002R001A008 S011C001P018R002A050 S011C002P008R002A059
S011C002P016R002A055 S011C002P017R001A020 S011C002P017R001A021 S011C002P018R002A055 S011C002P027R001A009
S011C002P027R001A010 S011C002P027R001A037 S011C003P001R001A055 S011C003P002R001A055 S011C003P008R002A012
S011C003P015R001A055 S011C003P016R001A055 S011C003P019R001A055 S011C003P025R001A055 S011C003P028R002A055
S012C001P019R001A060 S012C001P019R002A060 S012C002P015R001A055 S012C002P017R002A012 S012C002P025R001A060
S012C003P008R001A057 S012C003P015R001A055 S012C003P015R002A055 S012C003P016R001A055 S012C003P017R002A055
S012C003P018R001A055 S012C003P018R001A057 S012C003P019R002A011 S012C003P019R002A012 S012C003P025R001A055
S012C003P027R001A055 S012C003P027R002A009 S012C003P028R001A035 S012C003P028R002A055 S013C001P015R001A054
S013C001P017R002A054 S013C001P018R001A016 S013C001P028R001A040 S013C002P015R001A054 S013C002P017R002A054
S013C002P028R001A040 S013C003P008R002A059 S013C003P015R001A054 S013C003P017R002A054 S013C003P025R002A022
S013C003P027R001A055 S013C003P028R001A040 S014C001P027R002A040 S014C002P015R001A003 S014C002P019R001A029
S014C002P025R002A059 S014C002P027R002A040 S014C002P039R001A050 S014C003P007R002A059 S014C003P015R002A055
S014C003P019R002A055 S014C003P025R001A048 S014C003P027R002A040 S015C001P008R002A040 S015C001P016R001A055
S015C001P017R001A055 S015C001P017R002A055 S015C002P007R001A059 S015C002P008R001A003 S015C002P008R001A004
S015C002P008R002A040 S015C002P015R001A002 S015C002P016R001A001 S015C002P016R002A055 S015C003P008R002A007
S015C003P008R002A011 S015C003P008R002A012 S015C003P008R002A028 S015C003P008R002A040 S015C003P025R002A012
S015C003P025R002A017 S015C003P025R002A020 S015C003P025R002A021 S015C003P025R002A030 S015C003P025R002A033
S015C003P025R002A034 S015C003P025R002A036 S015C003P025R002A037 S015C003P025R002A044 S016C001P019R002A040
S016C001P025R001A011 S016C001P025R001A012 S016C001P025R001A060 S016C001P040R001A055 S016C001P040R002A055
S016C002P008R001A011 S016C002P019R002A040 S016C002P025R002A012 S016C003P008R001A011 S016C003P008R002A002
S016C003P008R002A003 S016C003P008R002A004 S016C003P008R002A006 S016C003P008R002A009 S016C003P019R002A040
S016C003P039R002A016 S017C001P016R002A031 S017C002P007R001A013 S017C002P008R001A009 S017C002P015R001A042
S017C002P016R002A031 S017C002P016R002A055 S017C003P007R002A013 S017C003P008R001A059 S017C003P016R002A031
S017C003P017R001A055 S017C003P020R001A059
"""
MISSING_SKELETONS: frozenset[str] = frozenset(_MISSING_TEXT.split())


def parse_name(name: str) -> dict[str, int] | None:
    """Setup, camera, subject (performer), replication and action numbers from an NTU sample name."""
    m = NAME_PATTERN.search(name)
    if m is None:
        return None
    return dict(zip(("setup", "camera", "subject", "replication", "action"), map(int, m.groups()), strict=True))


class _Lines:
    """Non-blank lines of a text file with their 1-based numbers, parsed on demand with exact errors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise DataFormatError(path, f"not a text file ({exc.reason})") from exc
        self._it: Iterator[tuple[int, str]] = ((i, s) for i, s in enumerate(text.splitlines(), 1) if s.strip())
        self.line = 0

    def fields(self, count: int, what: str) -> list[str]:
        try:
            self.line, text = next(self._it)
        except StopIteration:
            raise DataFormatError(self.path, f"file ends early: expected {what}", self.line + 1) from None
        parts = text.split()
        if len(parts) != count:
            raise DataFormatError(self.path, f"expected {what} ({count} values), found {len(parts)} values", self.line)
        return parts

    def integer(self, what: str, low: int = 0, high: int = 1 << 30) -> int:
        (text,) = self.fields(1, what)
        try:
            value = int(text)
        except ValueError:
            raise DataFormatError(self.path, f"expected {what} (an integer), found {text!r}", self.line) from None
        if not low <= value <= high:
            raise DataFormatError(self.path, f"{what} {value} is out of range {low}..{high}", self.line)
        return value

    def block(self, rows: int, width: int, what: str) -> np.ndarray:
        """The next `rows` lines as a (rows, width) float array; a bad line is reported by its number."""
        taken = [next(self._it, None) for _ in range(rows)]
        numbered = [t for t in taken if t is not None]
        try:
            arr = np.array(" ".join(text for _, text in numbered).split(), dtype=np.float64)
            if len(numbered) == rows and arr.size == rows * width:
                self.line = numbered[-1][0]
                return arr.reshape(rows, width)
        except ValueError:
            pass
        for number, text in numbered:  # slow path: find the first bad line
            self.line = number
            parts = text.split()
            if len(parts) != width:
                raise DataFormatError(self.path, f"expected {what} ({width} values), found {len(parts)} values", number)
            try:
                np.array(parts, dtype=np.float64)
            except ValueError:
                raise DataFormatError(self.path, f"{what} has a value that is not a number", number) from None
        raise DataFormatError(self.path, f"file ends early: expected {what}", self.line + 1)

    def assert_end(self) -> None:
        extra = next(self._it, None)
        if extra is not None:
            raise DataFormatError(self.path, "unexpected data after the last frame", extra[0])


def _stack_bodies(tracks: dict[str, dict[int, np.ndarray]], frames: int, max_bodies: int = 2) -> np.ndarray:
    """(T, M, 25, 3) of the `max_bodies` longest-tracked bodies (ties: more motion first); NaN where absent."""

    def rank(item: tuple[str, dict[int, np.ndarray]]) -> tuple[int, float]:
        poses = np.stack(list(item[1].values()))
        return len(poses), float(poses.std(axis=0).sum())

    chosen = sorted(tracks.items(), key=rank, reverse=True)[:max_bodies]
    out = np.full((frames, max(1, len(chosen)), NUM_JOINTS, 3), np.nan, np.float32)
    for m, (_, poses) in enumerate(chosen):
        for t, joints in poses.items():
            out[t, m] = joints
    return out


def read(path: str | Path) -> Sequence:
    """One raw `.skeleton` file; label = A-number - 1 when the file name follows SsssCcccPpppRrrrAaaa."""
    path = Path(path)
    lines = _Lines(path)
    frames = lines.integer("frame count", 0, 100_000)
    tracks: dict[str, dict[int, np.ndarray]] = {}
    for t in range(frames):
        for _ in range(lines.integer(f"body count of frame {t + 1}", 0, 10)):
            body_id = lines.fields(BODY_INFO_VALUES, "body info line")[0]
            lines.integer("joint count", NUM_JOINTS, NUM_JOINTS)
            joints = lines.block(NUM_JOINTS, JOINT_VALUES, "joint line")[:, :3]
            tracks.setdefault(body_id, {})[t] = joints.astype(np.float32)
    lines.assert_end()
    if not tracks:
        raise DataFormatError(path, "no skeleton in any frame (a sample with missing skeletons)")
    ids = parse_name(path.stem) or {}
    return Sequence(
        _stack_bodies(tracks, frames), fps=FPS,
        label=ids["action"] - 1 if ids else None, name=path.stem,
        subject=ids.get("subject", -1), view=ids.get("camera", -1),
        meta={k: ids[k] for k in ("setup", "replication") if k in ids},
    )  # fmt: skip


def _npz_member(path: Path, key: str) -> np.ndarray:
    """One array of an .npz, memory-mapped when stored uncompressed (NTU120 x_train is ~11 GB)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(f"{key}.npy")
        if info.compress_type == zipfile.ZIP_STORED:
            with zf.open(info) as f:
                version = np.lib.format.read_magic(f)
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, fortran, dtype = read_header(f)
                header = f.tell()
            with path.open("rb") as raw:
                raw.seek(info.header_offset + 26)
                name_len, extra_len = np.frombuffer(raw.read(4), "<u2")
            start = info.header_offset + 30 + int(name_len) + int(extra_len) + header
            return np.memmap(path, dtype=dtype, mode="r", offset=start, shape=shape, order="F" if fortran else "C")
    with np.load(path, allow_pickle=False) as z:
        return z[key]


def _npz_split(path: Path, part: str) -> list[Sequence]:
    """The `part` ("train" or "test") of a preprocessed archive: x_<part> (N, T, 150), one-hot y_<part>."""
    x, y = _npz_member(path, f"x_{part}"), _npz_member(path, f"y_{part}")
    if x.ndim != 3 or x.shape[2] != 2 * NUM_JOINTS * 3:
        raise DataFormatError(path, f"x_{part} must be N x T x 150 (2 bodies x 25 joints x 3), got {x.shape}")
    if y.ndim != 2 or len(y) != len(x):
        raise DataFormatError(path, f"y_{part} must be one-hot N x C with N = {len(x)}, got {y.shape}")
    y = np.asarray(y)
    bad = np.flatnonzero((y.sum(axis=1) != 1) | ((y != 0) & (y != 1)).any(axis=1))
    if len(bad):
        raise DataFormatError(path, f"y_{part} row {bad[0]} is not one-hot")
    labels = y.argmax(axis=1)
    seqs = []
    for i in tqdm(range(len(x)), desc=f"{path.name} {part}", unit="seq", dynamic_ncols=True):
        arr = np.array(x[i], np.float32).reshape(x.shape[1], 2, NUM_JOINTS, 3)
        absent = (arr == 0).all(axis=(2, 3))  # zero-padding: a missing body or frame
        arr[absent] = np.nan
        present = np.flatnonzero(~absent.all(axis=1))
        arr = arr[: present[-1] + 1] if len(present) else arr[:0]
        if len(arr) == 0:
            raise DataFormatError(path, f"x_{part} sample {i} is all zeros")
        seqs.append(Sequence(arr, fps=FPS, label=int(labels[i]), name=f"{part}{i:06d}", meta={"part": part}))
    return seqs


def read_npz(path: str | Path) -> tuple[list[Sequence], list[Sequence]]:
    """Train and test sequences of an `NTU60_CS.npz` / `NTU120_CSub.npz`-style archive; zeros become NaN."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            members = set(zf.namelist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataFormatError(path, f"not an .npz archive ({exc})") from exc
    missing = {f"{k}.npy" for k in ("x_train", "y_train", "x_test", "y_test")} - members
    if missing:
        raise DataFormatError(path, f"archive lacks {', '.join(sorted(missing))}")
    try:
        return _npz_split(path, "train"), _npz_split(path, "test")
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise DataFormatError(path, f"unreadable array ({exc})") from exc


def missing_list(src: Path) -> frozenset[str]:
    """The built-in NTU-60 list plus sample names from any `*missing*skeleton*.txt` list found in `src`."""
    names = set(MISSING_SKELETONS)
    if src.is_dir():
        for f in src.rglob("*missing*skeleton*.txt"):
            names.update(m.group(0).upper() for m in NAME_PATTERN.finditer(f.read_text(errors="replace")))
    return frozenset(names)


def _read_labelled(path: Path) -> Sequence:
    seq = read(path)
    if seq.label is None:
        raise DataFormatError(path, "file name does not follow SsssCcccPpppRrrrAaaa, so it carries no label")
    return seq


def _corpus(seqs: list[Sequence], info: dict) -> Corpus:
    labels = np.array([s.label for s in seqs], np.int64)
    if len(labels) and int(labels.max()) >= 120:
        raise DataFormatError(info["source"], f"label {int(labels.max())} is beyond NTU-120's 120 classes")
    dataset = "ntu120" if len(labels) and int(labels.max()) >= 60 else "ntu60"
    return Corpus(seqs, labels, class_names(dataset), dataset, BANK, fps=FPS, info=info)


def build(src: Path) -> Corpus:
    """A corpus from a folder of `.skeleton` files (official missing samples skipped) or from an .npz archive."""
    src = Path(src)
    if src.is_file():
        train, test = read_npz(src)
        info = {"source": str(src), "num_train": len(train), "problems": []}
        return _corpus(train + test, info)
    missing = missing_list(src)
    files = sorted(src.rglob("*.skeleton"))
    if not files:
        raise DataFormatError(src, "no .skeleton files found")
    keep = [p for p in files if p.stem.upper() not in missing]
    seqs, problems = read_all(keep, _read_labelled, "NTU .skeleton")
    info = {"source": str(src), "skipped_missing": len(files) - len(keep), "problems": problems}
    return _corpus(seqs, info)
