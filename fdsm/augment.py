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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fdsm.data.mapping import estimate_hands, estimate_trunk
from fdsm.skeleton import J, as_bodies, resample, rotation_y

# Relative MediaPipe noise per joint: extremities are the least stable landmarks.
NOISE_WEIGHTS = np.ones(25, np.float32)
for _name in ("left_wrist", "right_wrist", "left_ankle", "right_ankle"):
    NOISE_WEIGHTS[J[_name]] = 2.0
for _name in ("left_hand", "right_hand", "left_hand_tip", "right_hand_tip", "left_thumb", "right_thumb",
              "left_foot", "right_foot"):
    NOISE_WEIGHTS[J[_name]] = 2.5
for _name in ("spine_base", "spine_mid", "spine_shoulder", "left_hip", "right_hip"):
    NOISE_WEIGHTS[J[_name]] = 0.6


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


def augment(skeleton: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig | None = None) -> np.ndarray:
    """One random augmentation of `(T, M, 25, 3)` (or `(T, 25, 3)`) metres; returns `(T', M, 25, 3)`."""
    cfg = cfg or AugmentConfig()
    arr = as_bodies(skeleton)
    if rng.random() < cfg.live_joints:
        arr = live_joints(arr)
    arr = shift_spine_base(arr, rng.uniform(*cfg.spine_shift))
    arr = rotate(arr, rng.uniform(-cfg.yaw, cfg.yaw), rng.uniform(-cfg.tilt, cfg.tilt))
    arr = scale(arr, rng.uniform(*cfg.scale), 1.0 + rng.uniform(-cfg.aniso, cfg.aniso))
    arr = change_speed(arr, rng.uniform(*cfg.speed))
    arr = add_noise(arr, rng, cfg.noise, cfg.offset)
    return drop(arr, rng, cfg.dropout, cfg.dropout_frames, cfg.frame_loss)
