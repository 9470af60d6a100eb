"""One-Euro filter for landmark jitter: the live stream is noisier than the motion-capture training data.

Casiez et al., CHI 2012: an exponential low-pass whose cut-off rises with speed, so a still body is steady
and a fast hand is not lagged. Per element of an array, at irregular timestamps:

    a(fc, dt) = 1 / (1 + 1 / (2 pi fc dt))
    dx  = (x - x_hat_prev) / dt;  dx_hat = dx_hat_prev + a(d_cutoff, dt) (dx - dx_hat_prev)
    fc  = min_cutoff + beta |dx_hat|;  x_hat = x_hat_prev + a(fc, dt) (x - x_hat_prev)

NaN input gives NaN output and restarts that element from its next finite value.
"""

from __future__ import annotations

import math

import numpy as np

MIN_DT = 1e-3


def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
    return 1.0 / (1.0 + 1.0 / (2.0 * math.pi * cutoff * dt))


class OneEuroFilter:
    """Vectorised One-Euro filter; `enabled=False` passes values through unchanged."""

    def __init__(self, min_cutoff: float = 1.0, beta: float = 2.0, d_cutoff: float = 1.0, enabled: bool = True) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise ValueError("One-Euro cut-offs must be > 0 and beta >= 0")
        self.min_cutoff, self.beta, self.d_cutoff, self.enabled = min_cutoff, beta, d_cutoff, enabled
        self.reset()

    def reset(self) -> None:
        """Forget the history (e.g. when a new person takes over a track slot)."""
        self._t: float | None = None
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        """Filtered copy of `x` observed at time `t` seconds."""
        x = np.asarray(x, dtype=np.float64)
        if not self.enabled:
            return x.astype(np.float32)
        if self._x is None or self._t is None or self._x.shape != x.shape:
            self._t, self._x, self._dx = t, x.copy(), np.zeros_like(x)
            return x.astype(np.float32)
        dt = max(t - self._t, MIN_DT)
        fresh = ~np.isfinite(self._x)  # no history for these elements: start them at x
        prev = np.where(fresh, x, self._x)
        dx = np.where(fresh, 0.0, (x - prev) / dt)
        dx_hat = self._dx + _alpha(self.d_cutoff, dt) * (np.nan_to_num(dx) - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        out = prev + _alpha(cutoff, dt) * (x - prev)
        self._t, self._x = t, out
        self._dx = np.where(np.isfinite(out), dx_hat, 0.0)
        return out.astype(np.float32)
