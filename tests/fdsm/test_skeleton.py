"""The shared normalization: invariances, gap filling, shapes, and the chirality check."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm import skeleton as sk
from fdsm.data import mapping
from tests.conftest import standing_pose


def test_joint_tables_are_consistent():
    assert len(sk.JOINT_NAMES) == len(sk.PARENTS) == 25
    assert len(sk.BONES) == 24
    flat = [j for pair in sk.LEFT_RIGHT_PAIRS for j in pair]
    assert len(set(flat)) == len(flat) == 20
    for left, right in sk.LEFT_RIGHT_PAIRS:
        assert sk.JOINT_NAMES[left].replace("left", "right") == sk.JOINT_NAMES[right]


@pytest.mark.parametrize("shape", [(40, 25, 3), (40, 1, 25, 3), (40, 2, 25, 3)])
def test_normalize_shape_and_finite(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(np.float32)
    out = sk.normalize(x, 32)
    assert out.shape == (32, 2, 25, 3) and out.dtype == np.float32
    assert np.isfinite(out).all()


def test_normalize_invariant_to_translation_scale_and_turn(waving_sequence):
    ref = sk.normalize(waving_sequence, 32)
    moved = waving_sequence * 1.7 + np.array([3.0, -0.4, 2.0], np.float32)
    turned = moved @ sk.rotation_y(1.1).T
    assert np.allclose(sk.normalize(turned, 32), ref, atol=1e-4)


def test_normalized_body_faces_plus_z_with_left_at_plus_x(waving_sequence):
    out = sk.normalize(waving_sequence @ sk.rotation_y(2.5).T, 32)[:, 0]
    assert (out[:, sk.J["left_hip"], 0] > out[:, sk.J["right_hip"], 0]).all()
    assert sk.chirality(out) > 0.9


def test_chirality_detects_a_mirror():
    pose = np.repeat(standing_pose()[None], 5, axis=0)
    assert sk.chirality(pose) > 0.9
    mirrored = pose * np.array([-1, 1, 1], np.float32)  # flip x but keep joint labels: left/right swapped
    assert sk.chirality(mirrored) < -0.9


def test_gaps_are_filled_and_absent_body_is_zero(waving_sequence):
    x = np.stack([waving_sequence, np.full_like(waving_sequence, np.nan)], axis=1)
    x[10:15, 0] = np.nan
    out = sk.normalize(x, 60)
    assert np.isfinite(out).all()
    assert (out[:, 1] == 0).all()
    ref = sk.normalize(waving_sequence, 60)
    assert np.abs(out[:, 0] - ref[:, 0]).max() < 0.2  # the interpolated gap stays close to the truth


def test_main_body_is_the_most_present_one(waving_sequence):
    other = waving_sequence + np.array([1.0, 0, 0], np.float32)
    other[:30] = np.nan
    x = np.stack([other, waving_sequence], axis=1)
    assert sk.valid_fraction(x) == 1.0
    out = sk.normalize(x, 60)
    assert np.allclose(out[:, 0], sk.normalize(waving_sequence, 60)[:, 0], atol=1e-5)


def test_resample_keeps_endpoints_and_fps_resampling_keeps_duration(waving_sequence):
    r = sk.resample(waving_sequence, 17)
    assert np.allclose(r[0], waving_sequence[0]) and np.allclose(r[-1], waving_sequence[-1])
    assert sk.resample_fps(waving_sequence, 30.0, 15.0).shape[0] == 31
    assert sk.resample_fps(waving_sequence, 120.0, 30.0).shape[0] == 16


def test_bad_shapes_and_empty_input_raise():
    with pytest.raises(ValueError):
        sk.as_bodies(np.zeros((10, 33, 3)))
    with pytest.raises(ValueError):
        sk.normalize(np.zeros((0, 25, 3)), 8)
    with pytest.raises(ValueError):
        sk.normalize(np.full((5, 25, 3), np.nan), 8)


def _kinect_like_pose() -> np.ndarray:
    """A standing pose whose derived joints sit where Kinect puts them, not where the camera rules would."""
    pose = standing_pose().copy()
    pose[sk.J["spine_base"], 1] += 0.08  # Kinect's HipCenter sits above the hip midpoint
    pose[sk.J["neck"]] += [0.0, 0.03, -0.02]
    pose[sk.J["left_hand"]] += [0.01, -0.04, 0.02]
    pose[sk.J["right_hand"]] += [-0.01, -0.05, 0.0]
    return np.repeat(pose[None], 4, axis=0)


def test_camera_joints_moves_exactly_the_derived_joints():
    kinect = _kinect_like_pose()
    out = sk.camera_joints(kinect)
    measured = [j for j in range(25) if j not in sk.CAMERA_DERIVED]
    np.testing.assert_array_equal(out[:, measured], kinect[:, measured])
    moved = np.abs(out - kinect).max(axis=(0, 2)) > 1e-4
    assert set(np.flatnonzero(moved)) <= set(sk.CAMERA_DERIVED)
    assert moved[[sk.J["spine_base"], sk.J["neck"], sk.J["left_hand"], sk.J["right_hand"]]].all()
    j = sk.J
    np.testing.assert_allclose(out[:, j["spine_base"]], (kinect[:, j["left_hip"]] + kinect[:, j["right_hip"]]) / 2)
    top = (kinect[:, j["left_shoulder"]] + kinect[:, j["right_shoulder"]]) / 2
    np.testing.assert_allclose(out[:, j["neck"]], top + 0.4 * (kinect[:, j["head"]] - top), atol=1e-6)
    np.testing.assert_allclose(out[:, j["left_hand"]],
                               (kinect[:, j["left_wrist"]] + 2 * kinect[:, j["left_hand_tip"]]) / 3, atol=1e-6)


def test_camera_joints_is_idempotent_keeps_nan_and_checks_shape():
    kinect = _kinect_like_pose()
    kinect[1, sk.J["left_hip"]] = np.nan
    once = sk.camera_joints(kinect)
    assert np.isnan(once[1, sk.J["spine_base"]]).all() and np.isfinite(once[0]).all()
    np.testing.assert_allclose(sk.camera_joints(once), once, atol=1e-6)
    with pytest.raises(ValueError, match="25, 3"):
        sk.camera_joints(np.zeros((4, 20, 3)))


def test_importer_trunk_estimates_follow_the_camera_rules():
    """The importers' trunk and neck (fdsm.data.mapping) are the camera rules, given the hip-midpoint spine base."""
    assert (sk.SPINE_MID_W, sk.NECK_W) == (0.5, 0.4)
    np.testing.assert_array_equal(sk.palm_point(np.zeros(3), np.full(3, 3.0)), np.full(3, 2.0))
    camera = sk.camera_joints(_kinect_like_pose())
    estimated = mapping.estimate_trunk(camera.copy())
    trunk = [sk.J["spine_mid"], sk.J["neck"], sk.J["spine_shoulder"]]
    np.testing.assert_allclose(estimated[:, trunk], camera[:, trunk], atol=1e-6)
    np.testing.assert_array_equal(estimated[:, sk.J["neck"]], camera[:, sk.J["neck"]])
