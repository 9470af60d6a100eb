"""BVH parsing and forward kinematics, and the Bandai joint map, on files the tests write."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.data import bandai, bvh, load_sequence
from fdsm.errors import DataFormatError
from fdsm.skeleton import J, chirality

BANDAI_TREE = [  # (name, parent, offset in cm): a standing figure facing +z, left at +x
    ("joint_Root", None, (0, 0, 0)), ("Hips", "joint_Root", (0, 95, 0)), ("Spine", "Hips", (0, 10, 0)),
    ("Chest", "Spine", (0, 20, 0)), ("Neck", "Chest", (0, 20, 0)), ("Head", "Neck", (0, 10, 0)),
    ("Shoulder_L", "Chest", (5, 15, 0)), ("UpperArm_L", "Shoulder_L", (12, 0, 0)),
    ("LowerArm_L", "UpperArm_L", (0, -28, 0)), ("Hand_L", "LowerArm_L", (0, -25, 0)),
    ("Shoulder_R", "Chest", (-5, 15, 0)), ("UpperArm_R", "Shoulder_R", (-12, 0, 0)),
    ("LowerArm_R", "UpperArm_R", (0, -28, 0)), ("Hand_R", "LowerArm_R", (0, -25, 0)),
    ("UpperLeg_L", "Hips", (9, -5, 0)), ("LowerLeg_L", "UpperLeg_L", (0, -42, 0)),
    ("Foot_L", "LowerLeg_L", (0, -40, 0)), ("Toes_L", "Foot_L", (0, -6, 12)),
    ("UpperLeg_R", "Hips", (-9, -5, 0)), ("LowerLeg_R", "UpperLeg_R", (0, -42, 0)),
    ("Foot_R", "LowerLeg_R", (0, -40, 0)), ("Toes_R", "Foot_R", (0, -6, 12)),
]  # fmt: skip
CHANNELS = "Xposition Yposition Zposition Zrotation Xrotation Yrotation"


def write_bvh(path, tree, rows, frames=None):
    """Write a BVH whose every joint has 6 channels (positions = offsets), like the Bandai files."""
    children = {n: [c for c, p, _ in tree if p == n] for n, _, _ in tree}
    lines = ["HIERARCHY"]

    def emit(name, depth, root=False):
        pad = "  " * depth
        off = dict((n, o) for n, _, o in tree)[name]
        lines.extend([f"{pad}{'ROOT' if root else 'JOINT'} {name}", f"{pad}{{",
                      f"{pad}  OFFSET {off[0]} {off[1]} {off[2]}", f"{pad}  CHANNELS 6 {CHANNELS}"])
        for c in children[name]:
            emit(c, depth + 1)
        if not children[name]:
            lines.extend([f"{pad}  End Site", f"{pad}  {{", f"{pad}    OFFSET 0 0 0", f"{pad}  }}"])
        lines.append(f"{pad}}}")

    emit(tree[0][0], 0, root=True)
    lines += ["MOTION", f"Frames: {len(rows) if frames is None else frames}", "Frame Time: 0.0333333"]
    lines += [" ".join(f"{v:.6f}" for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def rest_rows(tree, t):
    """`(t, 6 J)` rows: each joint's position channels = its offset, zero rotations."""
    row = np.concatenate([[*o, 0, 0, 0] for _, _, o in tree]).astype(float)
    return np.repeat(row[None], t, axis=0)


def test_axis_rotation_is_right_handed():
    r = bvh.axis_rotation("Z", np.array([90.0]))[0]
    np.testing.assert_allclose(r @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    r = bvh.axis_rotation("Y", np.array([90.0]))[0]
    np.testing.assert_allclose(r @ [0, 0, 1], [1, 0, 0], atol=1e-12)


def test_rest_pose_fk_is_sum_of_offsets(tmp_path):
    motion = bvh.parse(write_bvh(tmp_path / "a.bvh", BANDAI_TREE, rest_rows(BANDAI_TREE, 3)))
    pos = bvh.forward_kinematics(motion)
    hand = motion.names.index("Hand_L")
    np.testing.assert_allclose(pos[:, hand], [[17, 95 + 30 + 15 - 53, 0]] * 3, atol=1e-9)


def test_elbow_rotation_moves_only_the_forearm(tmp_path):
    rows = rest_rows(BANDAI_TREE, 2)
    k = [n for n, _, _ in BANDAI_TREE].index("LowerArm_R")
    rows[1, 6 * k + 4] = -90.0  # Xrotation of the right elbow: the forearm swings forward (+z)
    pos = bvh.forward_kinematics(bvh.parse(write_bvh(tmp_path / "b.bvh", BANDAI_TREE, rows)))
    hand, elbow = k + 1, k
    np.testing.assert_allclose(pos[1, elbow], pos[0, elbow], atol=1e-9)
    np.testing.assert_allclose(pos[1, hand] - pos[1, elbow], [0, 0, 25], atol=1e-9)
    assert np.linalg.norm(pos[1, hand] - pos[1, elbow]) == pytest.approx(25.0)


def test_bandai_read_maps_sides_units_and_fps(tmp_path):
    rows = rest_rows(BANDAI_TREE, 30)
    k = [n for n, _, _ in BANDAI_TREE].index("UpperArm_R")
    rows[:, 6 * k + 3] = np.linspace(0, -170, 30)  # Zrotation lifts the right arm sideways and up
    path = write_bvh(tmp_path / "dataset-2_wave-right-hand_exhausted_001.bvh", BANDAI_TREE, rows)
    seq = load_sequence(path)
    skel = seq.skeleton[:, 0]
    assert seq.fps == pytest.approx(30.0) and seq.label == "wave-right-hand" and seq.meta["style"] == "exhausted"
    assert skel[0, J["spine_base"], 1] == pytest.approx(0.90)  # the hip joints' midpoint, in metres
    assert skel[0, J["left_shoulder"], 0] > 0 > skel[0, J["right_shoulder"], 0]
    assert skel[-1, J["right_wrist"], 1] > skel[-1, J["head"], 1] > skel[-1, J["left_wrist"], 1]
    assert chirality(seq.skeleton) > 0.9
    assert np.isfinite(seq.skeleton).all()


def test_truncated_bvh_names_file_and_reason(tmp_path):
    path = write_bvh(tmp_path / "t.bvh", BANDAI_TREE, rest_rows(BANDAI_TREE, 5), frames=9)
    with pytest.raises(DataFormatError, match=r"t\.bvh.*truncated: 5 of 9 frames"):
        bvh.parse(path)
    cut = tmp_path / "cut.bvh"
    cut.write_text(path.read_text()[:300])
    with pytest.raises(DataFormatError, match="cut.bvh"):
        bvh.parse(cut)


def test_nan_motion_and_missing_joint_are_errors(tmp_path):
    rows = rest_rows(BANDAI_TREE, 3)
    rows[1, 7] = np.nan
    with pytest.raises(DataFormatError, match="NaN"):
        bvh.parse(write_bvh(tmp_path / "n.bvh", BANDAI_TREE, rows))
    tree = [j for j in BANDAI_TREE if j[0] not in ("Toes_L",)]
    path = write_bvh(tmp_path / "dataset-1_walk_normal_001.bvh", tree, rest_rows(tree, 3))
    with pytest.raises(DataFormatError, match="lacks required joint.*Toes_L"):
        bandai.read(path)


def test_style_texts_compose_content_and_style():
    cls = {"name": "wave right hand", "definition": "Wave the right hand.", "kinematics": "The right arm sways."}
    name, definition, kin = bandai.style_texts(cls, "exhausted")
    assert name == "wave right hand, exhausted"
    assert definition.startswith("Wave the right hand, ") and "exhausted" in kin
    assert bandai.style_texts(cls, "normal") == ("", "", "")


def test_every_compositional_text_fits_the_35_token_text_stream():
    minilm = pytest.importorskip("fdsm.text.minilm")
    from fdsm.data.builder import load_prompt_bank

    tok = minilm.load_tokenizer()
    for cls in load_prompt_bank("bandai"):
        for style in bandai.STYLES:
            for text in bandai.style_texts(cls, style):
                assert len(tok.encode(text).ids) <= 35, (cls["name"], style, text)
