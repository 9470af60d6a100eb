"""Estimates of the NTU-25 joints a source does not measure, shared by importers and augmentation.

Mocap and Kinect v1 sources lack some NTU joints. The live MediaPipe mapping (pose.ntu) takes the
spine base as the hip-joint midpoint, the trunk and neck as below, the hand tip as MediaPipe's index
landmark (the index knuckle), the thumb as its thumb landmark and the hand as the mean of wrist,
pinky and index; the hand estimates here put points where those landmarks lie. Every estimate works
on `(..., 25, 3)` arrays in metres, y up, and writes into the array in place. The rules (f = wrist -
elbow, the forearm vector, ~25 cm):

- spine shoulder (NTU 21) = midpoint of the two shoulders (`fdsm.skeleton.midpoint`, as pose.ntu);
- spine mid (NTU 2) = midpoint of spine base and spine shoulder (as pose.ntu; summed then halved, which
  rounds differently from `fdsm.skeleton.spine_mid_point` in the last float32 bit);
- neck (NTU 3) = `fdsm.skeleton.neck_point`, NECK_W of the way from the spine shoulder to the head (as pose.ntu);
- hand (NTU 8/12) = wrist + 0.22 f (the palm centre, ~5 cm past the wrist);
- hand tip (NTU 22/24) = wrist + 0.38 f (the index knuckle, ~9.5 cm past the wrist);
- thumb (NTU 23/25) = wrist + 0.25 f + 0.2 |f| n, with n the body's forward direction
  ((left hip - right hip) x up) made orthogonal to the forearm (palms face the body's side, thumbs forward);
- foot (NTU 16/20) = ankle + 0.28 |shin| along the forward direction, 3 cm lower (the toe base).
"""

from __future__ import annotations

import numpy as np

from fdsm.skeleton import J, midpoint, neck_point

HAND_FRACTION = 0.22
TIP_FRACTION = 0.38
THUMB_ALONG, THUMB_ACROSS = 0.25, 0.2
FOOT_FRACTION, FOOT_DROP = 0.28, 0.03

SIDES = {
    "left": {"shoulder": J["left_shoulder"], "elbow": J["left_elbow"], "wrist": J["left_wrist"],
             "hand": J["left_hand"], "tip": J["left_hand_tip"], "thumb": J["left_thumb"],
             "knee": J["left_knee"], "ankle": J["left_ankle"], "foot": J["left_foot"]},
    "right": {"shoulder": J["right_shoulder"], "elbow": J["right_elbow"], "wrist": J["right_wrist"],
              "hand": J["right_hand"], "tip": J["right_hand_tip"], "thumb": J["right_thumb"],
              "knee": J["right_knee"], "ankle": J["right_ankle"], "foot": J["right_foot"]},
}
_UP = np.array([0.0, 1.0, 0.0], np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 1e-9, n, np.nan)


def body_forward(skel: np.ndarray) -> np.ndarray:
    """Unit horizontal direction the body faces, `(..., 3)`: (left hip - right hip) x up."""
    left = skel[..., J["left_hip"], :] - skel[..., J["right_hip"], :]
    fwd = np.cross(left, _UP)
    fwd[..., 1] = 0.0
    return _unit(fwd)


def estimate_trunk(skel: np.ndarray) -> np.ndarray:
    """Set spine shoulder, spine mid and neck from the shoulders, spine base and head."""
    sh = midpoint(skel[..., J["left_shoulder"], :], skel[..., J["right_shoulder"], :])
    skel[..., J["spine_shoulder"], :] = sh
    skel[..., J["spine_mid"], :] = midpoint(skel[..., J["spine_base"], :], sh)
    return estimate_neck(skel)


def estimate_neck(skel: np.ndarray) -> np.ndarray:
    """Set the neck between spine shoulder and head (Kinect v1 and MediaPipe have no neck point)."""
    skel[..., J["neck"], :] = neck_point(skel[..., J["spine_shoulder"], :], skel[..., J["head"], :])
    return skel


def estimate_hands(skel: np.ndarray, parts: tuple[str, ...] = ("hand", "tip", "thumb")) -> np.ndarray:
    """Set the named hand points (`hand`, `tip`, `thumb`) of both sides from elbow, wrist and hips."""
    fwd = body_forward(skel)
    for side in SIDES.values():
        wrist = skel[..., side["wrist"], :]
        f = wrist - skel[..., side["elbow"], :]
        if "hand" in parts:
            skel[..., side["hand"], :] = wrist + HAND_FRACTION * f
        if "tip" in parts:
            skel[..., side["tip"], :] = wrist + TIP_FRACTION * f
        if "thumb" in parts:
            length = np.linalg.norm(f, axis=-1, keepdims=True)
            axis = _unit(f)
            across = fwd - (fwd * axis).sum(-1, keepdims=True) * axis
            across = np.where(np.linalg.norm(across, axis=-1, keepdims=True) > 0.2, across, _UP)
            skel[..., side["thumb"], :] = wrist + THUMB_ALONG * f + THUMB_ACROSS * length * _unit(across)
    return skel


def estimate_feet(skel: np.ndarray) -> np.ndarray:
    """Set both toe bases from ankle, knee and the body's forward direction."""
    fwd = body_forward(skel)
    for side in SIDES.values():
        ankle = skel[..., side["ankle"], :]
        shin = np.linalg.norm(ankle - skel[..., side["knee"], :], axis=-1, keepdims=True)
        skel[..., side["foot"], :] = ankle + FOOT_FRACTION * shin * fwd - FOOT_DROP * _UP
    return skel


def from_named(points: dict[str, np.ndarray], frames: int) -> np.ndarray:
    """`(T, 25, 3)` float32 from a dict NTU joint name -> `(T, 3)`; joints not given are NaN."""
    out = np.full((frames, 25, 3), np.nan, np.float32)
    for name, xyz in points.items():
        out[:, J[name]] = xyz
    return out
