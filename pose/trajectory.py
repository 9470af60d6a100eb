"""Global motion: recover the hip centre's 3-D position that MediaPipe's hip-centred world landmarks erase.

Pinhole camera with focal length f pixels and the principal point at the frame centre (cx, cy). The world
landmarks give the body's true metric shape; the image landmarks give the same points in pixels. Their
ratio, fitted over all visible landmarks, is the apparent scale s (pixels per metre at the body's depth):

    s = sum_i (p_i - c) . w_i / sum_i |w_i|^2      p_i: pixel (x W, y H), c: pixel hip centre,
                                                     w_i: world (x, y) relative to the world hip centre
    Z = f / s,   X = (c_x - cx) / s,   Y = (c_y - cy) / s      (MediaPipe camera axes: x right, y down, z away)

Using every visible landmark rather than one bone keeps s stable when the torso bends or turns. f is unknown
for a webcam: the default assumes a 60-degree field of view across the longer image side, which fixes the
depth scale only; jumps, steps and squats (changes of X, Y, Z) come out in metres at the right size
whenever the assumed f is near the real one, and in proportion otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from pose.ntu import HIPS

DEFAULT_FOV_DEG = 60.0
MIN_VISIBILITY = 0.5
MIN_POINTS = 4


def default_focal(width: int, height: int, fov_deg: float = DEFAULT_FOV_DEG) -> float:
    """Focal length in pixels for a field of view `fov_deg` across the longer image side."""
    return 0.5 * max(width, height) / math.tan(math.radians(fov_deg) / 2.0)


def root_position(image: np.ndarray, visibility: np.ndarray, world: np.ndarray, width: int, height: int,
                  focal: float | None = None) -> np.ndarray:
    """(3,) hip-centre position in MediaPipe camera axes (metres), NaN when the scale cannot be fitted.

    image: (33, 3) normalised landmarks; visibility: (33,); world: (33, 3) metres; width/height: frame pixels.
    """
    f = focal if focal is not None else default_focal(width, height)
    px = image[:, :2].astype(np.float64) * (width, height)
    centre = px[HIPS].mean(axis=0)
    w = world[:, :2].astype(np.float64) - world[HIPS, :2].mean(axis=0)
    use = visibility >= MIN_VISIBILITY
    if use.sum() < MIN_POINTS:
        use = np.ones_like(use)
    d, w = px[use] - centre, w[use]
    denom = float((w * w).sum())
    s = float((d * w).sum()) / denom if denom > 1e-9 else 0.0
    if not math.isfinite(s) or s <= 1e-6:
        return np.full(3, np.nan, dtype=np.float32)
    return np.array([(centre[0] - width / 2.0) / s, (centre[1] - height / 2.0) / s, f / s], dtype=np.float32)
