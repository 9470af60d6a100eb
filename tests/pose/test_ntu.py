"""The 33 -> 25 mapping: weights, axes, equivariance, and handedness on real frames."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.skeleton import BONES, J, camera_joints, chirality
from pose.ntu import AXES, MAPPING, to_ntu25
from tests.pose.conftest import stack


def test_every_joint_is_a_convex_combination() -> None:
    assert MAPPING.shape == (25, 33)
    assert (MAPPING >= 0).all()
    np.testing.assert_allclose(MAPPING.sum(axis=1), 1.0, atol=1e-6)


def test_documented_formulas() -> None:
    rng = np.random.default_rng(0)
    mp = rng.normal(size=(33, 3)).astype(np.float32)
    up = mp * AXES  # the same points in y-up axes
    ntu = to_ntu25(mp)
    mid = lambda a, b: (up[a] + up[b]) / 2  # noqa: E731
    np.testing.assert_allclose(ntu[J["spine_base"]], mid(23, 24), atol=1e-6)
    np.testing.assert_allclose(ntu[J["spine_shoulder"]], mid(11, 12), atol=1e-6)
    np.testing.assert_allclose(ntu[J["spine_mid"]], (mid(23, 24) + mid(11, 12)) / 2, atol=1e-6)
    np.testing.assert_allclose(ntu[J["head"]], mid(7, 8), atol=1e-6)
    np.testing.assert_allclose(ntu[J["neck"]], 0.6 * mid(11, 12) + 0.4 * mid(7, 8), atol=1e-6)
    np.testing.assert_allclose(ntu[J["left_hand"]], (up[15] + 2 * up[19]) / 3, atol=1e-6)  # index for the pinky
    for name, k in [("left_shoulder", 11), ("right_wrist", 16), ("left_hand_tip", 19), ("right_thumb", 22),
                    ("left_foot", 31), ("right_foot", 32), ("right_knee", 26)]:
        np.testing.assert_allclose(ntu[J[name]], up[k], atol=1e-6)


def test_camera_joints_of_a_live_skeleton_is_the_identity() -> None:
    """The live mapping and the corpora share one rule set: re-deriving a live skeleton changes nothing."""
    mp = np.random.default_rng(3).normal(size=(7, 33, 3)).astype(np.float32)
    live = to_ntu25(mp)
    np.testing.assert_allclose(camera_joints(live), live, atol=1e-6)


def test_axes_are_a_proper_rotation_to_y_up() -> None:
    assert np.linalg.det(np.diag(AXES)) == pytest.approx(1.0)
    # MediaPipe y points down: a point above the hips (negative y) must come out with positive y.
    above = np.zeros((33, 3), np.float32)
    above[[7, 8], 1] = -0.6
    assert to_ntu25(above)[J["head"], 1] == pytest.approx(0.6)


def test_translation_equivariance_and_batches() -> None:
    rng = np.random.default_rng(1)
    mp = rng.normal(size=(4, 33, 3)).astype(np.float32)
    shift = np.array([0.3, -1.0, 2.0], np.float32)
    np.testing.assert_allclose(to_ntu25(mp + shift), to_ntu25(mp) + shift * AXES, atol=1e-5)
    assert to_ntu25(mp).shape == (4, 25, 3)
    with pytest.raises(ValueError, match="33, 3"):
        to_ntu25(np.zeros((25, 3)))


def test_real_clip_is_right_handed_and_not_mirrored(single_run: list) -> None:
    sk = stack(single_run)[:, 0]
    assert chirality(sk) > 0.5  # toes point where (left hip - right hip) x up says the body faces
    # Frame 0: the subject faces the camera, so their own left shoulder is on the image's right...
    first = single_run[0].landmarks[0]
    assert first.image[11, 0] > first.image[12, 0]
    # ...and, in y-up NTU axes with the body facing +z, the left shoulder has the larger x.
    assert sk[0, J["left_shoulder"], 0] > sk[0, J["right_shoulder"], 0]
    assert sk[0, J["head"], 1] > sk[0, J["spine_base"], 1] > sk[0, J["left_ankle"], 1]


def test_bone_lengths_are_stable_on_real_video(single_run: list) -> None:
    sk = stack(single_run)[:, 0]
    lengths = np.stack([np.linalg.norm(sk[:, c] - sk[:, p], axis=-1) for p, c in BONES], axis=1)
    assert np.isfinite(lengths).all()
    spread = lengths.std(axis=0) / lengths.mean(axis=0)
    child = [list(J)[c] for _, c in BONES]
    core = [i for i, n in enumerate(child) if n in {"spine_mid", "spine_shoulder", "left_shoulder", "right_shoulder",
                                                     "left_elbow", "right_elbow", "left_knee", "right_knee",
                                                     "left_ankle", "right_ankle"}]
    forearms = [i for i, n in enumerate(child) if n in {"left_wrist", "right_wrist"}]
    # Measured at 480 px (docs/pose.md): trunk 2 %, thighs/shins 4-6 %, upper arms 6 %, forearms 8-14 %
    # (std / mean over 100 frames; the forearm swings toward the camera, where depth is least certain).
    assert spread[core].max() < 0.08
    assert spread[forearms].max() < 0.2
    assert np.median(spread) < 0.08
