"""The shared normalization: invariances, gap filling, shapes, and the chirality check."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm import skeleton as sk
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
