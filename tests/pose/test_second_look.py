"""The second look on real frames: with one of two people covered, the other is found; with the only person
covered, nobody is invented."""

from __future__ import annotations

import numpy as np
import pytest

from pose.estimator import PersonLandmarks, PoseEstimator
from pose.second_look import SecondLook, cover
from pose.video import iter_frames
from tests.pose.conftest import MAX_SIDE, MULTI_CLIP, SINGLE_CLIP


def first_frame(path) -> np.ndarray:
    return next(iter_frames(path, max_side=MAX_SIDE))[1]


def hips(person) -> np.ndarray:
    return person.image[23:25, :2].mean(axis=0)


@pytest.fixture(scope="module")
def single() -> tuple[np.ndarray, PersonLandmarks]:
    """The one-person clip's first frame and its person, found once (building a still-image graph takes seconds)."""
    frame = first_frame(SINGLE_CLIP)
    with PoseEstimator(mode="image", num_poses=1) as est:
        return frame, est.detect(frame)[0]


def test_the_other_person_is_found_behind_a_covered_one(single: tuple[np.ndarray, PersonLandmarks]) -> None:
    frame = first_frame(MULTI_CLIP)
    with PoseEstimator(mode="image", num_poses=2) as est:
        a, b = est.detect(frame)
    look = SecondLook()
    try:
        found = look.find(frame, a)
        assert found is not None and np.linalg.norm(hips(found) - hips(b)) < 0.05  # b, not a again
        assert look.find(*single) is None
    finally:
        look.close()


def test_cover_paints_only_the_body(single: tuple[np.ndarray, PersonLandmarks]) -> None:
    frame, person = single
    covered = cover(frame, person)
    changed = (covered != frame).any(axis=2)
    assert covered.shape == frame.shape and frame is not covered
    y, x = (person.image[0, 1] * frame.shape[0], person.image[0, 0] * frame.shape[1])
    assert changed[int(y), int(x)]  # the face is covered
    assert 0.02 < changed.mean() < 0.4  # the body, not the frame


class Scripted:
    """An estimator that finds `counts[k]` copies of one body in frame k, and a second look that counts calls."""

    mode, num_poses = "video", 2

    def __init__(self, person, counts: list[int]) -> None:
        self.person, self.counts, self.k = person, counts, 0

    def detect(self, frame: np.ndarray, t: float | None = None) -> list:
        self.k += 1
        return [self.person] * self.counts[self.k - 1]

    def close(self) -> None: ...


def test_a_second_look_every_frame_after_two_were_seen_else_once_a_second(
        single: tuple[np.ndarray, PersonLandmarks]) -> None:
    from pose.stream import SkeletonStream

    frame, person = single
    counts = [1] * 60 + [2] + [1] * 150  # 2 s alone, two people at 2 s, then one for 5 s
    stream = SkeletonStream(estimator=Scripted(person, counts), second_look=True)
    looked: list[float] = []
    stream.second_look.find = lambda f, p: looked.append(t) or None  # type: ignore[method-assign]
    for k in range(len(counts)):
        t = k / 30
        stream.process(frame, t)
    stream.close()
    alone = [x for x in looked if x < 2.0]
    together = [x for x in looked if 2.0 < x <= 5.0 + 1e-9]
    assert alone == [0.0, 1.0]  # once a second
    assert len(together) == 90  # every one-person frame for 3 s after two were seen
    assert [x for x in looked if x > 5.0 + 1e-9] == [6.0, 7.0]  # then once a second again
