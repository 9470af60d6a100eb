"""The joint estimates shared by importers, synthesis and augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.data import mapping
from fdsm.skeleton import J, chirality, rotation_y
from tests.conftest import standing_pose


def test_hand_points_lie_beyond_the_wrist_along_the_forearm():
    p = mapping.estimate_hands(standing_pose().copy())
    for side in ("left", "right"):
        wrist, elbow = p[J[f"{side}_wrist"]], p[J[f"{side}_elbow"]]
        f = wrist - elbow
        np.testing.assert_allclose(p[J[f"{side}_hand_tip"]], wrist + mapping.TIP_FRACTION * f, atol=1e-6)
        np.testing.assert_allclose(p[J[f"{side}_hand"]], wrist + mapping.HAND_FRACTION * f, atol=1e-6)
        thumb = p[J[f"{side}_thumb"]] - wrist
        assert thumb[2] > 0.03  # thumbs point where the body faces (+z)
        assert np.dot(thumb, f) > 0


def test_trunk_neck_and_feet_estimates():
    p = mapping.estimate_feet(mapping.estimate_trunk(standing_pose().copy()))
    sh = 0.5 * (p[J["left_shoulder"]] + p[J["right_shoulder"]])
    np.testing.assert_allclose(p[J["spine_shoulder"]], sh, atol=1e-6)
    np.testing.assert_allclose(p[J["spine_mid"]], 0.5 * (p[J["spine_base"]] + sh), atol=1e-6)
    assert sh[1] < p[J["neck"]][1] < p[J["head"]][1]
    assert chirality(p[None]) > 0.99  # estimated toes point forward


@pytest.mark.parametrize("angle", [0.3, 2.0, -2.5])
def test_estimates_turn_with_the_body(angle):
    rot = rotation_y(angle)
    base = standing_pose()
    turned_then_estimated = mapping.estimate_feet(mapping.estimate_hands(base @ rot.T))
    estimated_then_turned = mapping.estimate_feet(mapping.estimate_hands(base.copy())) @ rot.T
    np.testing.assert_allclose(turned_then_estimated, estimated_then_turned, atol=1e-5)


def test_estimates_work_on_batches_and_keep_nan():
    batch = np.repeat(standing_pose()[None, None], 4, axis=0).repeat(2, axis=1)
    batch[:, 1] = np.nan
    out = mapping.estimate_hands(mapping.estimate_trunk(batch))
    assert np.isfinite(out[:, 0]).all() and np.isnan(out[:, 1]).all()
