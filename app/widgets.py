"""Qt widgets of the window: video with skeleton overlay, ranked probability bars, top-label timeline.

Each widget keeps its state in plain attributes (what is shown), so tests read back exactly what the user sees.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.overlay import person_anchor, person_color, person_number, person_segments, ranked

ACCENT = QColor(255, 149, 0)
MUTED = QColor(150, 156, 168)
TEXT = QColor(235, 238, 243)
PANEL = QColor(32, 35, 42)
LABEL_COLORS = [QColor(c) for c in ("#ff9500", "#00beff", "#7ed957", "#ff5fa2", "#b18cff", "#ffd84d", "#4de0c6",
                                    "#ff7a59", "#8fb3ff", "#c7e86b")]


def label_color(labels: Sequence[str], label: str | None) -> QColor:
    """A stable colour per label (by its position in the user's list); grey for "nothing matches"."""
    if label is None or label not in labels:
        return QColor(90, 94, 104)
    return LABEL_COLORS[list(labels).index(label) % len(LABEL_COLORS)]


class VideoView(QWidget):
    """The current frame, letter-boxed, with each tracked person's skeleton in their own colour; with two people,
    each is numbered and the one the shown label is about (`subject`) is marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.landmarks: tuple = ()
        self.people: tuple = ()
        self.subject: int | None = None
        self.placeholder = "Starting..."

    def set_frame(self, bgr: np.ndarray, landmarks: tuple, people: tuple = (), subject: int | None = None) -> None:
        h, w = bgr.shape[:2]
        data = np.ascontiguousarray(bgr)
        self.image = QImage(data.data, w, h, 3 * w, QImage.Format.Format_BGR888).copy()
        self.landmarks, self.people, self.subject = landmarks, people, subject
        self.update()

    def set_placeholder(self, text: str) -> None:
        self.image = None
        self.placeholder = text
        self.update()

    def image_rect(self) -> QRectF:
        """Where the frame is drawn: as large as fits, centred, aspect ratio kept."""
        if self.image is None:
            return QRectF()
        iw, ih = self.image.width(), self.image.height()
        k = min(self.width() / iw, self.height() / ih)
        return QRectF((self.width() - iw * k) / 2, (self.height() - ih * k) / 2, iw * k, ih * k)

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(14, 15, 18))
        if self.image is None:
            p.setPen(MUTED)
            p.setFont(QFont(self.font().family(), 13))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        r = self.image_rect()
        p.drawImage(r, self.image)
        several = sum(person is not None for person in self.landmarks) > 1
        for slot, person in enumerate(self.landmarks):
            if person is None:
                continue
            number = person_number(self.people, slot)
            color = QColor(*person_color(number, slot))
            pen = QPen(color, max(2.5, r.width() / 180))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(pen)
            for (x1, y1), (x2, y2) in person_segments(person, r.width(), r.height()):
                p.drawLine(QPointF(r.x() + x1, r.y() + y1), QPointF(r.x() + x2, r.y() + y2))
            anchor = person_anchor(person, r.width(), r.height()) if several else None
            if anchor is not None:
                self._tag(p, QPointF(r.x() + anchor[0], r.y() + anchor[1]), number, color)

    def _tag(self, p: QPainter, at: QPointF, number: int, color: QColor) -> None:
        """A person's number in a badge; the person the label is about gets a filled badge and an arrow."""
        font = QFont(self.font().family(), 12, QFont.Weight.Bold)
        p.setFont(font)
        text = f"\u25b6 {number + 1}" if number == self.subject else str(number + 1)
        box = QRectF(at.x() - 22, at.y() - 14, 44, 28)
        p.setPen(QPen(color, 2))
        p.setBrush(color if number == self.subject else QColor(14, 15, 18, 180))
        p.drawRoundedRect(box, 6, 6)
        p.setPen(QColor(14, 15, 18) if number == self.subject else color)
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.setBrush(Qt.BrushStyle.NoBrush)


class ScoreChart(QWidget):
    """Labels ranked by probability as horizontal bars; the leader highlighted; a message when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(120)
        self.rows: list[tuple[str, float]] = []
        self.top: str | None = None
        self.labels: tuple[str, ...] = ()
        self.message = "Starting..."

    def set_scores(self, labels: Sequence[str], scores: dict[str, float], top: str | None) -> None:
        self.labels, self.rows, self.top, self.message = tuple(labels), ranked(scores), top, ""
        self.update()

    def set_message(self, message: str) -> None:
        self.rows, self.top, self.message = [], None, message
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, 30 * max(4, len(self.rows)) + 10)

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), PANEL)
        if not self.rows:
            p.setPen(MUTED)
            p.drawText(self.rect().adjusted(12, 8, -12, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.message)
            return
        row_h = min(30.0, (self.height() - 8) / len(self.rows))
        name_w, value_w = self.width() * 0.42, 48
        bar_w = self.width() - name_w - value_w - 24
        font = QFont(self.font())
        for i, (label, prob) in enumerate(self.rows):
            y = 4 + i * row_h
            leader = label == self.top
            font.setBold(leader)
            p.setFont(font)
            p.setPen(TEXT if leader else MUTED)
            p.drawText(QRectF(10, y, name_w - 8, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                       label)
            p.fillRect(QRectF(name_w + 4, y + row_h * 0.2, bar_w, row_h * 0.6), QColor(48, 52, 61))
            color = label_color(self.labels, label) if leader else label_color(self.labels, label).darker(160)
            p.fillRect(QRectF(name_w + 4, y + row_h * 0.2, bar_w * prob, row_h * 0.6), color)
            p.drawText(QRectF(name_w + bar_w + 10, y, value_w, row_h), Qt.AlignmentFlag.AlignVCenter, f"{prob:.2f}")


class Timeline(QWidget):
    """The last `size` scored windows as coloured blocks, newest on the right: what was recognised when."""

    def __init__(self, size: int = 50, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedHeight(34)
        self.entries: deque[str | None] = deque(maxlen=size)
        self.labels: tuple[str, ...] = ()

    def add(self, labels: Sequence[str], top: str | None) -> None:
        self.labels = tuple(labels)
        self.entries.append(top)
        self.update()

    def clear(self) -> None:
        self.entries.clear()
        self.update()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), PANEL)
        n = self.entries.maxlen or 1
        w = (self.width() - 8) / n
        x0 = self.width() - 4 - w * len(self.entries)
        for i, top in enumerate(self.entries):
            p.fillRect(QRectF(x0 + i * w, 6, max(1.0, w - 1), self.height() - 12), label_color(self.labels, top))
        if not self.entries:
            p.setPen(MUTED)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "timeline of recognised actions")


def caption_color(top: str | None, labels: Sequence[str]) -> str:
    """CSS colour of the big label: the label's colour, or grey for nothing matches."""
    return label_color(labels, top).name() if top is not None else MUTED.name()

