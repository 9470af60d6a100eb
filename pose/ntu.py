"""MediaPipe's 33 BlazePose landmarks -> the 25 NTU RGB+D joints, in y-up metres.

Axes. MediaPipe world landmarks use x = image right, y = image down, z = away from the camera (smaller z is
closer), in metres, origin at the hip centre. That frame is right-handed; turning it 180 degrees about x,
(x, y, z) -> (x, -y, -z), keeps it right-handed and makes y point up. A person facing the camera then
faces +z and their own left side is at +x, the same convention as `tests/conftest.standing_pose`.
MediaPipe's "left" landmarks are the subject's own left, which is what NTU's left means.

Joints (MP k = MediaPipe landmark k; mid(a, b) = (a + b) / 2; lerp(a, b, w) = a + w (b - a)):

    0  spine base      mid(MP 23 left hip, MP 24 right hip)
    20 spine shoulder  mid(MP 11 left shoulder, MP 12 right shoulder)
    1  spine mid       lerp(spine base, spine shoulder, SPINE_MID_W = 0.5)
    3  head            mid(MP 7 left ear, MP 8 right ear)  (the centre of the skull, as Kinect's head joint)
    2  neck            lerp(spine shoulder, head, NECK_W = 0.4)
    4/8   shoulder     MP 11 / MP 12          (left / right)
    5/9   elbow        MP 13 / MP 14
    6/10  wrist        MP 15 / MP 16
    7/11  hand         (wrist + 2 index MP 19/20) / 3  (palm centre: mean of wrist, index, pinky with the
                       index standing in for the pinky, as every corpus gets it)
    21/23 hand tip     index MP 19 / MP 20
    22/24 thumb        MP 21 / MP 22
    12/16 hip          MP 23 / MP 24
    13/17 knee         MP 25 / MP 26
    14/18 ankle        MP 27 / MP 28
    15/19 foot         foot index (toe) MP 31 / MP 32

The mapping is one fixed (25, 33) linear matrix, so it also applies to a batch `(..., 33, 3)`. Only the
measured rows (and the head) are written here; the derived joints come from `fdsm.skeleton.camera_joints`,
the rule set every training and evaluation corpus goes through too.
"""

from __future__ import annotations

import numpy as np

from fdsm.skeleton import NUM_JOINTS, J, camera_joints

NUM_LANDMARKS = 33
HIPS = [23, 24]  # MediaPipe left and right hip: their midpoint is the world landmarks' origin
# Each NTU joint as weights over MediaPipe landmarks: {landmark: weight}.
_DIRECT = {
    "left_shoulder": 11, "left_elbow": 13, "left_wrist": 15, "left_hand_tip": 19, "left_thumb": 21,
    "right_shoulder": 12, "right_elbow": 14, "right_wrist": 16, "right_hand_tip": 20, "right_thumb": 22,
    "left_hip": 23, "left_knee": 25, "left_ankle": 27, "left_foot": 31,
    "right_hip": 24, "right_knee": 26, "right_ankle": 28, "right_foot": 32,
}  # fmt: skip


def _mapping_matrix() -> np.ndarray:
    """(25, 33) weights W such that ntu = W @ mediapipe (rows sum to 1): measured rows, then `camera_joints`."""
    w = np.zeros((NUM_JOINTS, NUM_LANDMARKS), dtype=np.float64)
    for name, k in _DIRECT.items():
        w[J[name], k] = 1.0
    w[J["head"], [7, 8]] = 0.5
    # camera_joints is linear: applied to each landmark's weight column it gives the derived rows.
    columns = np.repeat(w.T[:, :, None], 3, axis=2)  # (33, 25, 3): landmark k's weights, on every axis
    return camera_joints(columns)[:, :, 0].T.astype(np.float64)


MAPPING = _mapping_matrix().astype(np.float32)
# MediaPipe (x right, y down, z away) -> right-handed y-up: a 180-degree turn about x.
AXES = np.array([1.0, -1.0, -1.0], dtype=np.float32)


def to_ntu25(landmarks: np.ndarray) -> np.ndarray:
    """(..., 33, 3) MediaPipe-axes points (world landmarks, optionally plus a root offset) -> (..., 25, 3) NTU, y up."""
    pts = np.asarray(landmarks, dtype=np.float32)
    if pts.shape[-2:] != (NUM_LANDMARKS, 3):
        raise ValueError(f"expected (..., 33, 3) landmarks, got {pts.shape}")
    return np.einsum("jk,...kc->...jc", MAPPING, pts) * AXES
