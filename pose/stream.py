"""Frame -> one row of the NTU skeleton stream: estimator, 33->25 mapping, root trajectory, tracking, smoothing.

This is what the app calls once per frame (see docs/pose.md). `SkeletonMapper` is the part after the pose
network, separate so it can be tested with synthetic landmarks and benchmarked on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from fdsm.skeleton import MAX_BODIES, NUM_JOINTS
from pose.estimator import PersonLandmarks, PoseEstimator, body_height, check_frame
from pose.ntu import HIPS, to_ntu25
from pose.second_look import SecondLook
from pose.smoothing import OneEuroFilter
from pose.tracking import Tracker
from pose.trajectory import root_position
from pose.video import shrink


@dataclass(frozen=True)
class StreamFrame:
    """One frame of the stream.

    skeleton: (2, 25, 3) float32 y-up metres with global motion, NaN where a slot is empty.
    persons: bodies present now; track_ids / landmarks: per slot, None where empty.
    """

    t: float
    skeleton: np.ndarray
    persons: int
    track_ids: tuple[int | None, ...]
    landmarks: tuple[PersonLandmarks | None, ...]


class SkeletonMapper:
    """Landmarks -> NTU-25 rows with global motion, stable body slots and optional One-Euro smoothing."""

    def __init__(self, smoothing: bool = True, focal: float | None = None, tracker: Tracker | None = None) -> None:
        self.tracker = tracker if tracker is not None else Tracker()
        self.focal = focal
        self._filters = [OneEuroFilter(enabled=smoothing) for _ in range(MAX_BODIES)]
        self._filter_ids: list[int | None] = [None] * MAX_BODIES

    @property
    def smoothing(self) -> bool:
        return self._filters[0].enabled

    @smoothing.setter
    def smoothing(self, on: bool) -> None:
        for f in self._filters:
            f.enabled = on
            f.reset()

    def map_people(self, people: list[PersonLandmarks], width: int, height: int, t: float) -> StreamFrame:
        """The post-network part: landmarks of the people in a width x height frame -> a StreamFrame."""
        side = float(max(width, height))
        hips = np.array([p.image[HIPS, :2].mean(axis=0) * (width / side, height / side) for p in people])
        sizes = np.array([body_height(p.image) * height / side for p in people])
        slots = self.tracker.update(t, hips.reshape(-1, 2), sizes)
        skeleton = np.full((MAX_BODIES, NUM_JOINTS, 3), np.nan, dtype=np.float32)
        marks: list[PersonLandmarks | None] = [None] * MAX_BODIES
        ids = self.tracker.track_ids()
        for person, slot in zip(people, slots, strict=True):
            if slot is None:
                continue
            root = root_position(person.image, person.visibility, person.world, width, height, self.focal)
            body = to_ntu25(person.world + root)
            if self._filter_ids[slot] != ids[slot]:
                self._filters[slot].reset()
                self._filter_ids[slot] = ids[slot]
            skeleton[slot] = self._filters[slot](t, body)
            marks[slot] = person
        present = tuple(ids[s] if marks[s] is not None else None for s in range(MAX_BODIES))
        return StreamFrame(t, skeleton, sum(m is not None for m in marks), present, tuple(marks))


TOGETHER_S = 3.0  # after two bodies were seen, a one-person frame gets a second look for this long
PROBE_S = 1.0  # otherwise at most one second look a second


class SkeletonStream(SkeletonMapper):
    """BGR frames -> NTU-25 rows: a PoseEstimator in front of a SkeletonMapper. Close it (or use `with`).

    `second_look=True` (two bodies only) looks again for a person hidden behind the one found (pose.second_look).
    """

    def __init__(self, mode: str = "video", num_poses: int = 2, smoothing: bool = True, focal: float | None = None,
                 estimator: PoseEstimator | None = None, tracker: Tracker | None = None,
                 max_side: int | None = None, second_look: bool = False) -> None:
        super().__init__(smoothing=smoothing, focal=focal, tracker=tracker)
        self.estimator = estimator if estimator is not None else PoseEstimator(mode=mode, num_poses=num_poses)
        self.max_side = max_side
        self.second_look = SecondLook() if second_look and self.estimator.num_poses == 2 else None
        self._two_seen = self._probed = -np.inf

    def process(self, frame: np.ndarray, t: float | None = None) -> StreamFrame:
        """Detect, map, track and smooth one frame seen at `t` seconds (live mode: None = now).

        With `max_side`, the network sees the frame shrunk to that long side (MediaPipe crops to 224-256 px
        anyway, so a 1080p frame costs conversion time and no accuracy); landmarks are normalised, and the
        root trajectory is computed in the full frame's pixels so `focal` keeps its meaning.
        """
        frame = check_frame(frame)
        if t is None and self.estimator.mode == "live":
            t = time.monotonic()
        small = shrink(frame, self.max_side)
        people = self.estimator.detect(small, t)
        t = 0.0 if t is None else t
        if self.second_look is not None and len(people) == 1 and self._look_again(t):
            self._probed = t
            if (hidden := self.second_look.find(small, people[0])) is not None:
                people.append(hidden)
        if len(people) == 2:
            self._two_seen = t
        return self.map_people(people, frame.shape[1], frame.shape[0], t)

    def _look_again(self, t: float) -> bool:
        return t - self._two_seen <= TOGETHER_S or not 0 <= t - self._probed < PROBE_S

    def close(self) -> None:
        self.estimator.close()
        if self.second_look is not None:
            self.second_look.close()

    def __enter__(self) -> SkeletonStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
