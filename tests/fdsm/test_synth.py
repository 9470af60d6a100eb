"""The synthetic motion generator: determinism, plausible bodies, one-sided classes, the bank."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.data.builder import load_prompt_bank
from fdsm.default_model import synth
from fdsm.skeleton import BONES, J, chirality, normalize

NAMES = [c["name"] for c in load_prompt_bank("synth")]


def _perform(name, seed=0):
    return synth.generate(NAMES.index(name), np.random.default_rng(seed))


def test_bank_has_one_class_per_motion_with_all_texts():
    bank = load_prompt_bank("synth")
    assert len(bank) == len(synth.MOTIONS) >= 15
    assert all(c["name"] and c["definition"] and c["kinematics"] for c in bank)


def test_same_seed_same_corpus_other_seed_differs():
    a = synth.build(None, seed=3, per_class=2)
    b = synth.build(None, seed=3, per_class=2)
    c = synth.build(None, seed=4, per_class=2)
    assert len(a) == 2 * len(synth.MOTIONS) and a.classes == NAMES
    for x, y in zip(a.sequences, b.sequences, strict=True):
        np.testing.assert_array_equal(x.skeleton, y.skeleton)
    assert not np.array_equal(a.sequences[0].skeleton, c.sequences[0].skeleton)


@pytest.mark.parametrize("label", range(len(synth.MOTIONS)))
def test_every_class_gives_a_plausible_standing_body(label):
    skel = synth.generate(label, np.random.default_rng(label))
    t = skel.shape[0]
    assert skel.dtype == np.float32 and 60 <= t <= 120 and np.isfinite(skel).all()
    assert chirality(skel) > 0.9
    feet = skel[:, [J["left_foot"], J["right_foot"], J["left_ankle"], J["right_ankle"]], 1].min(axis=1)
    assert np.median(feet) == pytest.approx(0.0, abs=0.06)  # the lowest foot stays on the floor
    lengths = np.stack([np.linalg.norm(skel[:, c] - skel[:, p], axis=-1) for p, c in BONES], axis=1)
    measured = [J[n] for n in ("left_elbow", "right_elbow", "left_knee", "right_knee", "left_ankle", "right_ankle")]
    rows = [k for k, (_, c) in enumerate(BONES) if c in measured]
    spread = lengths[:, rows].std(axis=0) / lengths[:, rows].mean(axis=0)
    assert (spread < 0.15).all()  # rigid limbs up to the added joint noise
    assert np.isfinite(normalize(skel, 32)).all()


@pytest.mark.parametrize(("name", "side", "joint"), [
    ("wave right hand", "right", "wrist"), ("wave left hand", "left", "wrist"),
    ("raise right knee", "right", "knee"), ("raise left knee", "left", "knee"), ("kick", "right", "ankle"),
])  # fmt: skip
def test_one_sided_classes_move_the_named_side(name, side, joint):
    other = "left" if side == "right" else "right"
    for seed in range(3):
        skel = _perform(name, seed)
        assert skel[:, J[f"{side}_{joint}"], 1].max() > skel[:, J[f"{other}_{joint}"], 1].max() + 0.15


def test_clap_brings_hands_together_and_jump_leaves_the_floor():
    clap = _perform("clap hands")
    gap = np.linalg.norm(clap[:, J["left_wrist"]] - clap[:, J["right_wrist"]], axis=-1)
    assert gap.min() < 0.12 < 0.3 < gap.max()
    jump = _perform("jump in place")
    base = jump[:, J["spine_base"], 1]
    assert base.max() - np.median(base) > 0.08


@pytest.mark.parametrize(("name", "side"), [
    ("drink water", "right"), ("make a phone call", "right"), ("salute", "right"), ("brush teeth", "right"),
    ("eat", "right"), ("brush hair", "right"), ("sneeze", "right"), ("neck pain", "right"),
])  # fmt: skip
def test_hand_to_head_classes_bring_the_named_hand_to_the_head(name, side):
    other = "left" if side == "right" else "right"
    for seed in range(3):
        skel = _perform(name, seed)
        near = np.linalg.norm(skel[:, J[f"{side}_wrist"]] - skel[:, J["head"]], axis=-1)
        far = np.linalg.norm(skel[:, J[f"{other}_wrist"]] - skel[:, J["head"]], axis=-1)
        assert near.min() < 0.22 < 0.5 < far.min()


def test_lunge_lowers_the_hips_and_hop_lifts_one_foot():
    lunge = _perform("lunge")
    base = lunge[:, J["spine_base"], 1]
    assert base.max() - base.min() > 0.15
    hop = _perform("hop on one leg")
    assert (hop[:, J["right_ankle"], 1] - hop[:, J["left_ankle"], 1]).min() > 0.1  # the right foot never lands


def _lateral(skel, joint):
    """Signed distance of `joint` from the spine base along the subject's left (hips define the axis)."""
    left = skel[:, J["left_hip"]] - skel[:, J["right_hip"]]
    left /= np.linalg.norm(left, axis=-1, keepdims=True)
    return ((skel[:, J[joint]] - skel[:, J["spine_base"]]) * left).sum(-1)


def test_fall_down_ends_low_and_toe_touches_bring_the_hands_down_not_the_hips():
    for seed in range(3):
        fall = _perform("fall down", seed)
        base = fall[:, J["spine_base"], 1]
        assert base[:5].mean() - base[-5:].mean() > 0.25  # once per take: it ends on the floor
        toes = _perform("toe touches", seed)
        assert toes[:, J["left_wrist"], 1].min() < 0.6 and toes[:, J["right_wrist"], 1].min() < 0.6
        assert np.ptp(toes[:, J["spine_base"], 1]) < 0.1


def test_side_kick_moves_the_right_foot_out_and_both_hands_wipe_the_face():
    for seed in range(3):
        kick = _perform("side kick", seed)
        assert -_lateral(kick, "right_ankle").min() > 0.35 > _lateral(kick, "left_ankle").max()
        wipe = _perform("wipe the face", seed)
        for side in ("left", "right"):
            assert np.linalg.norm(wipe[:, J[f"{side}_wrist"]] - wipe[:, J["head"]], axis=-1).min() < 0.2


def test_reach_into_a_pocket_brings_the_right_hand_to_the_right_hip():
    for seed in range(3):
        skel = _perform("reach into a pocket", seed)
        near = np.linalg.norm(skel[:, J["right_wrist"]] - skel[:, J["right_hip"]], axis=-1)
        far = np.linalg.norm(skel[:, J["left_wrist"]] - skel[:, J["left_hip"]], axis=-1)
        assert near.min() < 0.16 < far.min()
