"""ASF/AMC parsing and Acclaim forward kinematics on a small skeleton the tests write."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.data import asfamc, load_sequence
from fdsm.errors import DataFormatError
from fdsm.skeleton import J, chirality

# (name, parent, direction, length, dofs): an HDM05-like body, y up, facing +z, left = +x.
BONES = [
    ("lhipjoint", "root", (1, -1, 0), 1.5, ""), ("lfemur", "lhipjoint", (0, -1, 0), 7.0, "rx ry rz"),
    ("ltibia", "lfemur", (0, -1, 0), 7.0, "rx"), ("lfoot", "ltibia", (0, -0.3, 1), 2.0, "rx rz"),
    ("rhipjoint", "root", (-1, -1, 0), 1.5, ""), ("rfemur", "rhipjoint", (0, -1, 0), 7.0, "rx ry rz"),
    ("rtibia", "rfemur", (0, -1, 0), 7.0, "rx"), ("rfoot", "rtibia", (0, -0.3, 1), 2.0, "rx rz"),
    ("lowerback", "root", (0, 1, 0), 2.0, "rx ry rz"), ("thorax", "lowerback", (0, 1, 0), 6.0, "rx ry rz"),
    ("upperneck", "thorax", (0, 1, 0), 1.5, "rx ry rz"), ("head", "upperneck", (0, 1, 0), 1.5, "rx ry rz"),
    ("lclavicle", "thorax", (1, 0, 0), 3.0, "ry rz"), ("lhumerus", "lclavicle", (1, 0, 0), 5.0, "rx ry rz"),
    ("lradius", "lhumerus", (1, 0, 0), 3.0, "rx"), ("lwrist", "lradius", (1, 0, 0), 1.5, "ry"),
    ("lhand", "lwrist", (1, 0, 0), 1.0, "rx rz"), ("lfingers", "lhand", (1, 0, 0), 1.0, "rx"),
    ("lthumb", "lwrist", (1, 0, 1), 1.0, "rx rz"),
    ("rclavicle", "thorax", (-1, 0, 0), 3.0, "ry rz"), ("rhumerus", "rclavicle", (-1, 0, 0), 5.0, "rx ry rz"),
    ("rradius", "rhumerus", (-1, 0, 0), 3.0, "rx"), ("rwrist", "rradius", (-1, 0, 0), 1.5, "ry"),
    ("rhand", "rwrist", (-1, 0, 0), 1.0, "rx rz"), ("rfingers", "rhand", (-1, 0, 0), 1.0, "rx"),
    ("rthumb", "rwrist", (-1, 0, 1), 1.0, "rx rz"),
]  # fmt: skip
UNIT = 0.0254 / 0.45


def write_asf(path, bones=BONES):
    out = [":version 1.10", ":name test", ":units", "  mass 1.0", "  length 0.45", "  angle deg", ":root",
           "   order TX TY TZ RX RY RZ", "   axis XYZ", "   position 0 0 0", "   orientation 0 0 0", ":bonedata"]
    for k, (name, _, d, length, dofs) in enumerate(bones, 1):
        d = np.array(d, float) / np.linalg.norm(d)
        out += ["  begin", f"     id {k}", f"     name {name}", f"     direction {d[0]} {d[1]} {d[2]}",
                f"     length {length}", "     axis 0 0 0  XYZ"] + ([f"    dof {dofs}"] if dofs else []) + ["  end"]
    out += [":hierarchy", "  begin"]
    parents = {}
    for name, parent, *_ in bones:
        parents.setdefault(parent, []).append(name)
    out += [f"    {p} {' '.join(c)}" for p, c in parents.items()] + ["  end"]
    path.write_text("\r\n".join(out) + "\r\n")
    return path


def write_amc(path, frames, bones=BONES, cut=None):
    """`frames`: list of dicts bone -> values (missing dofs are 0; root defaults to standing at 17 units)."""
    out = ["#!OML:ASF f\xfcr test", ":FULLY-SPECIFIED", ":DEGREES"]
    for k, frame in enumerate(frames, 1):
        out.append(str(k))
        out.append("root " + " ".join(map(str, frame.get("root", (0, 17, 0, 0, 0, 0)))))
        for name, _, _, _, dofs in bones:
            if dofs:
                vals = frame.get(name, [0.0] * len(dofs.split()))
                out.append(f"{name} " + " ".join(map(str, vals)))
    text = "\n".join(out) + "\n"
    path.write_bytes((text if cut is None else text[:cut]).encode("latin-1"))
    return path


def test_euler_applies_x_first():
    r = asfamc.euler("XYZ", np.array([[90.0, 90.0, 0.0]]))[0]
    # X first: +y -> +z; then Y: +z -> +x.
    np.testing.assert_allclose(r @ [0, 1, 0], [1, 0, 0], atol=1e-12)


def test_rest_pose_positions_follow_directions_and_lengths(tmp_path):
    skel = asfamc.parse_asf(write_asf(tmp_path / "HDM_xx.asf"))
    pts = asfamc.forward_kinematics(skel, asfamc.parse_amc(write_amc(tmp_path / "a.amc", [{}]), skel))
    thorax_top = np.array([0, 17 + 2 + 6, 0]) * UNIT
    np.testing.assert_allclose(pts["thorax"][0], thorax_top, atol=1e-9)
    np.testing.assert_allclose(pts["lhumerus"][0], thorax_top + np.array([8, 0, 0]) * UNIT, atol=1e-9)


def test_elbow_dof_bends_forearm_and_keeps_lengths(tmp_path):
    skel = asfamc.parse_asf(write_asf(tmp_path / "HDM_xx.asf"))
    amc = write_amc(tmp_path / "b.amc", [{}, {"rhumerus": (0, 90, 0)}])
    pts = asfamc.forward_kinematics(skel, asfamc.parse_amc(amc, skel))
    upper = pts["rhumerus"] - pts["rclavicle"]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 5 * UNIT, atol=1e-9)
    # ry = 90 about y turns the arm (pointing -x) to point +z (forward).
    np.testing.assert_allclose(upper[1] / np.linalg.norm(upper[1]), [0, 0, 1], atol=1e-9)


def test_read_gives_ntu_with_own_left_and_hdm_labels(tmp_path):
    folder = tmp_path / "3"
    folder.mkdir()
    write_asf(folder / "HDM_bd.asf")
    frames = [{"rhumerus": (0, 0, -a)} for a in np.linspace(0, 80, 12)]  # T-pose right arm swings up
    seq = load_sequence(write_amc(folder / "HDM_bd_grabHighR_001_120.amc", frames))
    skel = seq.skeleton[:, 0]
    assert seq.label == "grabHighR" and seq.fps == 120.0 and seq.subject == asfamc.ACTORS.index("bd")
    assert skel[0, J["left_shoulder"], 0] > 0 > skel[0, J["right_shoulder"], 0]
    assert skel[-1, J["right_wrist"], 1] > skel[-1, J["head"], 1] > skel[-1, J["left_wrist"], 1]
    assert chirality(seq.skeleton) > 0.9 and np.isfinite(skel).all()


def test_truncated_amc_missing_bone_and_nan_are_reported(tmp_path):
    asf = write_asf(tmp_path / "HDM_bd.asf")
    skel = asfamc.parse_asf(asf)
    full = write_amc(tmp_path / "full.amc", [{}, {}]).read_bytes()
    cut = tmp_path / "HDM_bd_squat1Reps_001_120.amc"
    cut.write_bytes(full[: len(full) - 60])
    with pytest.raises(DataFormatError, match=r"HDM_bd_squat1Reps_001_120\.amc.*frame 2 of 2.*truncated"):
        asfamc.parse_amc(cut, skel)
    nan = write_amc(tmp_path / "nan.amc", [{"lfemur": ("nan", 0, 0)}])
    with pytest.raises(DataFormatError, match="NaN"):
        asfamc.parse_amc(nan, skel)
    sub = tmp_path / "sub"
    sub.mkdir()
    bones = [b for b in BONES if b[0] != "lthumb"]
    write_asf(sub / "HDM_bd.asf", bones)
    with pytest.raises(DataFormatError, match="lacks required bone.*lthumb"):
        asfamc.read(write_amc(sub / "HDM_bd_squat1Reps_002_120.amc", [{}], bones))
