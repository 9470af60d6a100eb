"""Keep each person's identity across frames: NTU holds at most 2 bodies, in fixed slots.

Each frame's detections are assigned to the live tracks by position (the image hip centre), predicted
with a constant-velocity model so two people who cross keep their identities. The assignment maximises
the number of matches within `max_distance`, then minimises the total distance (exhaustive: at most 2
tracks). Unmatched detections, largest first, open new tracks in free slots; when no slot is free they may
take over the slot of a track missing in this frame (a body that moved past the gate, e.g. in a flip, or
that the network lost), but a small detection (a background walker) never displaces a large body. A track
unseen for `max_absence` seconds is dropped and its slot freed. Slots without a body are NaN downstream.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from fdsm.skeleton import MAX_BODIES


@dataclass
class Track:
    """A person followed over time; `id` increases and is never reused."""

    id: int
    position: np.ndarray
    velocity: np.ndarray
    last_seen: float
    size: float = 0.0  # apparent body height (same units as positions); 0 when unknown

    def predict(self, t: float) -> np.ndarray:
        return self.position + self.velocity * (t - self.last_seen)


class Tracker:
    """Assign detections to at most `max_bodies` slots by predicted position."""

    def __init__(self, max_bodies: int = MAX_BODIES, max_absence: float = 0.5, max_distance: float = 0.25,
                 velocity_gain: float = 0.5, takeover_size: float = 0.5) -> None:
        self.max_bodies = max_bodies
        self.max_absence = max_absence
        self.max_distance = max_distance
        self.velocity_gain = velocity_gain
        self.takeover_size = takeover_size  # a detection may take a missing track's slot if at least this x its size
        self.reset()

    def reset(self) -> None:
        self.slots: list[Track | None] = [None] * self.max_bodies
        self._next_id = 0

    def _match(self, t: float, positions: np.ndarray) -> dict[int, int]:
        """slot -> detection index for the best gated assignment."""
        live = [s for s, tr in enumerate(self.slots) if tr is not None]
        dist = {(s, d): float(np.linalg.norm(positions[d] - self.slots[s].predict(t)))
                for s in live for d in range(len(positions))}
        best: dict[int, int] = {}
        best_key = (-1, 0.0)
        choices = list(range(len(positions))) + [None] * len(live)
        for perm in itertools.permutations(choices, len(live)):
            pairs = {s: d for s, d in zip(live, perm, strict=True) if d is not None and dist[s, d] <= self.max_distance}
            key = (len(pairs), -sum(dist[s, d] for s, d in pairs.items()))
            if key > best_key:
                best, best_key = pairs, key
        return best

    def update(self, t: float, positions: np.ndarray, sizes: np.ndarray | None = None) -> list[int | None]:
        """Slot of each detection (None: no room). `positions`: (N, D); `sizes`: (N,) apparent body heights."""
        positions = np.asarray(positions, dtype=np.float64)
        positions = positions.reshape(len(positions), -1) if len(positions) else np.zeros((0, 1))
        sizes = np.zeros(len(positions)) if sizes is None else np.asarray(sizes, dtype=np.float64)
        for s, tr in enumerate(self.slots):
            if tr is not None and t - tr.last_seen > self.max_absence:
                self.slots[s] = None
        result: list[int | None] = [None] * len(positions)
        for s, d in self._match(t, positions).items():
            tr = self.slots[s]
            dt = t - tr.last_seen
            if dt > 0:
                measured = (positions[d] - tr.position) / dt
                tr.velocity = tr.velocity + self.velocity_gain * (measured - tr.velocity)
            tr.position, tr.last_seen, tr.size = positions[d], t, float(sizes[d])
            result[d] = s
        for d in sorted((d for d in range(len(positions)) if result[d] is None), key=lambda d: -sizes[d]):
            slot = self._slot_for(t, float(sizes[d]))
            if slot is None:
                continue
            self.slots[slot] = Track(self._next_id, positions[d], np.zeros_like(positions[d]), t, float(sizes[d]))
            self._next_id += 1
            result[d] = slot
        return result

    def _slot_for(self, t: float, size: float) -> int | None:
        """A free slot, else the slot of a track missing now that this detection may replace, else None."""
        free = next((s for s, tr in enumerate(self.slots) if tr is None), None)
        if free is not None:
            return free
        missing = [s for s, tr in enumerate(self.slots) if tr.last_seen < t and size >= self.takeover_size * tr.size]
        return min(missing, key=lambda s: self.slots[s].last_seen) if missing else None

    def track_ids(self) -> tuple[int | None, ...]:
        """Track id in each slot (None where the slot is free)."""
        return tuple(tr.id if tr is not None else None for tr in self.slots)
