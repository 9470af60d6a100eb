"""Augmentations: determinism, geometry, MediaPipe-shaped noise and dropouts, live joint estimates."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm import augment as aug
from fdsm.data import mapping
from fdsm.skeleton import BONES, J, normalize


def test_same_generator_seed_same_result(waving_sequence):
    a = aug.augment(waving_sequence, np.random.default_rng(7))
    b = aug.augment(waving_sequence, np.random.default_rng(7))
    c = aug.augment(waving_sequence, np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert a.ndim == 4 and a.shape[1:] == (1, 25, 3)
    assert not np.array_equal(np.nan_to_num(a), np.nan_to_num(c)) or a.shape != c.shape


def test_rotation_keeps_bone_lengths_and_yaw_keeps_heights(waving_sequence):
    turned = aug.rotate(waving_sequence, 1.1)
    np.testing.assert_allclose(turned[..., 1], waving_sequence[:, None, :, 1], atol=1e-6)
    tilted = aug.rotate(waving_sequence, 0.4, 0.2)
    for p, c in BONES:
        np.testing.assert_allclose(np.linalg.norm(tilted[:, 0, c] - tilted[:, 0, p], axis=-1),
                                   np.linalg.norm(waving_sequence[:, c] - waving_sequence[:, p], axis=-1), atol=1e-5)


def test_yaw_and_uniform_scale_are_undone_by_normalize_but_tilt_is_not(waving_sequence):
    ref = normalize(waving_sequence, 32)
    same = normalize(aug.scale(aug.rotate(waving_sequence, 2.0), 1.3), 32)
    np.testing.assert_allclose(same, ref, atol=1e-4)
    assert np.abs(normalize(aug.rotate(waving_sequence, 0.0, 0.15), 32) - ref).max() > 0.05


def test_spine_shift_moves_the_base_up_the_spine_only(waving_sequence):
    out = aug.shift_spine_base(waving_sequence, 0.2)[:, 0]
    base, top = waving_sequence[:, J["spine_base"]], waving_sequence[:, J["spine_shoulder"]]
    np.testing.assert_allclose(out[:, J["spine_base"]], base + 0.2 * (top - base), atol=1e-6)
    mid = waving_sequence[:, J["spine_mid"]]
    np.testing.assert_allclose(out[:, J["spine_mid"]], mid + 0.1 * (top - base), atol=1e-6)
    others = [j for j in range(25) if j not in (J["spine_base"], J["spine_mid"])]
    np.testing.assert_array_equal(out[:, others], waving_sequence[:, others])


def test_anisotropic_scale_and_speed():
    x = np.ones((10, 25, 3), np.float32)
    np.testing.assert_allclose(aug.scale(x, 2.0, 1.1)[0, 0, 0], [2.0, 2.2, 2.0], atol=1e-6)
    assert aug.change_speed(np.zeros((60, 25, 3)), 1.25).shape[0] == 48
    assert aug.change_speed(np.zeros((60, 25, 3)), 0.8).shape[0] == 75
    ramp = np.linspace(0, 1, 60, dtype=np.float32)[:, None, None] * np.ones((60, 25, 3), np.float32)
    fast = aug.change_speed(ramp, 2.0)
    np.testing.assert_allclose(fast[[0, -1], 0, 0, 0], [0.0, 1.0], atol=1e-6)  # same motion, fewer frames


def test_noise_is_larger_at_hands_and_feet_than_at_the_trunk():
    x = np.zeros((4000, 25, 3), np.float32)
    noisy = aug.add_noise(x, np.random.default_rng(0), sigma=0.01, offset=0.0)
    std = noisy[:, 0].std(axis=(0, 2))
    assert std[J["right_hand_tip"]] == pytest.approx(0.025, rel=0.05)
    assert std[J["left_foot"]] > 2 * std[J["spine_base"]]
    assert std[J["spine_base"]] == pytest.approx(0.006, rel=0.05)


def test_dropouts_are_short_nan_runs_and_whole_frames():
    x = np.zeros((2000, 25, 3), np.float32)
    out = aug.drop(x, np.random.default_rng(1), rate=0.01, max_frames=4, frame_loss=0.05)[:, 0]
    lost = np.isnan(out).all(axis=(1, 2))
    assert 0.03 < lost.mean() < 0.07
    joint_nan = np.isnan(out[~lost]).any(axis=-1)
    assert 0.01 < joint_nan.mean() < 0.05  # about rate x mean run length
    assert np.isnan(out).any(axis=-1).sum() == np.isnan(out).all(axis=-1).sum()  # x, y, z vanish together
    none = aug.drop(x, np.random.default_rng(1), rate=0.0, max_frames=4, frame_loss=0.0)
    assert np.isfinite(none).all()


def test_live_joints_match_the_shared_mapping(waving_sequence):
    skel = waving_sequence.copy()
    skel[:, J["right_hand_tip"]] += 0.2  # a source's own hand tip, unlike what the live mapping gives
    live = aug.live_joints(skel)[:, 0]
    expected = mapping.estimate_hands(mapping.estimate_trunk(skel.copy()))
    np.testing.assert_allclose(live, expected, atol=1e-6)
    np.testing.assert_allclose(aug.live_joints(live)[:, 0], live, atol=1e-6)  # idempotent


def test_all_steps_off_changes_nothing(waving_sequence):
    cfg = aug.AugmentConfig(live_joints=0.0, spine_shift=(0.0, 0.0), yaw=0.0, tilt=0.0, scale=(1.0, 1.0), aniso=0.0,
                            speed=(1.0, 1.0), noise=0.0, offset=0.0, dropout=0.0, frame_loss=0.0)
    np.testing.assert_allclose(aug.augment(waving_sequence, np.random.default_rng(0), cfg)[:, 0], waving_sequence,
                               atol=1e-6)


def test_augmented_clips_still_normalize(waving_sequence):
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert np.isfinite(normalize(aug.augment(waving_sequence, rng), 32)).all()


def test_camera_mode_keeps_the_camera_joints_consistent(waving_sequence):
    """After the measured noise, the derived joints are re-derived from the noisy measured ones, as live."""
    from fdsm.skeleton import camera_joints

    cfg = aug.AugmentConfig(camera=True)
    for seed in range(5):
        out = aug.augment(waving_sequence, np.random.default_rng(seed), cfg)
        ok = np.isfinite(out).all(axis=(1, 2, 3))
        np.testing.assert_allclose(camera_joints(out[ok]), out[ok], atol=1e-5)


def test_camera_noise_matches_the_measured_figures_on_a_still_pose():
    """Unfiltered (a cut-off far above the frame rate), the per-group and root jitter are the measured ones."""
    from tests.conftest import standing_pose

    pose = np.repeat(standing_pose()[None], 4000, axis=0)
    out = aug.camera_noise(pose, np.random.default_rng(0), cutoff_hz=1e6)[:, 0]
    diff = out - pose
    shared = diff[:, [aug.J[n] for n in aug.CAMERA_GROUPS["trunk"]]].mean(axis=1)  # root jitter dominates the mean
    root = np.asarray(aug.CAMERA_ROOT_MM) / 1000.0
    assert shared[:, 2].std() > shared[:, 0].std()  # depth is the noisiest axis of the body's position
    for group, names in aug.CAMERA_GROUPS.items():
        d = diff[:, [aug.J[n] for n in names]]
        rms = np.sqrt(np.mean(d**2))
        expected = np.sqrt((aug.CAMERA_JITTER_MM[group] / 1000.0) ** 2 + np.mean(root**2))
        assert rms == pytest.approx(expected, rel=0.05), group
        assert d[..., 2].std() > d[..., 0].std()  # depth jitter exceeds jitter across the image


def test_low_pass_is_the_one_euro_at_rest():
    noise = np.random.default_rng(0).normal(size=(20000, 1))
    a = 1.0 / (1.0 + 30.0 / (2 * np.pi * 1.0))
    assert aug.low_pass(noise, 1.0).std() == pytest.approx(np.sqrt(a / (2 - a)), rel=0.05)
    np.testing.assert_array_equal(aug.low_pass(noise, 1.0)[0], noise[0])


def test_the_training_config_switches_camera_noise_on():
    from fdsm.training.config import default_config
    from fdsm.training.windows import find_augment

    assert default_config()["encoder"]["camera_noise"] is False
    camera = find_augment(camera=True)
    assert camera.keywords["cfg"].camera and find_augment() is aug.augment
