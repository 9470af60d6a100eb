"""Overlay geometry shared by the window (QPainter) and --record (OpenCV): bones, colours, caption, bars.

Both renderers draw the same segments in the same colours, so the recorded video looks like the window.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.cv import import_cv2
from pose.estimator import POSE_CONNECTIONS

# RGB per NTU body slot: the first tracked person orange, the second cyan.
PERSON_COLORS: tuple[tuple[int, int, int], ...] = ((255, 149, 0), (0, 190, 255))
NO_MATCH_TEXT = "nothing matches"
MIN_VISIBILITY = 0.5

Point = tuple[float, float]


def person_segments(landmarks: object, width: int, height: int) -> list[tuple[Point, Point]]:
    """Pixel segments of one person's visible bones (`landmarks.image` is (33, 3), x and y normalised)."""
    pts = np.asarray(landmarks.image, dtype=np.float64)[:, :2] * (width, height)
    vis = np.asarray(getattr(landmarks, "visibility", np.ones(len(pts))))
    return [((pts[a, 0], pts[a, 1]), (pts[b, 0], pts[b, 1])) for a, b in POSE_CONNECTIONS
            if vis[a] >= MIN_VISIBILITY and vis[b] >= MIN_VISIBILITY]


def caption_text(top: str | None, scored: bool) -> str:
    """What the big label says: the top label, "nothing matches", or nothing before the first score."""
    if not scored:
        return ""
    return top if top is not None else NO_MATCH_TEXT


def ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
    """Labels by decreasing probability (ties keep the user's order)."""
    return sorted(scores.items(), key=lambda kv: -kv[1])


def draw_cv2(image: np.ndarray, landmarks: Sequence[object | None], caption: str,
             scores: dict[str, float] | None, max_bars: int = 5) -> np.ndarray:
    """An annotated BGR copy of `image`: skeletons, the caption, and the top few probability bars."""
    cv2 = import_cv2()
    out = image.copy()
    h, w = out.shape[:2]
    thick = max(2, round(min(w, h) / 200))
    for slot, person in enumerate(landmarks):
        if person is None:
            continue
        r, g, b = PERSON_COLORS[slot % len(PERSON_COLORS)]
        for (x1, y1), (x2, y2) in person_segments(person, w, h):
            cv2.line(out, (round(x1), round(y1)), (round(x2), round(y2)), (b, g, r), thick, cv2.LINE_AA)
    scale = min(w, h) / 500
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
