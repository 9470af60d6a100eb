"""Training augmentations that make mocap look like the live MediaPipe stream.

`augment(skeleton, rng)` applies, in order: the live mapping's joint estimates (hand points, thumbs,
trunk and neck recomputed from the other joints as `fdsm.data.mapping` does, so training and live
data agree), a spine-base shift up the spine (the importers and the live mapping put the spine
base at the hip joints, Kinect v1 puts its HipCenter higher: this covers both), a turn about the
vertical axis, a camera tilt, a uniform and a slightly anisotropic
scale, a speed change (temporal resampling), joint noise shaped like MediaPipe's (larger at wrists,
hands and feet, plus a per-joint offset held over the clip), short per-joint dropouts and occasional
whole-frame losses (both NaN, as the live tracker reports them). Everything is drawn from the given
numpy Generator, so a seed fixes the result.

Note: `fdsm.skeleton.normalize` undoes translation, yaw and uniform scale; those two steps matter
only for inputs fed without normalization. The tilt, anisotropic scale, noise and dropouts survive
normalization and are what close the gap to the live stream. The speed change does not: normalize
resamples every window to the model's frame count, so a window covers the same span of motion
whatever the factor (found 2026-11-27; a fix that changes how much motion a training window covers
was measured on validation and not adopted: docs/default-model.md).

`AugmentConfig(camera=True)` trains as the camera sees instead: the joints are re-derived by the live
rules (`fdsm.skeleton.camera_joints`; the spine-shift and estimated-joint steps are then skipped) and the
generic noise is replaced by `camera_noise`, fitted to what `fdsm-bench pose-noise` measured on real video
(design note of 2026-12-04 in docs/pose.md): per-group jitter of the measured joints, larger along the
camera's depth axis, a jittering body position (the root's depth is the noisiest coordinate), both passed
through a low-pass like the live One-Euro smoothing, then the derived joints re-derived from the noisy
measured ones, and whole-frame losses at the measured rate (the live stream never loses single joints).
The training config switches it on with `[encoder] camera_noise = true`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fdsm.data.mapping import estimate_hands, estimate_trunk
from fdsm.skeleton import DEFAULT_FPS, J, as_bodies, camera_joints, resample, rotation_y

# Relative MediaPipe noise per joint: extremities are the least stable landmarks.
NOISE_WEIGHTS = np.ones(25, np.float32)
for _name in ("left_wrist", "right_wrist", "left_ankle", "right_ankle"):
    NOISE_WEIGHTS[J[_name]] = 2.0
for _name in ("left_hand", "right_hand", "left_hand_tip", "right_hand_tip", "left_thumb", "right_thumb",
              "left_foot", "right_foot"):
    NOISE_WEIGHTS[J[_name]] = 2.5
for _name in ("spine_base", "spine_mid", "spine_shoulder", "left_hip", "right_hip"):
    NOISE_WEIGHTS[J[_name]] = 0.6


# Measured by `fdsm-bench pose-noise` on the eight Pose2Sim demo videos (the demo and test clips are two of
# them), 2026-12-04, docs/pose.md: the median over clips of the raw (unsmoothed) stream's jitter in mm, RMS
# over the three axes, about a 0.3 s quadratic fit (upper bounds: fast motion adds to them).
CAMERA_JITTER_MM: dict[str, float] = {
    "trunk": 8.8, "head": 12.7, "elbows_knees": 18.6, "wrists_ankles": 30.3, "hands_feet": 36.0,
}  # fmt: skip
CAMERA_GROUPS: dict[str, tuple[str, ...]] = {
    "trunk": ("left_shoulder", "right_shoulder", "left_hip", "right_hip"),
    "head": ("head",),
    "elbows_knees": ("left_elbow", "right_elbow", "left_knee", "right_knee"),
    "wrists_ankles": ("left_wrist", "right_wrist", "left_ankle", "right_ankle"),
    "hands_feet": ("left_hand_tip", "right_hand_tip", "left_thumb", "right_thumb", "left_foot", "right_foot"),
}  # fmt: skip
CAMERA_DEPTH_RATIO = 1.24  # jitter along the camera's depth axis / across it (median of the clips' ratios)
CAMERA_ROOT_MM = (5.7, 7.2, 39.3)  # body-position jitter along x, y, z (z = depth, fitted from body size)
CAMERA_FRAME_LOSS = 0.011  # share of frames without the main body (mean over the clips)


@dataclass
class AugmentConfig:
    """Ranges of every augmentation; a zero range or probability switches that step off."""

    live_joints: float = 0.5  # probability of recomputing the estimated joints
    spine_shift: tuple[float, float] = (0.0, 0.15)  # spine base moved up by this fraction of the torso
    yaw: float = np.pi  # max |turn| about y, radians
    tilt: float = np.radians(10.0)  # max |camera pitch| about x, radians
    scale: tuple[float, float] = (0.85, 1.15)
    aniso: float = 0.06  # max relative difference between vertical and horizontal scale
    speed: tuple[float, float] = (0.8, 1.25)
    noise: float = 0.008  # metres, base sigma of per-frame noise (times NOISE_WEIGHTS)
    offset: float = 0.006  # metres, base sigma of the per-clip joint offset
    dropout: float = 0.01  # probability per joint and frame that a dropout starts
    dropout_frames: int = 4  # longest dropout
    frame_loss: float = 0.02  # probability per frame that the whole body is lost
    camera: bool = False  # camera joints + camera_noise instead of live_joints, spine_shift, noise and dropouts
    camera_scale: tuple[float, float] = (0.5, 1.5)  # per-clip factor on the measured jitter (clips: 0.65-1.1x)
    smoothing_hz: tuple[float, float] = (1.0, 3.0)  # low-pass cut-off of the noise (live One-Euro: 1 Hz at rest)


def live_joints(skeleton: np.ndarray) -> np.ndarray:
    """Copy with trunk, neck, hands, hand tips and thumbs recomputed as the live mapping does."""
    out = as_bodies(skeleton).copy()
    estimate_trunk(out)
    return estimate_hands(out)


def shift_spine_base(skeleton: np.ndarray, fraction: float) -> np.ndarray:
    """Move the spine base `fraction` of the way to the spine shoulder; the spine mid moves half as far."""
    out = as_bodies(skeleton).copy()
    step = fraction * (out[..., J["spine_shoulder"], :] - out[..., J["spine_base"], :])
    out[..., J["spine_base"], :] += step
    out[..., J["spine_mid"], :] += 0.5 * step
    return out


def rotate(skeleton: np.ndarray, yaw: float, tilt: float = 0.0) -> np.ndarray:
    """Turn by `yaw` about y, then pitch by `tilt` about x (a camera looking up or down)."""
    c, s = np.cos(tilt), np.sin(tilt)
    pitch = np.array([[1, 0, 0], [0, c, -s], [0, s, c]], np.float32)
    return (as_bodies(skeleton) @ (pitch @ rotation_y(yaw)).T).astype(np.float32)


def scale(skeleton: np.ndarray, factor: float, vertical: float = 1.0) -> np.ndarray:
    """Scale about the origin by `factor`, with y additionally scaled by `vertical`."""
    return (as_bodies(skeleton) * np.array([factor, factor * vertical, factor], np.float32)).astype(np.float32)


def change_speed(skeleton: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster (fewer frames at the same fps); at least 2 frames remain."""
    arr = as_bodies(skeleton)
    return resample(arr, max(2, round(arr.shape[0] / factor)))


def add_noise(skeleton: np.ndarray, rng: np.random.Generator, sigma: float, offset: float) -> np.ndarray:
    """Per-frame noise plus a per-clip offset, both scaled per joint by NOISE_WEIGHTS."""
    arr = as_bodies(skeleton)
    w = NOISE_WEIGHTS[None, None, :, None]
    frame_noise = rng.normal(0.0, sigma, arr.shape) * w
    clip_offset = rng.normal(0.0, offset, (1,) + arr.shape[1:]) * w
    return (arr + frame_noise + clip_offset).astype(np.float32)


def drop(skeleton: np.ndarray, rng: np.random.Generator, rate: float, max_frames: int,
         frame_loss: float) -> np.ndarray:
    """NaN out short per-joint runs (start probability `rate`, 1..max_frames long) and whole frames."""
    arr = as_bodies(skeleton).copy()
    t, m = arr.shape[:2]
    starts = np.argwhere(rng.random((t, m, 25)) < rate)
    lengths = rng.integers(1, max(1, max_frames) + 1, len(starts))
    for (f, b, j), n in zip(starts, lengths, strict=True):
        arr[f: f + n, b, j] = np.nan
    lost = rng.random(t) < frame_loss
    arr[lost] = np.nan
    return arr


def low_pass(noise: np.ndarray, cutoff_hz: float, fps: float = DEFAULT_FPS) -> np.ndarray:
    """Causal one-pole low-pass along time (axis 0), started at the first sample: the One-Euro filter at rest."""
    a = 1.0 / (1.0 + fps / (2.0 * np.pi * cutoff_hz))
    out = np.empty_like(noise)
    out[0] = noise[0]
    for t in range(1, len(noise)):
        out[t] = out[t - 1] + a * (noise[t] - out[t - 1])
    return out


def _axis_sigmas(rms: float, depth_ratio: float) -> np.ndarray:
    """(x, y, z) sigmas whose RMS is `rms`, with z (the camera's depth) `depth_ratio` times x and y."""
    across = rms * np.sqrt(3.0 / (2.0 + depth_ratio**2))
    return np.array([across, across, depth_ratio * across], np.float32)


def camera_noise(skeleton: np.ndarray, rng: np.random.Generator, level: float = 1.0,
                 cutoff_hz: float = 1.0) -> np.ndarray:
    """The measured live-stream noise on the measured joints and the body position, low-passed, joints re-derived.

    `level` scales the measured figures; z is taken as the camera's depth axis (the corpora keep their
    camera's axes; after a random turn about y it is a random view of the body).
    """
    arr = as_bodies(skeleton)
    t, m = arr.shape[:2]
    sigma = np.zeros((25, 3), np.float32)
    for group, names in CAMERA_GROUPS.items():
        sigma[[J[n] for n in names]] = _axis_sigmas(CAMERA_JITTER_MM[group] / 1000.0, CAMERA_DEPTH_RATIO)
    jitter = rng.normal(0.0, 1.0, (t, m, 25, 3)) * sigma
    jitter += rng.normal(0.0, 1.0, (t, m, 1, 3)) * (np.asarray(CAMERA_ROOT_MM, np.float32) / 1000.0)
    noisy = arr + (level * low_pass(jitter, cutoff_hz)).astype(np.float32)
    return camera_joints(noisy)


def augment(skeleton: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig | None = None) -> np.ndarray:
    """One random augmentation of `(T, M, 25, 3)` (or `(T, 25, 3)`) metres; returns `(T', M, 25, 3)`."""
    cfg = cfg or AugmentConfig()
    arr = as_bodies(skeleton)
    if cfg.camera:
        arr = camera_joints(arr)
    else:
        if rng.random() < cfg.live_joints:
            arr = live_joints(arr)
        arr = shift_spine_base(arr, rng.uniform(*cfg.spine_shift))
    arr = rotate(arr, rng.uniform(-cfg.yaw, cfg.yaw), rng.uniform(-cfg.tilt, cfg.tilt))
    arr = scale(arr, rng.uniform(*cfg.scale), 1.0 + rng.uniform(-cfg.aniso, cfg.aniso))
    arr = change_speed(arr, rng.uniform(*cfg.speed))
    if cfg.camera:
        arr = camera_noise(arr, rng, rng.uniform(*cfg.camera_scale), rng.uniform(*cfg.smoothing_hz))
        return drop(arr, rng, 0.0, 1, CAMERA_FRAME_LOSS)
    arr = add_noise(arr, rng, cfg.noise, cfg.offset)
    return drop(arr, rng, cfg.dropout, cfg.dropout_frames, cfg.frame_loss)
