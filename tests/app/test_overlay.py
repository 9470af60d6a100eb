"""Overlay geometry: bones scaled to pixels, hidden joints skipped; the OpenCV drawing marks the frame."""

from __future__ import annotations

import numpy as np

from app.overlay import NO_MATCH_TEXT, PERSON_COLORS, caption_text, draw_cv2, person_number, person_segments, ranked
from app.pipeline import Scored
from app.smoothing import UNSURE
from pose.estimator import POSE_CONNECTIONS
from tests.app.fakes import FakeLandmarks


def landmarks(visible: float = 1.0) -> FakeLandmarks:
    rng = np.random.default_rng(1)
    image = np.zeros((33, 3), np.float32)
    image[:, :2] = rng.uniform(0.1, 0.9, (33, 2))
    return FakeLandmarks(image, np.full(33, visible, np.float32))


def test_segments_are_the_pose_connections_in_pixels() -> None:
    person = landmarks()
    segments = person_segments(person, 200, 100)
    assert len(segments) == len(POSE_CONNECTIONS)
    (x1, y1), (x2, y2) = segments[0]
    a, b = POSE_CONNECTIONS[0]
    assert np.allclose([x1, y1, x2, y2], [person.image[a, 0] * 200, person.image[a, 1] * 100,
                                          person.image[b, 0] * 200, person.image[b, 1] * 100], atol=1e-4)


def test_hidden_joints_draw_no_bones() -> None:
    person = landmarks()
    person.visibility[POSE_CONNECTIONS[0][0]] = 0.1
    touching = sum(POSE_CONNECTIONS[0][0] in pair for pair in POSE_CONNECTIONS)
    assert len(person_segments(person, 10, 10)) == len(POSE_CONNECTIONS) - touching
    assert person_segments(landmarks(visible=0.2), 10, 10) == []


def test_draw_cv2_colours_each_person_and_keeps_the_input() -> None:
    frame = np.zeros((240, 320, 3), np.uint8)
    out = draw_cv2(frame, (landmarks(), None), "wave", {"wave": 0.7, "clap": 0.3})
    assert frame.sum() == 0 and out.shape == frame.shape
    r, g, b = PERSON_COLORS[0]
    assert np.all(out == (b, g, r), axis=2).sum() > 50  # the first person's bones, in BGR


def test_colours_follow_the_person_number_not_the_slot() -> None:
    """Slot 0 holds person number 1 (e.g. after a loop the tracker filled the slots the other way round)."""
    frame = np.zeros((240, 320, 3), np.uint8)
    out = draw_cv2(frame, (landmarks(), None), "", None, people=(1, None))
    (r0, g0, b0), (r1, g1, b1) = PERSON_COLORS
    assert np.all(out == (b1, g1, r1), axis=2).sum() > 50 and np.all(out == (b0, g0, r0), axis=2).sum() == 0


def test_person_number_is_the_stable_number_else_the_slot() -> None:
    assert [person_number((1, None), slot) for slot in range(3)] == [1, 1, 2]


def scored(top: str | None, reason: str | None = None, subject: int | None = None) -> Scored:
    scores = {"wave": 0.6, "clap": 0.4}
    return Scored(1.0, 30, 1, top, scores, top, scores, reason, subject)


def test_caption_and_ranking() -> None:
    assert caption_text(None) == "" and caption_text(scored("wave")) == "wave"
    assert caption_text(scored(None, NO_MATCH_TEXT)) == NO_MATCH_TEXT
    assert caption_text(scored(None, UNSURE)) == "unsure"
    assert caption_text(scored("wave", subject=1)) == "wave (person 2)"  # two people: which one it is about
    assert ranked({"a": 0.2, "b": 0.5, "c": 0.3}) == [("b", 0.5), ("c", 0.3), ("a", 0.2)]
