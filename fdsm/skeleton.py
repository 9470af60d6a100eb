"""The NTU RGB+D 25-joint skeleton contract and the one normalization used everywhere.

Training, evaluation and the live path all call `normalize`, so the recognizer sees the same kind of
input whatever the source. NumPy only: `pose/` imports this module and must not pull in torch.

Contract (see ARCHITECTURE.md): float32 `(T, M, 25, 3)`, NTU joint order, metres, right-handed, y up,
left = the subject's own left, NaN for a missing joint, frame or body. `(T, 25, 3)` means one body.
"""

from __future__ import annotations

import numpy as np

NORMALIZATION_VERSION = 1
DEFAULT_FPS = 30.0
NUM_JOINTS = 25
MAX_BODIES = 2

JOINT_NAMES: tuple[str, ...] = (
    "spine_base", "spine_mid", "neck", "head",
    "left_shoulder", "left_elbow", "left_wrist", "left_hand",
    "right_shoulder", "right_elbow", "right_wrist", "right_hand",
    "left_hip", "left_knee", "left_ankle", "left_foot",
    "right_hip", "right_knee", "right_ankle", "right_foot",
    "spine_shoulder", "left_hand_tip", "left_thumb", "right_hand_tip", "right_thumb",
)  # fmt: skip
J = {name: i for i, name in enumerate(JOINT_NAMES)}

# Parent of each joint in the NTU kinematic tree (spine base is the root).
PARENTS: tuple[int, ...] = (
    -1, 0, 20, 2,
    20, 4, 5, 6,
    20, 8, 9, 10,
    0, 12, 13, 14,
    0, 16, 17, 18,
    1, 7, 7, 11, 11,
)  # fmt: skip
BONES: tuple[tuple[int, int], ...] = tuple((p, c) for c, p in enumerate(PARENTS) if p >= 0)

# Index pairs that swap under a left/right mirror.
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = (
    (4, 8), (5, 9), (6, 10), (7, 11), (12, 16), (13, 17), (14, 18), (15, 19), (21, 23), (22, 24),
)  # fmt: skip


# Camera-derived joints (`camera_joints`): the live mapping (pose.ntu) measures 18 joints and derives these.
SPINE_MID_W = 0.5  # spine mid: this far from the spine base to the spine shoulder
NECK_W = 0.4  # neck: this far from the spine shoulder to the head
CAMERA_DERIVED: tuple[int, ...] = (
    J["spine_base"], J["spine_mid"], J["neck"], J["spine_shoulder"], J["left_hand"], J["right_hand"],
)  # fmt: skip


def midpoint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(a + b) / 2: the spine base from the hips, the spine shoulder from the shoulders."""
    return 0.5 * (a + b)


def spine_mid_point(base: np.ndarray, top: np.ndarray) -> np.ndarray:
    """The spine mid, SPINE_MID_W of the way from the spine base to the spine shoulder."""
    return base + SPINE_MID_W * (top - base)


def neck_point(top: np.ndarray, head: np.ndarray) -> np.ndarray:
    """The neck, NECK_W of the way from the spine shoulder to the head (no camera or Kinect v1 measures it)."""
    return top + NECK_W * (head - top)


def palm_point(wrist: np.ndarray, tip: np.ndarray) -> np.ndarray:
    """The palm centre from the wrist and the hand tip (the index knuckle), as `camera_joints` explains."""
    return (wrist + 2.0 * tip) / 3.0


def camera_joints(skeleton: np.ndarray) -> np.ndarray:
    """Re-derive the joints the live camera does not measure, by the live mapping's rules; returns a copy.

    A webcam skeleton (pose.ntu) measures shoulders, elbows, wrists, hips, knees, ankles, toes, the index
    and thumb points and the ears, and derives the rest; mocap and Kinect corpora carry anatomically
    different joints there (Kinect's HipCenter sits higher than the hip midpoint, a mocap neck is a bone
    end). Training, evaluation and live data pass through this one rule set, so they share the geometry:

    - spine base = midpoint of the hips; spine shoulder = midpoint of the shoulders;
    - spine mid = lerp(spine base, spine shoulder, SPINE_MID_W); neck = lerp(spine shoulder, head, NECK_W);
    - hand (palm) = mean(wrist, index, pinky) with the hand tip standing in for BOTH index and pinky:
      NTU has no pinky; the live hand tip IS MediaPipe's index landmark, and the pinky knuckle lies at
      the same distance from the wrist, so the palm is put 2/3 of the way from the wrist to the hand tip;
    - head = the ear midpoint live; NTU has no ears, and a Kinect or mocap head joint is the skull's
      centre, which is where the ear midpoint lies, so the head is kept as measured.

    Linear in the joints, idempotent, NaN where an input joint is NaN. Any `(..., 25, 3)` array.
    """
    out = np.array(skeleton, dtype=np.float32, copy=True)
    if out.shape[-2:] != (NUM_JOINTS, 3):
        raise ValueError(f"skeleton must be (..., 25, 3), got {out.shape}")
    base = midpoint(out[..., J["left_hip"], :], out[..., J["right_hip"], :])
    top = midpoint(out[..., J["left_shoulder"], :], out[..., J["right_shoulder"], :])
    out[..., J["spine_base"], :] = base
    out[..., J["spine_shoulder"], :] = top
    out[..., J["spine_mid"], :] = spine_mid_point(base, top)
    out[..., J["neck"], :] = neck_point(top, out[..., J["head"], :])
    for side in ("left", "right"):
        out[..., J[f"{side}_hand"], :] = palm_point(out[..., J[f"{side}_wrist"], :], out[..., J[f"{side}_hand_tip"], :])
    return out


def as_bodies(skeleton: np.ndarray) -> np.ndarray:
    """View a skeleton as `(T, M, 25, 3)` float32; raise ValueError on any other shape."""
    arr = np.asarray(skeleton, dtype=np.float32)
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4 or arr.shape[2:] != (NUM_JOINTS, 3):
        raise ValueError(f"skeleton must be (T, 25, 3) or (T, M, 25, 3), got {np.shape(skeleton)}")
    return arr


def body_valid(skeleton: np.ndarray) -> np.ndarray:
    """`(T, M)` bool: the body is present in that frame (its spine base and hips are finite)."""
    arr = as_bodies(skeleton)
    key = arr[:, :, [J["spine_base"], J["left_hip"], J["right_hip"]], :]
    return np.isfinite(key).all(axis=(2, 3))


def valid_fraction(skeleton: np.ndarray) -> float:
    """Fraction of frames in which the main body (the most present one) is present."""
    valid = body_valid(skeleton)
    if valid.size == 0:
        return 0.0
    return float(valid.sum(axis=0).max() / valid.shape[0])


def fill_gaps(skeleton: np.ndarray) -> np.ndarray:
    """Fill NaN joints by linear interpolation over time, holding the nearest value at the ends.

    A joint that is never seen is left NaN; `normalize` turns it into the body-centre value.
    """
    arr = as_bodies(skeleton).copy()
    t = np.arange(arr.shape[0], dtype=np.float64)
    flat = arr.reshape(arr.shape[0], -1)
    finite = np.isfinite(flat)
    for c in np.flatnonzero(~finite.all(axis=0)):
        ok = finite[:, c]
        if ok.any():
            flat[:, c] = np.interp(t, t[ok], flat[ok, c])
    return flat.reshape(arr.shape)


def resample(skeleton: np.ndarray, length: int) -> np.ndarray:
    """Linearly resample along time to `length` frames (the first and last frames are kept)."""
    arr = as_bodies(skeleton)
    n = arr.shape[0]
    if n == length:
        return arr.copy()
    if n == 1:
        return np.repeat(arr, length, axis=0)
    pos = np.linspace(0.0, n - 1, length)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (pos - lo).astype(np.float32)[:, None, None, None]
    return (arr[lo] * (1 - w) + arr[hi] * w).astype(np.float32)


def resample_fps(skeleton: np.ndarray, fps: float, target_fps: float = DEFAULT_FPS) -> np.ndarray:
    """Resample a sequence recorded at `fps` to `target_fps`, keeping its duration."""
    arr = as_bodies(skeleton)
    if abs(fps - target_fps) < 1e-6 or arr.shape[0] < 2:
        return arr.copy()
    length = max(2, round((arr.shape[0] - 1) * target_fps / fps) + 1)
    return resample(arr, length)


def rotation_y(angle: float) -> np.ndarray:
    """3x3 rotation by `angle` radians about the vertical (y) axis, right-handed."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]], dtype=np.float32)


def facing_angle(skeleton: np.ndarray) -> float:
    """Angle about y that turns the main body's right-to-left hip vector onto +x (0 if unknown)."""
    arr = as_bodies(skeleton)
    hips = arr[:, 0, J["left_hip"]] - arr[:, 0, J["right_hip"]]
    hips = hips[np.isfinite(hips).all(axis=1)]
    if len(hips) == 0:
        return 0.0
    v = hips.mean(axis=0)
    if np.hypot(v[0], v[2]) < 1e-8:
        return 0.0
    # rotation_y(a) maps (x, z) -> (x cos a + z sin a, -x sin a + z cos a): a = atan2(z, x) gives z' = 0, x' > 0.
    return float(np.arctan2(v[2], v[0]))


def chirality(skeleton: np.ndarray) -> float:
    """Mean cosine between the feet's pointing direction and (left hip - right hip) x up.

    For a correctly handed skeleton (right-handed axes, y up, the subject's own left) the toes point
    where the body faces, which is left x up: the value is clearly positive. A mirrored skeleton
    (left/right swapped, or one axis flipped) gives a negative value. Importer tests use this.
    """
    arr = as_bodies(skeleton)[:, 0]
    left = arr[:, J["left_hip"]] - arr[:, J["right_hip"]]
    forward = np.cross(left, np.array([0.0, 1.0, 0.0], dtype=np.float32))
    feet = (arr[:, J["left_foot"]] - arr[:, J["left_ankle"]]) + (arr[:, J["right_foot"]] - arr[:, J["right_ankle"]])
    feet[:, 1] = 0.0
    ok = np.isfinite(forward).all(axis=1) & np.isfinite(feet).all(axis=1)
    if not ok.any():
        return 0.0
    f, d = forward[ok], feet[ok]
    cos = (f * d).sum(axis=1) / (np.linalg.norm(f, axis=1) * np.linalg.norm(d, axis=1) + 1e-9)
    return float(cos.mean())


def torso_length(skeleton: np.ndarray) -> float:
    """Median spine-base to spine-shoulder distance of the main body (NaN if never seen)."""
    arr = as_bodies(skeleton)
    d = np.linalg.norm(arr[:, 0, J["spine_shoulder"]] - arr[:, 0, J["spine_base"]], axis=-1)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if len(d) else float("nan")


def order_bodies(skeleton: np.ndarray, max_bodies: int = MAX_BODIES) -> np.ndarray:
    """Put the most present body first, keep at most `max_bodies`, pad with NaN bodies."""
    arr = as_bodies(skeleton)
    counts = body_valid(arr).sum(axis=0)
    order = np.argsort(-counts, kind="stable")[:max_bodies]
    out = np.full((arr.shape[0], max_bodies, NUM_JOINTS, 3), np.nan, dtype=np.float32)
    out[:, : len(order)] = arr[:, order]
    return out


def normalize(skeleton: np.ndarray, length: int, max_bodies: int = MAX_BODIES) -> np.ndarray:
    """The model's input: `(length, max_bodies, 25, 3)` float32, finite, in torso units.

    Steps: order bodies (most present first); fill gaps over time; centre on the main body's spine
    base in the first frame (global motion inside the window is kept); turn about y so the main
    body's hips face +x (the body then faces +z); divide by the main body's torso length; resample
    to `length` frames. Absent bodies and never-seen joints become zeros / the body's spine base.
    The output is therefore invariant to translation, uniform scale and turns about the vertical.
    """
    arr = order_bodies(skeleton, max_bodies)
    if arr.shape[0] == 0:
        raise ValueError("cannot normalize an empty skeleton (0 frames)")
    arr = fill_gaps(arr)
    present = np.isfinite(arr).any(axis=(0, 2, 3))  # (M,)
    if not present[0]:
        raise ValueError("cannot normalize a skeleton with no visible body")
    origin = arr[0, 0, J["spine_base"]].copy()
    if not np.isfinite(origin).all():
        origin = np.nanmean(arr[:, 0].reshape(-1, 3), axis=0)
    arr = arr - origin
    arr = arr @ rotation_y(facing_angle(arr)).T
    torso = torso_length(arr)
    arr = arr / (torso if np.isfinite(torso) and torso > 1e-6 else 1.0)
    for m in range(arr.shape[1]):
        if not present[m]:
            arr[:, m] = 0.0
            continue
        body = arr[:, m]
        centre = body[:, J["spine_base"]]
        centre = np.where(np.isfinite(centre), centre, 0.0)
        arr[:, m] = np.where(np.isfinite(body), body, centre[:, None, :])
    return resample(arr, length).astype(np.float32)
