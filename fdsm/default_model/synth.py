"""Synthetic NTU-25 motions for actions the real mocap pool lacks but webcam users will type.

Each class is a small parametric program: per frame it sets a handful of body angles (torso pitch,
side bend and twist, head nod and turn, upper-arm and forearm directions, hip flexion, abduction and
knee bend) from a phase that advances at a randomized speed. `render` turns the angles into joint
positions for a body with randomized proportions (height 1.5-1.95 m, limb ratios +-6 %), keeps the
lowest foot on the floor, then turns the body to a random facing, places it, and adds joint noise.
Hands, thumbs and neck come from `fdsm.data.mapping`, as for the real datasets. Everything is drawn
from one numpy Generator, so a seed fixes the corpus.

Angles (degrees) in the body frame (x = the subject's left, y up, z forward): an arm segment's
direction is (sin r cos s . side, -cos r, sin r sin s) for raise r (0 hanging, 90 level, 180 overhead)
and swing s (0 out to the side, 90 to the front, >90 across the body); a thigh's is (sin a . side,
-cos f cos a, sin f cos a) for flexion f and abduction a, the shin's uses f - knee.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from fdsm.data import Sequence
from fdsm.data.builder import make_corpus
from fdsm.data.corpus import Corpus
from fdsm.data.mapping import estimate_hands, estimate_neck
from fdsm.skeleton import DEFAULT_FPS, J, rotation_y

BANK = "synth"
ARM_REST = (8.0, 0.0, 12.0, 40.0)  # upper-arm raise, swing; forearm raise, swing
HANDS_ON_HIPS = (40.0, -10.0, 50.0, 170.0)  # elbows out to the sides, wrists at the hips
HAND_TO_MOUTH = (86.0, 102.0, 127.0, -124.0)  # right wrist at the mouth (fitted for a 1.75 m body)
Angles = dict[str, np.ndarray]


def _rx(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def _rz(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def _ry(a: np.ndarray) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    z, o = np.zeros_like(a), np.ones_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def _segment(raise_deg: np.ndarray, swing_deg: np.ndarray, side: float) -> np.ndarray:
    r, s = np.radians(raise_deg), np.radians(swing_deg)
    return np.stack([np.sin(r) * np.cos(s) * side, -np.cos(r), np.sin(r) * np.sin(s)], -1)


def random_body(rng: np.random.Generator) -> dict[str, float]:
    """Segment lengths (metres) of a random adult: height 1.5-1.95 m, each ratio varied +-6 %."""
    h = rng.uniform(1.5, 1.95)
    ratios = {"pelvis": 0.055, "thigh": 0.245, "shin": 0.245, "ankle": 0.04, "torso": 0.25, "shoulder": 0.105,
              "upper_arm": 0.172, "forearm": 0.155, "head": 0.11, "foot": 0.09}
    return {k: h * v * rng.uniform(0.94, 1.06) for k, v in ratios.items()}


def render(body: dict[str, float], a: Angles) -> np.ndarray:
    """`(T, 25, 3)` joint positions in the body frame (facing +z) from per-frame angles."""
    t = len(a["pitch"])
    skel = np.full((t, 25, 3), np.nan)
    torso = _ry(np.radians(a["twist"])) @ _rz(np.radians(-a["roll"])) @ _rx(np.radians(a["pitch"]))
    up = torso[..., :, 1]
    left = torso[..., :, 0]
    legs = {}
    for side, name in ((1.0, "left"), (-1.0, "right")):
        f, ab, kn = (np.radians(a[f"{name}_leg"][:, i]) for i in range(3))
        thigh = np.stack([np.sin(ab) * side, -np.cos(f) * np.cos(ab), np.sin(f) * np.cos(ab)], -1)
        shin = np.stack([np.sin(ab) * side, -np.cos(f - kn) * np.cos(ab), np.sin(f - kn) * np.cos(ab)], -1)
        legs[name] = (side, thigh * body["thigh"], shin * body["shin"])
    drop = np.max([-(th[:, 1] + sh[:, 1]) for _, th, sh in legs.values()], axis=0) + body["ankle"]
    base = np.stack([np.zeros(t), drop + a["lift"], np.zeros(t)], -1)
    skel[:, J["spine_base"]] = base
    for name, (side, thigh, shin) in legs.items():
        hip = base + np.array([side * body["pelvis"], 0.0, 0.0])
        knee, ankle = hip + thigh, hip + thigh + shin
        skel[:, J[f"{name}_hip"]], skel[:, J[f"{name}_knee"]], skel[:, J[f"{name}_ankle"]] = hip, knee, ankle
        skel[:, J[f"{name}_foot"]] = ankle + np.array([0.0, -body["ankle"] * 0.7, body["foot"]])
    top = base + up * body["torso"]
    skel[:, J["spine_shoulder"]] = top
    skel[:, J["spine_mid"]] = base + up * body["torso"] * 0.5
    head_dir = torso @ (_ry(np.radians(a["head_yaw"])) @ _rx(np.radians(a["head_pitch"])))[..., :, 1:]
    skel[:, J["head"]] = top + head_dir[..., 0] * body["head"] + head_dir[..., 1] * 0.03
    for side, name in ((1.0, "left"), (-1.0, "right")):
        arm = a[f"{name}_arm"]
        shoulder = top + side * left * body["shoulder"] - up * 0.02
        elbow = shoulder + np.einsum("tij,tj->ti", torso, _segment(arm[:, 0], arm[:, 1], side)) * body["upper_arm"]
        wrist = elbow + np.einsum("tij,tj->ti", torso, _segment(arm[:, 2], arm[:, 3], side)) * body["forearm"]
        for joint, xyz in (("shoulder", shoulder), ("elbow", elbow), ("wrist", wrist)):
            skel[:, J[f"{name}_{joint}"]] = xyz
    estimate_neck(skel)
    return estimate_hands(skel).astype(np.float32)


def rest(t: int) -> Angles:
    """Standing at ease for `t` frames."""
    z = np.zeros(t)
    arm = np.tile(ARM_REST, (t, 1))
    leg = np.tile((0.0, 3.0, 0.0), (t, 1))
    return {"pitch": z.copy(), "roll": z.copy(), "twist": z.copy(), "head_pitch": z.copy(), "head_yaw": z.copy(),
            "lift": z.copy(), "left_arm": arm, "right_arm": arm.copy(), "left_leg": leg, "right_leg": leg.copy()}


def _ramp(p: np.ndarray) -> np.ndarray:
    """0..1..0 once per cycle (raised cosine)."""
    return 0.5 - 0.5 * np.cos(p)


def _arm(c: np.ndarray, start: tuple, end: tuple) -> np.ndarray:
    """Per-frame arm angles moving from `start` (c = 0) to `end` (c = 1)."""
    return np.stack([s + (e - s) * c for s, e in zip(start, end, strict=True)], -1)


def clap(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p)
    for name in ("left", "right"):
        a[f"{name}_arm"] = _arm(c, (55, 55, 80, 55), (60, 100, 85, 125))
    return a


def jumping_jacks(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p)
    for name in ("left", "right"):
        a[f"{name}_arm"] = _arm(c, (10, 0, 12, 0), (170 * k, 10, 175 * k, 10))
        a[f"{name}_leg"][:, 1] = 3 + 17 * k * c
        a[f"{name}_leg"][:, 2] = 10 * np.abs(np.sin(p))
    a["lift"] = 0.06 * k * np.abs(np.sin(p))
    return a


def squat(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p) * k
    for name in ("left", "right"):
        a[f"{name}_leg"] = np.stack([95 * c, np.full_like(c, 8), 115 * c], -1)
        a[f"{name}_arm"] = _arm(c, ARM_REST, (80, 90, 80, 90))
    a["pitch"] = 35 * c
    return a


def arm_circles(p: np.ndarray, k: float, a: Angles) -> Angles:
    for name in ("left", "right"):
        r = 90 + 30 * k * np.sin(p)
        s = 30 * k * np.cos(p)
        a[f"{name}_arm"] = np.stack([r, s, r, s], -1)
    return a


def touch_head(side: str) -> Callable[[np.ndarray, float, Angles], Angles]:
    def motion(p: np.ndarray, k: float, a: Angles) -> Angles:
        a[f"{side}_arm"] = _arm(_ramp(p), ARM_REST, (135, 45, 110, 165))
        return a
    return motion


def raise_knee(side: str) -> Callable[[np.ndarray, float, Angles], Angles]:
    def motion(p: np.ndarray, k: float, a: Angles) -> Angles:
        c = _ramp(p) * k
        a[f"{side}_leg"] = np.stack([95 * c, np.full_like(c, 3), 95 * c], -1)
        return a
    return motion


def nod(p: np.ndarray, k: float, a: Angles) -> Angles:
    a["head_pitch"] = 25 * k * _ramp(p)
    return a


def shake_head(p: np.ndarray, k: float, a: Angles) -> Angles:
    a["head_yaw"] = 40 * k * np.sin(p)
    return a


def wave(side: str) -> Callable[[np.ndarray, float, Angles], Angles]:
    def motion(p: np.ndarray, k: float, a: Angles) -> Angles:
        r = 155 + 25 * k * np.sin(p)
        a[f"{side}_arm"] = np.stack([np.full_like(p, 140), np.full_like(p, 30), r, np.full_like(p, 20)], -1)
        return a
    return motion


def punch(p: np.ndarray, k: float, a: Angles) -> Angles:
    for name, shift in (("left", 0.0), ("right", np.pi)):
        e = np.clip(np.sin(p + shift), 0, None) ** 2 * k
        a[f"{name}_arm"] = _arm(e, (35, 70, 150, 105), (88, 92, 90, 95))
    return a


def kick(p: np.ndarray, k: float, a: Angles) -> Angles:
    e = _ramp(p)
    a["right_leg"] = np.stack([85 * k * e, np.full_like(e, 3), 80 * np.sin(np.pi * e) ** 2], -1)
    a["left_arm"] = _arm(e, ARM_REST, (35, 30, 40, 60))
    a["right_arm"] = _arm(e, ARM_REST, (35, 30, 40, 60))
    return a


def bow(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p) * k
    a["pitch"] = 55 * c
    a["head_pitch"] = 15 * c
    return a


def side_bend(p: np.ndarray, k: float, a: Angles) -> Angles:
    a["roll"] = 30 * k * np.sin(p)
    return a


def march(p: np.ndarray, k: float, a: Angles) -> Angles:
    for name, shift in (("left", 0.0), ("right", np.pi)):
        e = np.clip(np.sin(p + shift), 0, None) * k
        a[f"{name}_leg"] = np.stack([65 * e, np.full_like(e, 3), 75 * e], -1)
        swing = 35 * k * np.sin(p + shift + np.pi)
        a[f"{name}_arm"] = np.stack([swing, np.full_like(e, 90), swing + 20, np.full_like(e, 90)], -1)
    return a


def stand(p: np.ndarray, k: float, a: Angles) -> Angles:
    a["roll"] = 2 * np.sin(p)
    a["head_yaw"] = 8 * np.sin(0.7 * p)
    return a


def twist(p: np.ndarray, k: float, a: Angles) -> Angles:
    a["twist"] = 40 * k * np.sin(p)
    for name in ("left", "right"):
        a[f"{name}_arm"] = np.tile((40, 60, 90, 110), (len(p), 1)).astype(float)
    return a


def jump(p: np.ndarray, k: float, a: Angles) -> Angles:
    air = np.clip(np.sin(p), 0, None)
    crouch = np.clip(-np.sin(p), 0, None)
    a["lift"] = 0.25 * k * air
    for name in ("left", "right"):
        a[f"{name}_leg"] = np.stack([40 * crouch, np.full_like(p, 5), 70 * crouch], -1)
        a[f"{name}_arm"] = _arm(air, (25, 95, 30, 95), (150, 60, 160, 60))
    a["pitch"] = 20 * crouch
    return a


def _hold(p: np.ndarray) -> np.ndarray:
    """0..1, held at 1 for most of the cycle, back to 0: reach a pose, keep it, release it."""
    return np.clip(1.6 * _ramp(p), 0, 1)


def hold_pose(arms: dict[str, tuple], pitch: float = 0.0, head_pitch: float = 0.0, wiggle: tuple = (0, 0, 0, 0),
              rate: float = 0.0) -> Callable[[np.ndarray, float, Angles], Angles]:
    """A motion that moves the named arms from rest to `arms[side]`, holds, and returns (torso, head follow).

    While held, the arm angles can oscillate by `wiggle` degrees at `rate` times the cycle (rubbing,
    stroking, fanning)."""
    def motion(p: np.ndarray, k: float, a: Angles) -> Angles:
        c = _hold(p)
        w = np.sin(rate * p) * c * k
        for side, end in arms.items():
            a[f"{side}_arm"] = _arm(c, ARM_REST, end) + np.stack([d * w for d in wiggle], -1)
        a["pitch"] = pitch * k * c
        a["head_pitch"] = head_pitch * c
        return a
    return motion


def brush_teeth(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _hold(p)
    scrub = 12 * k * np.sin(12 * p) * c  # the hand moves side to side at the mouth
    a["right_arm"] = _arm(c, ARM_REST, (50, 140, 170, -90)) + np.stack([0 * c, scrub, 0 * c, 2 * scrub], -1)
    return a


def cheer(p: np.ndarray, k: float, a: Angles) -> Angles:
    r = 135 + 35 * k * np.sin(p)
    for name in ("left", "right"):
        a[f"{name}_arm"] = np.stack([r, np.full_like(p, 25), r + 10, np.full_like(p, 25)], -1)
    return a


def lunge(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p) * k
    a["right_leg"] = np.stack([85 * c, np.full_like(c, 3), 90 * c], -1)
    a["left_leg"] = np.stack([-15 * c, np.full_like(c, 3), 85 * c], -1)
    for name in ("left", "right"):
        a[f"{name}_arm"] = _arm(c, ARM_REST, HANDS_ON_HIPS)
    a["pitch"] = 5 * c
    return a


def hop_one_leg(p: np.ndarray, k: float, a: Angles) -> Angles:
    air = np.clip(np.sin(p), 0, None)
    a["right_leg"] = np.tile((15.0, 5.0, 85.0), (len(p), 1))
    a["left_leg"] = np.stack([25 * (1 - air), np.full_like(p, 3), 35 * (1 - air)], -1)
    a["lift"] = 0.12 * k * air
    for name in ("left", "right"):
        a[f"{name}_arm"] = np.tile((30, 0, 40, 40), (len(p), 1)).astype(float)
    return a


def butt_kicks(p: np.ndarray, k: float, a: Angles) -> Angles:
    for name, shift in (("left", 0.0), ("right", np.pi)):
        e = np.clip(np.sin(p + shift), 0, None) * k
        a[f"{name}_leg"] = np.stack([-5 * e, np.full_like(e, 3), 115 * e], -1)
        swing = 30 * k * np.sin(p + shift + np.pi)
        a[f"{name}_arm"] = np.stack([swing + 10, np.full_like(e, 90), swing + 70, np.full_like(e, 90)], -1)
    a["lift"] = 0.04 * k * np.abs(np.sin(p))
    return a



def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def eat(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p)  # fork from the plate to the mouth and back, the other hand holding the plate
    a["right_arm"] = _arm(c, (30, 80, 85, 90), HAND_TO_MOUTH)
    a["left_arm"] = np.tile((30.0, 80.0, 85.0, 90.0), (len(p), 1))
    a["head_pitch"] = 10 + 8 * (1 - c)
    return a


def sneeze(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _hold(p)
    jerk = np.clip(np.sin(p - 0.5), 0, None) ** 8  # a sharp forward jerk while the hand covers the mouth
    a["right_arm"] = _arm(c, ARM_REST, HAND_TO_MOUTH)
    a["pitch"] = 22 * k * jerk
    a["head_pitch"] = 25 * k * jerk - 5 * c
    return a


def vomit(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _hold(p)
    a["right_arm"] = _arm(c, ARM_REST, (68, 104, 149, -147))
    a["left_arm"] = _arm(c, ARM_REST, (28, 53, 94, 174))
    a["pitch"] = 35 * k * c + 6 * c * np.sin(3 * p)
    a["head_pitch"] = 20 * c
    for name in ("left", "right"):
        a[f"{name}_leg"] = np.stack([15 * c, np.full_like(c, 5), 20 * c], -1)
    return a


def fall_down(p: np.ndarray, k: float, a: Angles) -> Angles:
    u = (p - p[0]) / max(p[-1] - p[0], 1e-6)  # once per take: stand, fall over 40 % of it, stay down
    c = _smoothstep((u - 0.15) / 0.4)
    for name, f in (("left", 30.0), ("right", 40.0)):
        a[f"{name}_leg"] = np.stack([f * c, np.full_like(c, 6), (125 * k) * c], -1)  # the knees hit the floor
        a[f"{name}_arm"] = _arm(c, ARM_REST, (60, 85, 55, 85))  # the hands go out to break the fall
    a["pitch"] = 55 * k * c
    a["head_pitch"] = -15 * c
    return a


def bounce_ball(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = 0.5 + 0.5 * np.sin(p)  # dribble: the forearm pumps down and up beside the hip
    a["right_arm"] = np.stack([30 + 10 * c, np.full_like(c, 60), 80 - 50 * k * c, np.full_like(c, 80)], -1)
    for name in ("left", "right"):
        a[f"{name}_leg"] = np.tile((20.0, 8.0, 30.0), (len(p), 1))
    a["pitch"] = np.full_like(c, 15)
    return a


def tennis_swing(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p)  # forehand: racket back behind the right side, then across the body
    a["right_arm"] = _arm(c, (70, -50, 80, -30), (85, 60 + 80 * k, 95, 150))
    a["left_arm"] = _arm(c, (60, 100, 80, 100), (40, 20, 40, 20))
    a["twist"] = -45 + 80 * k * c
    return a


def arm_swings(p: np.ndarray, k: float, a: Angles) -> Angles:
    s = 65 + 65 * k * np.sin(p)  # level arms swing open to the sides and cross in front
    for name in ("left", "right"):
        a[f"{name}_arm"] = np.stack([np.full_like(p, 88), s, np.full_like(p, 90), s], -1)
    return a


def toe_touches(p: np.ndarray, k: float, a: Angles) -> Angles:
    c = _ramp(p) * k
    a["pitch"] = 95 * c  # fold forward from the hips, legs straight, hands down to the feet
    for name in ("left", "right"):
        a[f"{name}_arm"] = _arm(c, ARM_REST, (95, 90, 95, 90))
    return a


def side_kick(p: np.ndarray, k: float, a: Angles) -> Angles:
    e = _ramp(p)
    a["right_leg"] = np.stack([10 * e, 3 + 60 * k * e, 60 * np.sin(np.pi * e) ** 2], -1)
    a["roll"] = -20 * k * e  # the trunk leans away from the kicking leg
    for name in ("left", "right"):
        a[f"{name}_arm"] = np.tile((35.0, 70.0, 140.0, 100.0), (len(p), 1))
    return a

# (motion, cycles per second at speed 1) in the order of assets/prompts/synth.json.
MOTIONS: tuple[tuple[Callable, float], ...] = (
    (clap, 1.8), (jumping_jacks, 0.9), (squat, 0.5), (arm_circles, 1.0), (touch_head("right"), 0.5),
    (raise_knee("left"), 0.6), (raise_knee("right"), 0.6), (nod, 1.2), (shake_head, 1.2), (wave("left"), 1.5),
    (wave("right"), 1.5), (punch, 1.0), (kick, 0.6), (bow, 0.4), (side_bend, 0.4), (march, 0.9), (stand, 0.3),
    (twist, 0.6), (jump, 0.9), (hold_pose({"right": (88, 85, 90, 88)}), 0.4),  # point forward
    (hold_pose({"right": (60, 130, 160, -90)}, head_pitch=-12), 0.3),  # drink water
    (hold_pose({"right": (100, 110, 110, -90)}), 0.2),  # make a phone call
    (hold_pose({"left": (40, 80, 120, 150)}, head_pitch=22), 0.35),  # check the time on a watch
    (hold_pose({"right": (140, 30, 80, 180)}), 0.35),  # salute
    (hold_pose({"left": (40, 90, 130, 140), "right": (40, 90, 130, 140)}, head_pitch=10), 0.3),  # palms together
    (hold_pose({"left": (40, 100, 100, 180), "right": (40, 100, 112, 180)}), 0.25),  # cross the arms
    (hold_pose({"left": HANDS_ON_HIPS, "right": HANDS_ON_HIPS}), 0.25),  # hands on hips
    (hold_pose({"right": (110, 100, 130, 90)}, head_pitch=-5), 0.3),  # take a selfie
    (hold_pose({"right": (40, -60, 60, 170)}, pitch=18, head_pitch=8), 0.3),  # back pain
    (brush_teeth, 0.25), (cheer, 1.2), (lunge, 0.4), (hop_one_leg, 1.5), (butt_kicks, 1.2),
    (eat, 0.6), (hold_pose({"right": (146, 32, 104, 193)}, wiggle=(0, 20, 0, 20), rate=6), 0.25),  # brush hair
    (hold_pose({"right": (30, 20, 45, 160)}, pitch=5), 0.35),  # reach into a pocket
    (hold_pose({"left": (40, 90, 130, 140), "right": (40, 90, 130, 140)}, wiggle=(0, 0, 0, 12), rate=10),
     0.3),  # rub hands
    (hold_pose({"left": (77, 103, 154, -123), "right": (77, 103, 154, -123)}, head_pitch=10, wiggle=(12, 0, 12, 0),
               rate=4), 0.3),  # wipe the face
    (sneeze, 0.35), (fall_down, 0.3),
    (hold_pose({"right": (26, 97, 142, 183)}, pitch=12, head_pitch=12), 0.25),  # chest pain
    (hold_pose({"right": (159, 82, 46, 228)}, head_pitch=-10), 0.25),  # neck pain
    (vomit, 0.25), (hold_pose({"right": (79, 106, 174, 94)}, wiggle=(0, 0, 0, 30), rate=8), 0.25),  # fan yourself
    (bounce_ball, 1.6), (tennis_swing, 0.5),
    (hold_pose({"right": (75, 60, 155, 60)}, wiggle=(0, 0, 14, 0), rate=6), 0.3),  # shake a fist
    (arm_swings, 0.8), (toe_touches, 0.35), (side_kick, 0.5),
)  # fmt: skip


def generate(label: int, rng: np.random.Generator, fps: float = DEFAULT_FPS) -> np.ndarray:
    """One random performance of class `label`: `(T, 25, 3)` metres, y up, 2-4 s."""
    motion, freq = MOTIONS[label]
    t = int(rng.uniform(2.0, 4.0) * fps)
    speed, amp = rng.uniform(0.7, 1.4), rng.uniform(0.75, 1.15)
    phase = rng.uniform(0, 2 * np.pi) + 2 * np.pi * freq * speed * np.arange(t) / fps
    skel = render(random_body(rng), motion(phase, amp, rest(t)))
    skel = skel @ rotation_y(rng.uniform(-np.pi, np.pi)).T
    skel += np.array([rng.uniform(-1, 1), 0.0, rng.uniform(-1, 1)], np.float32)
    skel += rng.normal(0.0, rng.uniform(0.003, 0.012), skel.shape).astype(np.float32)
    return skel.astype(np.float32)


def build(src: Path | None = None, seed: int = 0, per_class: int = 60) -> Corpus:
    """`per_class` random performances of every class; `src` is ignored (nothing to read)."""
    rng = np.random.default_rng(seed)
    seqs = [Sequence(generate(c, rng), DEFAULT_FPS, c, f"synth_{c:02d}_{i:03d}")
            for c in range(len(MOTIONS)) for i in range(per_class)]
    source = f"fdsm.default_model.synth seed={seed} per_class={per_class}"
    return make_corpus(seqs, "synth", BANK, [], {"source": source,
                       "licence": "generated by this project"})
