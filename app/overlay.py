"""Overlay geometry shared by the window (QPainter) and --record (OpenCV): bones, colours, caption, bars.

Both renderers draw the same segments in the same colours, so the recorded video looks like the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from app.cv import import_cv2
from app.smoothing import NO_MATCH
from pose.estimator import POSE_CONNECTIONS

if TYPE_CHECKING:
    from app.pipeline import Scored, Update

# RGB per person display number (app.pipeline.PersonNumbers): the first person orange, the second cyan.
PERSON_COLORS: tuple[tuple[int, int, int], ...] = ((255, 149, 0), (0, 190, 255))
NO_MATCH_TEXT = NO_MATCH
MIN_VISIBILITY = 0.5

Point = tuple[float, float]


def person_segments(landmarks: object, width: int, height: int) -> list[tuple[Point, Point]]:
    """Pixel segments of one person's visible bones (`landmarks.image` is (33, 3), x and y normalised)."""
    pts = np.asarray(landmarks.image, dtype=np.float64)[:, :2] * (width, height)
    vis = np.asarray(getattr(landmarks, "visibility", np.ones(len(pts))))
    return [((pts[a, 0], pts[a, 1]), (pts[b, 0], pts[b, 1])) for a, b in POSE_CONNECTIONS
            if vis[a] >= MIN_VISIBILITY and vis[b] >= MIN_VISIBILITY]


def decision_text(scored: Scored) -> str:
    """The decision in words: the label, "unsure" or "nothing matches"."""
    return scored.top if scored.top is not None else (scored.reason or NO_MATCH_TEXT)


def caption_text(scored: Scored | None) -> str:
    """The one-line caption (--record, the headless timeline): the decision, and with two people in the window
    which one it is about; nothing before the first score."""
    if scored is None:
        return ""
    text = decision_text(scored)
    return text if scored.subject is None else f"{text} (person {scored.subject + 1})"


def person_number(people: Sequence[int | None], slot: int) -> int:
    """The display number (0-based) of the person in `slot`: their stable number (app.pipeline.PersonNumbers),
    else the slot; the window and --record number and colour people by it."""
    number = people[slot] if slot < len(people) else None
    return slot if number is None else number


def person_color(number: int | None, slot: int) -> tuple[int, int, int]:
    """RGB of a person: by display number when known, else by slot."""
    return PERSON_COLORS[(slot if number is None else number) % len(PERSON_COLORS)]


def person_anchor(landmarks: object, width: float, height: float) -> Point | None:
    """Where a person's number tag goes: just above the head (the highest visible landmark), in pixels."""
    pts = np.asarray(landmarks.image, dtype=np.float64)[:, :2] * (width, height)
    vis = np.asarray(getattr(landmarks, "visibility", np.ones(len(pts))))
    shown = pts[(vis >= MIN_VISIBILITY) & np.isfinite(pts).all(axis=1)]
    if not len(shown):
        return None
    top = shown[np.argmin(shown[:, 1])]
    return float(top[0]), float(top[1]) - 0.04 * height


def ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    """Labels by decreasing probability (ties keep the user's order)."""
    return sorted(scores.items(), key=lambda kv: -kv[1])


def draw_update(update: Update, last: Scored | None) -> np.ndarray:
    """The --record frame of one Update: its skeletons under the latest decision (`last`) and its scores."""
    return draw_cv2(update.frame.image, update.landmarks, caption_text(last), last.scores if last else None,
                    people=update.people)


def draw_cv2(image: np.ndarray, landmarks: Sequence[object | None], caption: str,
             scores: dict[str, float] | None, max_bars: int = 5,
             people: Sequence[int | None] = ()) -> np.ndarray:
    """An annotated BGR copy of `image`: skeletons (numbered when two are shown), the caption, the top few bars."""
    cv2 = import_cv2()
    out = image.copy()
    h, w = out.shape[:2]
    thick = max(2, round(min(w, h) / 200))
    scale = min(w, h) / 500
    several = sum(person is not None for person in landmarks) > 1
    for slot, person in enumerate(landmarks):
        if person is None:
            continue
        number = person_number(people, slot)
        r, g, b = person_color(number, slot)
        for (x1, y1), (x2, y2) in person_segments(person, w, h):
            cv2.line(out, (round(x1), round(y1)), (round(x2), round(y2)), (b, g, r), thick, cv2.LINE_AA)
        anchor = person_anchor(person, w, h) if several else None
        if anchor is not None:
            tag = str(number + 1)
            cv2.putText(out, tag, (round(anchor[0]), round(anchor[1])), cv2.FONT_HERSHEY_SIMPLEX, 1.0 * scale,
                        (b, g, r), round(3 * scale) + 1, cv2.LINE_AA)
    if caption:
        org = (round(12 * scale), round(40 * scale))
        cv2.putText(out, caption, org, cv2.FONT_HERSHEY_SIMPLEX, 1.2 * scale, (0, 0, 0), round(6 * scale) + 1,
                    cv2.LINE_AA)
        cv2.putText(out, caption, org, cv2.FONT_HERSHEY_SIMPLEX, 1.2 * scale, (255, 255, 255), round(2 * scale) + 1,
                    cv2.LINE_AA)
    for i, (label, p) in enumerate(ranked(scores or {})[:max_bars]):
        y = round((60 + 26 * i) * scale)
        x0, bar_h, bar_w = round(12 * scale), round(18 * scale), round(160 * scale)
        cv2.rectangle(out, (x0, y), (x0 + bar_w, y + bar_h), (48, 44, 40), -1)  # track, for contrast
        cv2.rectangle(out, (x0, y), (x0 + round(bar_w * p), y + bar_h), (0, 149, 255), -1)
        cv2.putText(out, f"{label} {p:.2f}", (x0 + 4, y + bar_h - round(4 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.5 * scale, (255, 255, 255), max(1, round(scale)), cv2.LINE_AA)
    return out
