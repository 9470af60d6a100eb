"""Tracker on synthetic hip-position streams: appear, vanish, cross, two people, a third one."""

from __future__ import annotations

import numpy as np

from pose.tracking import Tracker

FPS = 30.0


def test_one_person_keeps_slot_and_id_while_moving() -> None:
    tr = Tracker()
    for k in range(30):
        assert tr.update(k / FPS, np.array([[0.2 + 0.01 * k, 0.5]])) == [0]
    assert tr.track_ids() == (0, None)


def test_appear_in_second_slot_then_vanish_and_come_back_with_a_new_id() -> None:
    tr = Tracker(max_absence=0.5)
    tr.update(0.0, np.array([[0.2, 0.5]]))
    assert tr.update(1 / FPS, np.array([[0.2, 0.5], [0.8, 0.5]])) == [0, 1]
    assert tr.track_ids() == (0, 1)
    # B vanishes: A keeps slot 0, B's slot is kept for a short absence...
    assert tr.update(2 / FPS, np.array([[0.2, 0.5]])) == [0]
    assert tr.track_ids() == (0, 1)
    # ...and B reappearing nearby within the absence window is the same person.
    assert tr.update(5 / FPS, np.array([[0.8, 0.5], [0.2, 0.5]])) == [1, 0]
    assert tr.track_ids() == (0, 1)
    # After a long absence the track is dropped and a reappearance is a new person.
    for k in range(6, 30):
        tr.update(k / FPS, np.array([[0.2, 0.5]]))
    assert tr.track_ids() == (0, None)
    assert tr.update(30 / FPS, np.array([[0.2, 0.5], [0.8, 0.5]])) == [0, 1]
    assert tr.track_ids() == (0, 2)


def test_two_people_crossing_keep_their_identities() -> None:
    tr = Tracker()
    slots_a, slots_b = [], []
    for k in range(40):
        a = np.array([0.1 + 0.02 * k, 0.50])
        b = np.array([0.9 - 0.02 * k, 0.52])  # they pass each other at k = 20
        order = [a, b] if k % 2 else [b, a]  # the detector's order means nothing
        s = tr.update(k / FPS, np.stack(order))
        sa, sb = (s[0], s[1]) if k % 2 else (s[1], s[0])
        slots_a.append(sa)
        slots_b.append(sb)
    assert set(slots_a) == {slots_a[0]} and set(slots_b) == {slots_b[0]} and slots_a[0] != slots_b[0]


def test_crossing_with_a_missed_detection_at_the_crossing() -> None:
    tr = Tracker()
    history = {}
    for k in range(40):
        a = np.array([0.1 + 0.02 * k, 0.5])
        b = np.array([0.9 - 0.02 * k, 0.5])
        dets = [a] if 19 <= k <= 21 else [a, b]  # occlusion: only one body seen while they overlap
        for d, s in zip(dets, tr.update(k / FPS, np.stack(dets)), strict=True):
            history.setdefault("a" if d is a else "b", set()).add(s)
    assert len(history["a"]) == 1 and len(history["b"]) == 1 and history["a"] != history["b"]


def test_at_most_two_bodies() -> None:
    tr = Tracker()
    assert tr.update(0.0, np.array([[0.1, 0.5], [0.5, 0.5], [0.9, 0.5]])) == [0, 1, None]
    assert tr.update(1 / FPS, np.array([[0.9, 0.5], [0.5, 0.5], [0.1, 0.5]])) == [None, 1, 0]


def test_no_detections_is_fine() -> None:
    tr = Tracker()
    assert tr.update(0.0, np.zeros((0, 2))) == []
    assert tr.update(0.1, []) == []
    assert tr.track_ids() == (None, None)


def test_a_far_jump_is_a_new_person() -> None:
    tr = Tracker(max_distance=0.25)
    tr.update(0.0, np.array([[0.1, 0.5]]))
    assert tr.update(1 / FPS, np.array([[0.9, 0.5]])) == [1]  # too far for track 0, which is still kept
    assert tr.track_ids() == (0, 1)


def test_a_body_lost_past_the_gate_is_taken_over_at_once_when_no_slot_is_free() -> None:
    tr = Tracker(max_distance=0.25)
    tr.update(0.0, np.array([[0.2, 0.5], [0.8, 0.5]]), np.array([0.6, 0.6]))
    # a flip: the body at 0.2 reappears at 0.55 (past its gate) in the next frame; the other is still matched
    assert tr.update(1 / FPS, np.array([[0.55, 0.4], [0.8, 0.5]]), np.array([0.5, 0.6])) == [0, 1]
    assert tr.track_ids() == (2, 1)  # slot 0 goes on at once, as a new track (no 0.5 s wait for the old one)


def test_a_small_background_body_never_displaces_a_large_one() -> None:
    tr = Tracker()
    tr.update(0.0, np.array([[0.2, 0.5], [0.8, 0.5]]), np.array([0.6, 0.6]))
    assert tr.update(1 / FPS, np.array([[0.5, 0.3], [0.8, 0.5]]), np.array([0.1, 0.6])) == [None, 1]
    assert tr.track_ids() == (0, 1)


def test_the_largest_new_body_gets_the_last_free_slot() -> None:
    tr = Tracker()
    tr.update(0.0, np.array([[0.5, 0.5]]), np.array([0.6]))
    slots = tr.update(1 / FPS, np.array([[0.5, 0.5], [0.1, 0.4], [0.9, 0.5]]), np.array([0.6, 0.1, 0.5]))
    assert slots == [0, None, 1]
