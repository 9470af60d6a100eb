"""A second body hidden behind the first: two people embracing, or one in front of the other.

MediaPipe's detector suppresses overlapping boxes, so of two people in an embrace it returns one. Covering
that person's body (head, torso and limbs painted grey along their own landmarks) and looking again with a
separate still-image graph finds the other one in many such frames. It costs a second network pass, so
`SkeletonStream` asks for it only where it can pay off: on every one-person frame for a few seconds after two
bodies were seen, and otherwise once a second (two people who were together from the start).
"""

from __future__ import annotations

import numpy as np

from pose.estimator import PersonLandmarks, PoseEstimator, body_height, distinct
from pose.video import cv2

GREY = (128, 128, 128)
HEAD = slice(0, 11)  # nose, eyes, ears, mouth
LIMBS = ((11, 13), (13, 15), (12, 14), (14, 16), (23, 25), (25, 27), (24, 26), (26, 28), (27, 31), (28, 32))
TORSO = (11, 12, 24, 23)


def cover(frame: np.ndarray, person: PersonLandmarks) -> np.ndarray:
    """A copy of the BGR frame with `person`'s head, torso and limbs painted grey (about 9 % of their height thick,
    so a body pressed against them keeps its own outline)."""
    out = frame.copy()
    h, w = frame.shape[:2]
    pts = person.image[:, :2] * (w, h)
    thick = max(3, int(0.09 * body_height(pts)))
    for a, b in LIMBS:
        cv2.line(out, tuple(int(v) for v in pts[a]), tuple(int(v) for v in pts[b]), GREY, thick)
    cv2.fillConvexPoly(out, pts[list(TORSO)].astype(np.int32), GREY)
    head = pts[HEAD]
    radius = int(0.9 * np.ptp(head[:, 0]) + thick)
    cv2.circle(out, tuple(int(v) for v in head.mean(axis=0)), radius, GREY, -1)
    return out


class SecondLook:
    """Looks for one more person in a frame with `first` covered; the still-image graph is built on first use."""

    def __init__(self) -> None:
        self._estimator: PoseEstimator | None = None

    def find(self, frame: np.ndarray, first: PersonLandmarks) -> PersonLandmarks | None:
        if self._estimator is None:
            self._estimator = PoseEstimator(mode="image", num_poses=1)
        found = self._estimator.detect(cover(frame, first))
        if not found:
            return None
        people = distinct([first, found[0]], frame.shape[1], frame.shape[0])  # the first one again is no second
        return people[1] if len(people) == 2 else None

    def close(self) -> None:
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None
