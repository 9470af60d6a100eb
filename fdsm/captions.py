"""Automatic kinematic captions: any NTU-25 window described in a small, fixed body-part vocabulary.

`caption(skeleton, fps)` says which limbs move, where to (heights named by body landmarks, directions
in the body's own frame built from the hips), how fast, how many times, how the posture changes, what
touches what, and how the whole body travels, for one or two persons:

    "the right hand rises forward from the hip to the mouth and back down, twice; the torso stays upright."

Every clause comes from the templates in `docs/captions.md` (the vocabulary is closed and compositional,
so a text encoder sees the same phrases across datasets and a denoiser can learn to read them). NumPy
only and deterministic. Bad windows never raise: missing parts are named ("the left arm is not visible"),
a single frame is described as a pose, an empty window as "no person is visible."

`python -m fdsm.captions bank --corpus C.npz` rewrites a prompt bank's `kinematics` texts from the
captions of each class's sequences (see `bank_kinematics`).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from fdsm.skeleton import DEFAULT_FPS, J, as_bodies, body_valid, fill_gaps

UP = np.array([0.0, 1.0, 0.0])
COUNT_WORDS = {2: "twice", 3: "three times", 4: "four times"}
MANY = "many times"
PART_JOINTS = {  # a part is "not visible" when one of these joints is never seen in the window
    "the head": ("head",),
    "the torso": ("spine_base", "spine_shoulder"),
    "the left arm": ("left_shoulder", "left_elbow", "left_wrist"),
    "the right arm": ("right_shoulder", "right_elbow", "right_wrist"),
    "the left leg": ("left_hip", "left_knee", "left_ankle"),
    "the right leg": ("right_hip", "right_knee", "right_ankle"),
}
POSTURES = ("standing", "sitting", "crouching", "kneeling", "lying")
POSTURE_VERBS = {"standing": "stands", "sitting": "sits", "crouching": "crouches", "kneeling": "kneels",
                 "lying": "lies on the floor"}
MOVE = 0.28  # a hand moves when its range exceeds this many torso lengths
MOVE_FOOT = 0.4  # a foot needs more: sensors jitter most at the feet
TOUCH = 0.3  # contact distance, torso lengths (about 13 cm for an adult)
TOGETHER = 0.45  # hands-together distance (Kinect hand joints stay apart in a clap)
PRESENT = 0.3  # a person is described when present in this share of the frames


@dataclass(frozen=True)
class Clause:
    """One phrase of a caption; `rank` orders clauses in the caption, `salience` decides which to keep."""

    text: str
    salience: float
    rank: int


def count_word(n: int) -> str:
    """", twice" style suffix for a repetition count (nothing for once)."""
    if n < 2:
        return ""
    return ", " + COUNT_WORDS.get(n, MANY)


def peaks(signal: np.ndarray) -> int:
    """How many times `signal` swings into its upper band (hysteresis at +-25 % of its 5-95 % range)."""
    if len(signal) < 3:
        return 0
    lo, hi = np.percentile(signal, [5, 95])
    mid, band = (lo + hi) / 2, 0.25 * (hi - lo)
    if band <= 0:
        return 0
    count, high = 0, signal[0] > mid + band
    for v in signal:
        if not high and v > mid + band:
            high, count = True, count + 1
        elif high and v < mid - band:
            high = False
    return count


def smooth(x: np.ndarray, frames: int) -> np.ndarray:
    """Moving average along time (edges padded with the end values), `frames` wide."""
    if frames < 2 or len(x) < 3:
        return x
    pad = frames // 2
    padded = np.concatenate([np.repeat(x[:1], pad, 0), x, np.repeat(x[-1:], pad, 0)])
    kernel = np.ones(frames) / frames
    return np.apply_along_axis(lambda c: np.convolve(c, kernel, "valid"), 0, padded)[: len(x)]


def spread(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """Robust range (95th minus 5th percentile): one noisy frame does not make a movement."""
    return np.percentile(x, 95, axis) - np.percentile(x, 5, axis)


def segments(flags: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    """(start, end) runs of True at least `min_len` frames long."""
    runs, start = [], None
    for i, f in enumerate(np.append(flags, False)):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= min_len:
                runs.append((start, i))
            start = None
    return runs


class Body:
    """One person's window in its own frame: x = the subject's left, y = up (world), z = forward."""

    def __init__(self, joints: np.ndarray, fps: float) -> None:
        self.fps = fps
        self.missing = [part for part, names in PART_JOINTS.items()
                        if any(not np.isfinite(joints[:, 0, J[n]]).any() for n in names)]
        # sensor jitter (Kinect, MediaPipe) would read as quick small movements: ~0.15 s moving average
        self.x = smooth(fill_gaps(joints)[:, 0].astype(np.float64), max(1, round(0.15 * fps)))
        self.t = len(self.x)
        self.root = self.x[:, J["spine_base"]]
        left = self.x[:, J["left_hip"]] - self.x[:, J["right_hip"]]
        shoulders = self.x[:, J["left_shoulder"]] - self.x[:, J["right_shoulder"]]
        left = np.where(np.isfinite(left), left, shoulders)
        left[:, 1] = 0.0
        norm = np.linalg.norm(left, axis=1, keepdims=True)
        self.left = np.where(norm > 1e-6, left / np.maximum(norm, 1e-9), [1.0, 0.0, 0.0])
        self.forward = np.cross(self.left, UP)
        torso = np.linalg.norm(self.x[:, J["spine_shoulder"]] - self.root, axis=1)
        self.unit = float(np.nanmedian(torso)) if np.isfinite(torso).any() else 0.45
        self.unit = self.unit if 0.1 < self.unit < 2.0 else 0.45
        self.floor = self._floor()

    def sees(self, part: str) -> bool:
        return part not in self.missing

    def _floor(self) -> float:
        """The floor's height: the lowest foot point, robust to a few noisy frames."""
        feet = self.x[:, [J["left_ankle"], J["right_ankle"], J["left_foot"], J["right_foot"]], 1]
        if np.isfinite(feet).any():
            return float(np.nanpercentile(np.nanmin(feet, axis=1), 5))
        return float(np.nanmin(self.root[:, 1])) - 2.0 * self.unit

    def local(self, point: np.ndarray, origin: np.ndarray | None = None, t: int | None = None) -> np.ndarray:
        """(T, 3) offsets of a (T, 3) track from `origin` (the spine base) as (left, up, forward); with `t`,
        the (3,) offset of one frame's point."""
        frames = slice(None) if t is None else slice(t, t + 1)
        d = (point if t is None else point[None]) - (self.root if origin is None else origin)[frames]
        out = np.stack([(d * self.left[frames]).sum(1), d[:, 1], (d * self.forward[frames]).sum(1)], 1)
        return out if t is None else out[0]

    def joint(self, name: str) -> np.ndarray:
        return self.x[:, J[name]]

    def hand(self, side: str) -> np.ndarray:
        hand = self.joint(f"{side}_hand")
        return hand if np.isfinite(hand).all() else self.joint(f"{side}_wrist")

    def foot(self, side: str) -> np.ndarray:
        return self.joint(f"{side}_ankle")

    def landmarks(self) -> list[tuple[str, np.ndarray]]:
        """Height zones, low to high: each name with its upper boundary (T,), the last one unbounded."""
        head, neck = self.joint("head")[:, 1], self.joint("neck")[:, 1]
        shoulder, mid = self.joint("spine_shoulder")[:, 1], self.joint("spine_mid")[:, 1]
        knee = (self.joint("left_knee")[:, 1] + self.joint("right_knee")[:, 1]) / 2
        hip, chest = self.root[:, 1], (mid + shoulder) / 2
        span = np.maximum(head - neck, 0.05)
        return [("the floor", self.floor + 0.3 * (knee - self.floor)), ("the knees", knee + 0.35 * (hip - knee)),
                ("the hip", (hip + chest) / 2), ("the chest", (chest + shoulder) / 2),
                ("the shoulders", neck + 0.3 * span), ("the face", head + 0.6 * span), ("the head", head + 2.5 * span),
                ("above the head", np.full(self.t, np.inf))]

    def contact_points(self) -> list[tuple[str, np.ndarray]]:
        """Body points a hand can touch, most specific first."""
        head, neck = self.joint("head"), self.joint("neck")
        mouth = head + 0.5 * (neck - head) + 0.25 * self.unit * self.forward
        return [("the mouth", mouth), ("the head", head), ("the chest", (self.joint("spine_mid") +
                self.joint("spine_shoulder")) / 2 + 0.2 * self.unit * self.forward)]

    def zone(self, point: np.ndarray, t: int) -> str:
        """Landmark nearest in height to `point` at frame t, or the body point it touches."""
        for name, where in self.contact_points():
            if np.linalg.norm(point - where[t]) < TOUCH * self.unit:
                return name
        return next(name for name, top in self.landmarks() if point[1] < top[t])


def _speed_word(track: np.ndarray, fps: float, unit: float) -> str:
    """" slowly" / " quickly" / "" from the 90th-percentile speed of a track, in torso lengths per second."""
    if len(track) < 3:
        return ""
    v = np.linalg.norm(np.diff(track, axis=0), axis=1) * fps / unit
    top = float(np.percentile(v, 90))
    return " slowly" if top < 0.6 else " quickly" if top > 5.0 else ""


def _direction_word(rel: np.ndarray, side: float) -> str:
    """" forward" / " sideways" / "" for an offset (left, up, forward) from the shoulder or hip."""
    out, fwd = rel[0] * side, rel[2]
    if fwd > 0.12 and fwd > 0.5 * abs(out):
        return " forward"
    if out > 0.12 and out > fwd:
        return " sideways"
    return ""


def at(zone: str) -> str:
    """The preposition a zone takes after a verb: "at the chest", "on the floor", "above the head"."""
    if zone.startswith("above"):
        return zone
    return ("on " if zone == "the floor" else "at ") + zone


# Per axis (left, up, forward): verb towards the high end, verb towards the low end, returns, and the
# phrase for a back-and-forth within one zone. The lateral axis is oriented outwards for each side.
AXIS_WORDS = (("moves outward", "moves inward", " and back", " and back", "moves from side to side"),
              ("rises", "lowers", " and back down", " and back up", "moves up and down"),
              ("moves forward", "moves back", " and back", " and forward again", "moves forward and back"))


def effector_clause(body: Body, subject: str, track: np.ndarray, side: float, base: np.ndarray,
                    rank: int, floor: bool = False) -> Clause:
    """How one hand or foot moves: dominant axis, extremes named by landmark, count, speed."""
    if floor:  # feet: from where the hips are on average and the floor, not from the (moving) hips
        rel = body.local(track, np.broadcast_to(body.root.mean(0), body.root.shape))
        rel[:, 1] = track[:, 1] - body.floor
    else:
        rel = body.local(track)
    rel = smooth(rel, max(1, round(body.fps / 10)))
    rel[:, 0] *= side  # outward positive for either side
    ranges = spread(rel)
    amp = float(ranges.max()) / body.unit
    mid_t = int(np.argsort(rel[:, 1])[len(rel) // 2])
    if amp < (MOVE_FOOT if floor else MOVE) or body.t < 3:
        verb = "is" if body.t < 3 else "stays"
        return Clause(f"{subject} {verb} {at(body.zone(track[mid_t], mid_t))}", 0.0, rank)
    axis = int(np.argmax(ranges))
    s = rel[:, axis]
    n = peaks(s)
    lo_t, hi_t = int(np.argmin(s)), int(np.argmax(s))
    k = max(1, len(s) // 8)
    mid = (np.percentile(s, 5) + np.percentile(s, 95)) / 2
    starts_high, ends_high = bool(s[:k].mean() > mid), bool(s[-k:].mean() > mid)
    low, high = body.zone(track[lo_t], lo_t), body.zone(track[hi_t], hi_t)
    go, come, back_go, back_come, within = AXIS_WORDS[axis]
    speed, times = _speed_word(track, body.fps, body.unit), count_word(n + starts_high)
    if axis != 1:
        text = horizontal_phrase(n + starts_high, starts_high, ends_high, low, high, speed, AXIS_WORDS[axis])
    elif low == high:
        text = f"{within}{speed} {at(low)}{times}"
    elif starts_high and not ends_high and n == 0:
        text = f"{come}{speed} from {high} to {low}"
    elif starts_high and ends_high and n <= 1:
        text = f"{come}{speed} from {high} to {low}{back_come}"
    else:
        way = _direction_word(body.local(track[hi_t], base, hi_t), side)
        returns = "" if (not starts_high and ends_high and n == 1) else back_go
        text = f"{go}{speed}{way} from {low} to {high}{returns}{'' if not returns else times}"
    return Clause(f"{subject} {text}", 1.0 + amp, rank)


def horizontal_phrase(cycles: int, starts_high: bool, ends_high: bool, low: str, high: str, speed: str,
                      words: tuple[str, ...]) -> str:
    """Forward/back or sideways movement: a back-and-forth named at its far end, or one movement and its return."""
    go, come, back_go, back_come, within = words
    if cycles >= 2:
        return f"{within}{speed} {at(high)}{count_word(cycles)}"
    if starts_high and not ends_high:
        return f"{come}{speed} to {low}"
    if starts_high:
        return f"{come}{speed} to {low}{back_come}"
    return f"{go}{speed} to {high}" + ("" if ends_high else back_go)


PLURAL_VERBS = {"rises": "rise", "lowers": "lower", "moves": "move", "stays": "stay", "is": "are", "rests": "rest",
                "touches": "touch"}


def merge_sides(clauses: list[Clause]) -> list[Clause]:
    """"the left hand X" and "the right hand X" become "both hands X" (hands and feet)."""
    out, used = [], set()
    for i, a in enumerate(clauses):
        if i in used:
            continue
        for j in range(i + 1, len(clauses)):
            b = clauses[j]
            for kind, plural in (("hand", "hands"), ("foot", "feet")):
                left, right = f"the left {kind} ", f"the right {kind} "
                if j not in used and a.text.startswith(left) and b.text == right + a.text[len(left):]:
                    verb, _, rest = a.text[len(left):].partition(" ")
                    rest = rest.replace("on the hip", "on the hips").replace("on the knee", "on the knees")
                    a = Clause(f"both {plural} {PLURAL_VERBS.get(verb, verb)} {rest}".rstrip(),
                               max(a.salience, b.salience), min(a.rank, b.rank))
                    used.add(j)
        out.append(a)
    return out


def limb_clauses(body: Body) -> list[Clause]:
    """Hands and feet; poses at rest (hands hanging, feet on the floor) are left out."""
    out = []
    for kind, limb, rank, track_of, origin, rest in (
            ("hand", "arm", 10, body.hand, "shoulder", ("at the hip", "at the knees")),
            ("foot", "leg", 20, body.foot, "hip", ("on the floor",))):
        for side in ("left", "right"):
            if not body.sees(f"the {side} {limb}"):
                continue
            clause = effector_clause(body, f"the {side} {kind}", track_of(side), 1.0 if side == "left" else -1.0,
                                     body.joint(f"{side}_{origin}"), rank + (side == "right"), kind == "foot")
            if clause.salience == 0.0 and not any(clause.text.endswith(r) for r in rest):
                clause = Clause(clause.text, 0.5, clause.rank)
            if clause.salience > 0.0:
                out.append(clause)
    if body.sees("the left arm") and body.sees("the right arm") and not any(c.rank in (10, 11) for c in out):
        out.append(Clause("the arms stay down", 0.05, 10))
    return out


def leg_length(body: Body) -> float:
    """Median hip-knee-ankle length of both legs (twice the torso when the legs are never seen)."""
    legs = np.concatenate([np.linalg.norm(body.joint(f"{s}_hip") - body.joint(f"{s}_knee"), axis=1)
                           + np.linalg.norm(body.joint(f"{s}_knee") - body.joint(f"{s}_ankle"), axis=1)
                           for s in ("left", "right")])
    return float(np.nanmedian(legs)) if np.isfinite(legs).any() else 2.0 * body.unit


def posture_per_frame(body: Body) -> np.ndarray:
    """Index into POSTURES per frame, from both thighs' inclination, knee and head height over the floor, torso tilt.

    Thighs are read rather than hip height because Kinect feet (hence the floor) are unreliable. Low frames
    are all "crouching" here; `posture_runs` names a whole low stretch sitting or crouching."""
    leg = leg_length(body)
    thighs = [body.joint(f"{s}_knee") - body.joint(f"{s}_hip") for s in ("left", "right")]
    incline = np.min([np.degrees(np.arccos(np.clip(-v[:, 1] / np.maximum(np.linalg.norm(v, axis=1), 1e-9), -1, 1)))
                       for v in thighs], axis=0)
    spine = body.joint("spine_shoulder") - body.root
    tilt = np.degrees(np.arccos(np.clip(spine[:, 1] / np.maximum(np.linalg.norm(spine, axis=1), 1e-9), -1, 1)))
    hip = (body.root[:, 1] - body.floor) / max(leg, 1e-6)
    knee_low = np.minimum(body.joint("left_knee")[:, 1], body.joint("right_knee")[:, 1]) - body.floor < 0.2 * leg
    head_low = body.joint("head")[:, 1] - body.floor < 0.6 * leg
    out = np.full(body.t, POSTURES.index("standing"))
    out[incline > 40] = POSTURES.index("crouching")  # both thighs tilted up: one raised knee is no sit
    out[knee_low & (hip < 0.78) & (incline <= 40)] = POSTURES.index("kneeling")
    out[(tilt > 55) & head_low] = POSTURES.index("lying")
    return out


def sits(body: Body, frames: np.ndarray) -> bool:
    """A low stretch is sitting when, at its lowest frame, the shins are near vertical and the hips not
    below the knees (a chair); else crouching."""
    t = int(frames[np.argmin(body.root[frames, 1])])
    leg = leg_length(body)
    knee = (body.joint("left_knee")[t, 1] + body.joint("right_knee")[t, 1]) / 2
    lean = np.mean([body.local(body.joint(f"{s}_knee")[t], body.joint(f"{s}_ankle"), t)[2] for s in ("left", "right")])
    return bool(body.root[t, 1] >= knee - 0.05 * leg and lean < 0.1 * leg)


def posture_runs(body: Body) -> list[str]:
    """The sequence of postures, flickers under ~0.3 s removed, each low stretch named sitting or crouching."""
    idx = posture_per_frame(body)
    width = max(1, round(0.3 * body.fps))
    if len(idx) > width:  # a mode filter
        idx = np.array([np.bincount(idx[max(0, t - width // 2): t + width // 2 + 1], minlength=5).argmax()
                        for t in range(len(idx))])
    names, start = [], 0
    for t in range(1, len(idx) + 1):
        if t == len(idx) or idx[t] != idx[start]:
            name = POSTURES[idx[start]]
            if name == "crouching" and sits(body, np.arange(start, t)):
                name = "sitting"
            names.append(name)
            start = t
    return names


def hips_clause(body: Body) -> Clause | None:
    """"the hips lower and rise again" when the spine base moves up or down by a fifth of a leg or more
    (sitting down, squatting, getting up: readable even where the posture itself is not)."""
    y = body.root[:, 1]
    if body.t < 3 or spread(y) < 0.2 * leg_length(body):
        return None
    n, k = peaks(-y), max(1, body.t // 8)
    mid = (np.percentile(y, 5) + np.percentile(y, 95)) / 2
    starts_low, ends_low = bool(y[:k].mean() < mid), bool(y[-k:].mean() < mid)
    if starts_low and not ends_low and n <= 1:
        return Clause("the hips rise", 2.5, 0)
    if starts_low:
        return Clause(f"the hips rise and lower again{count_word(n)}", 2.5, 0)
    if ends_low and n <= 1:
        return Clause("the hips lower", 2.5, 0)
    return Clause(f"the hips lower and rise again{count_word(n)}", 2.5, 0)


def posture_clause(body: Body) -> Clause | None:
    """"the body stands" or "the body goes from standing to crouching and back, twice"."""
    if not all(body.sees(p) for p in ("the left leg", "the right leg", "the torso")):
        return None
    names = posture_runs(body)
    if len(names) == 1:
        return Clause(f"the body {POSTURE_VERBS[names[0]]}", 0.3 if names[0] == "standing" else 2.0, 0)
    if len(set(names)) == 2 and all(names[i] == names[i % 2] for i in range(len(names))):
        back = " and back" if len(names) % 2 else ""
        return Clause(f"the body goes from {names[0]} to {names[1]}{back}{count_word(len(names) // 2)}", 3.0, 0)
    return Clause("the body goes from " + " to ".join(names), 3.0, 0)


def travel_clauses(body: Body) -> list[Clause]:
    """Whole-body translation (in the body's mean frame), turning, jumping and stepping."""
    out = []
    k = max(1, body.t // 10)
    shift = body.root[-k:].mean(0) - body.root[:k].mean(0)
    shift[1] = 0.0
    dist = float(np.linalg.norm(shift))
    if dist > max(0.3, 0.8 * body.unit) and body.t > 2:
        left, fwd = float(shift @ body.left.mean(0)), float(shift @ body.forward.mean(0))
        where = (("forward" if fwd > 0 else "backward") if abs(fwd) >= abs(left)
                 else ("to its left" if left > 0 else "to its right"))
        pace = dist / (body.t / body.fps) / body.unit
        speed = "slowly " if pace < 0.8 else "quickly " if pace > 3.5 else ""
        out.append(Clause(f"the whole body moves {speed}{where}", 4.0 + dist, 1))
    yaw = np.unwrap(np.arctan2(body.forward[:, 0], body.forward[:, 2]))
    turn = float(np.degrees(yaw[-k:].mean() - yaw[:k].mean()))
    if abs(turn) > 60:
        out.append(Clause(f"the body turns to its {'left' if turn > 0 else 'right'}", 3.0, 2))
    if body.sees("the left leg") and body.sees("the right leg") and body.t > 3:
        feet = smooth(np.stack([body.joint("left_ankle")[:, 1], body.joint("right_ankle")[:, 1]], 1),
                      max(1, round(body.fps / 15)))
        lifted = body.root[:, 1] - np.median(body.root[:, 1]) > 0.15 * body.unit
        airborne = (feet - np.percentile(feet, 10, axis=0) > 0.2 * body.unit).all(1) & lifted
        jumps = segments(airborne, max(2, round(0.08 * body.fps)))
        if jumps:
            out.append(Clause(f"the body jumps{count_word(len(jumps))}", 3.5, 3))
    return out


def stepping(body: Body, clauses: list[Clause]) -> list[Clause]:
    """Feet that move in anti-phase become "the feet step in turn" (walking or marching)."""
    if not (body.sees("the left leg") and body.sees("the right leg")) or body.t < 6:
        return clauses
    lf, rf = (smooth(body.local(body.foot(s)), max(1, round(body.fps / 10))) for s in ("left", "right"))
    ranges = spread(lf, 0) + spread(rf, 0)
    axis = 2 if ranges[2] >= ranges[1] else 1
    a, b = lf[:, axis] - lf[:, axis].mean(), rf[:, axis] - rf[:, axis].mean()
    moving = min(spread(a), spread(b)) / body.unit > MOVE * 0.7
    if not moving or float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9) > -0.3:
        return clauses
    steps = peaks(a) + peaks(b)
    kept = [c for c in clauses if c.rank not in (20, 21)]
    return kept + [Clause(f"the feet step in turn{count_word(steps)}", 3.0, 20)]


def torso_clauses(body: Body) -> list[Clause]:
    """Forward bend, side lean, twist of the trunk, and head nods."""
    if not body.sees("the torso"):
        return []
    frames = max(1, round(body.fps / 6))
    spine = smooth(body.local(body.joint("spine_shoulder")), frames)
    pitch = np.degrees(np.arctan2(spine[:, 2], spine[:, 1]))
    roll = np.degrees(np.arctan2(spine[:, 0], spine[:, 1]))
    out = []
    if spread(pitch) > 20 and pitch.max() > 20:
        n = peaks(pitch)
        back = " and straightens up" if pitch[-max(1, body.t // 8):].mean() < pitch.max() - 10 else ""
        out.append(Clause(f"the torso bends forward{back}{count_word(n)}", 1.5 + spread(pitch) / 30, 30))
    elif np.median(pitch) > 25:
        out.append(Clause(f"the torso {'is' if body.t < 2 else 'stays'} bent forward", 1.0, 30))
    if spread(roll) > 20:
        n = peaks(roll)
        text = "from side to side" if n >= 2 or (roll.max() > 8 and roll.min() < -8) else (
            "to the left" if np.median(roll) > 0 else "to the right")
        out.append(Clause(f"the torso leans {text}{count_word(n)}", 1.2 + spread(roll) / 30, 31))
    shoulders = smooth(body.local(body.joint("left_shoulder"), body.joint("right_shoulder")), frames)
    twist = np.degrees(np.arctan2(shoulders[:, 2], shoulders[:, 0]))
    if spread(twist) > 35:
        out.append(Clause(f"the torso twists from side to side{count_word(peaks(twist))}", 1.2, 32))
    if not out:
        out.append(Clause(f"the torso {'is' if body.t < 2 else 'stays'} upright", 0.1, 30))
    if body.sees("the head") and body.t > 3:
        head = smooth(body.local(body.joint("head"), body.joint("spine_shoulder")), frames)
        nod = np.degrees(np.arctan2(head[:, 2], head[:, 1])) - pitch
        if spread(nod) > 20 and peaks(nod) >= 1:
            out.append(Clause(f"the head nods{count_word(peaks(nod))}", 1.0 + spread(nod) / 30, 33))
    return out


def contact_clauses(body: Body) -> list[Clause]:
    """Hands together, hands on the hips or knees, hands on the floor."""
    if not (body.sees("the left arm") and body.sees("the right arm")):
        return []
    near = np.linalg.norm(body.hand("left") - body.hand("right"), axis=1) < TOGETHER * body.unit
    out = []
    runs = segments(near, max(1, round(0.1 * body.fps)))
    if runs and len(runs) >= 2:
        out.append(Clause(f"the hands come together{count_word(len(runs))}", 2.0, 40))
    elif runs:
        held = (runs[0][1] - runs[0][0]) > 0.6 * body.t
        out.append(Clause("the hands stay together" if held else "the hands touch", 1.5, 40))
    for side in ("left", "right"):
        hand = body.hand(side)
        for target, point in (("the hip", body.joint(f"{side}_hip")), ("the knee", body.joint(f"{side}_knee"))):
            on = np.linalg.norm(hand - point, axis=1) < 0.6 * TOUCH * body.unit
            if on.mean() > 0.3:
                out.append(Clause(f"the {side} hand rests on {target}", 0.8, 41))
        if ((hand[:, 1] - body.floor) < 0.15 * body.unit).mean() > 0.1:
            out.append(Clause(f"the {side} hand touches the floor", 2.0, 42))
    return out


def describe_body(body: Body) -> list[Clause]:
    """Every clause of one person, unordered."""
    clauses = [c for c in [posture_clause(body), hips_clause(body)] if c is not None]
    travel = travel_clauses(body)
    limbs = stepping(body, limb_clauses(body))
    if any(c.rank == 1 for c in travel):  # a travelling body moves its feet anyway: say only that it steps
        limbs = [c for c in limbs if c.rank not in (20, 21) or c.text.startswith("the feet step")]
    clauses += travel + limbs + torso_clauses(body) + contact_clauses(body)
    clauses = merge_sides(clauses)
    return clauses + [Clause(f"{part} is not visible", 5.0, 50) for part in body.missing]


def pair_clauses(a: Body, b: Body) -> list[Clause]:
    """Distance change between two persons and a hand of one touching the other."""
    out = []
    gap = np.linalg.norm((a.root - b.root)[:, [0, 2]], axis=1)
    k = max(1, len(gap) // 8)
    change = float(gap[-k:].mean() - gap[:k].mean())
    if abs(change) > 0.3:
        out.append(Clause(f"the two persons move {'apart' if change > 0 else 'closer together'}", 3.0, 60))
    for first, second, who in ((a, b, "first"), (b, a, "second")):
        for side in ("left", "right"):
            d = np.linalg.norm(first.hand(side)[:, None] - second.x, axis=2)
            if (np.nanmin(d, axis=1) < TOUCH * first.unit).mean() > 0.05:
                out.append(Clause(f"the {who} person's {side} hand touches the other person", 2.5, 61))
    return out


def pick(clauses: list[Clause], max_clauses: int | None) -> list[Clause]:
    """The `max_clauses` most salient clauses, in caption order."""
    chosen = sorted(clauses, key=lambda c: -c.salience)[:max_clauses] if max_clauses else clauses
    return sorted(chosen, key=lambda c: c.rank)


def bodies_of(skeleton: np.ndarray) -> list[np.ndarray]:
    """The (T, 1, 25, 3) bodies present in enough frames to describe, in array order."""
    arr = as_bodies(skeleton)
    if arr.shape[0] == 0:
        return []
    present = body_valid(arr).mean(0)
    return [arr[:, m: m + 1] for m in range(arr.shape[1]) if present[m] >= min(PRESENT, 1.0 / arr.shape[0])]


def describe(skeleton: np.ndarray, fps: float = DEFAULT_FPS, max_clauses: int | None = None) -> list[str]:
    """The caption's clauses in order; with two persons, one "the first person: a; b" block per person."""
    fps = float(fps) if np.isfinite(fps) and fps > 0 else DEFAULT_FPS
    bodies = [Body(b, fps) for b in bodies_of(skeleton)]
    if not bodies:
        return ["no person is visible"]
    lead = ["a single frame: the motion is not visible"] if bodies[0].t < 2 else []
    if len(bodies) == 1:
        return lead + [c.text for c in pick(describe_body(bodies[0]), max_clauses)]
    each = None if max_clauses is None else max(1, max_clauses // 2)
    blocks = [f"the {who} person: " + "; ".join(c.text for c in pick(describe_body(body), each))
              for body, who in zip(bodies[:2], ("first", "second"), strict=True)]
    pair = [c.text for c in pick(pair_clauses(bodies[0], bodies[1]), each)]
    return lead + blocks + (["; ".join(pair)] if pair else [])


def caption(skeleton: np.ndarray, fps: float = DEFAULT_FPS, max_clauses: int | None = None) -> str:
    """One caption for a `(T, M, 25, 3)` or `(T, 25, 3)` window; at most `max_clauses` clauses per person.

    One person: clauses joined by "; ". Two persons: a sentence per person, then one for the pair."""
    parts = describe(skeleton, fps, max_clauses)
    if any(p.startswith("the first person: ") for p in parts):
        return ". ".join(parts) + "."
    return "; ".join(parts) + "."


# -- prompt-bank kinematics from captions -------------------------------------------------------------

def sentence(clauses: Sequence[str]) -> str:
    """Clauses as one sentence: first letter upper case, '; ' between, a final '.'."""
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."


UNINFORMATIVE = ("the torso stays upright", "the arms stay down", "the body stands")
WEAK = ("the head nods", "the torso leans", "the torso twists", "the hands touch")  # sensor jitter mimics these


def subject_of(clause: str) -> str:
    """The body part a clause is about: its words before the verb ("the right hand", "both feet", "the torso")."""
    words = clause.split()
    n = 3 if words[0] in ("the", "both") and len(words) > 2 and words[1] in ("left", "right", "whole", "two") else 2
    return " ".join(words[:n])


def without_count(clause: str) -> str:
    """A clause without its repetition count: how often differs between performances, what moves does not."""
    for word in (*COUNT_WORDS.values(), MANY):
        clause = clause.removesuffix(", " + word)
    return clause


def class_kinematics(captions: Sequence[list[str]], fits: Callable[[str], bool], min_share: float = 0.3,
                     max_clauses: int = 3) -> str | None:
    """The clauses (counts dropped) that at least `min_share` of a class's captions have, most shared first,
    as one sentence that `fits`. None when no clause beyond the uninformative and the weak ones is shared."""
    per_caption = [list(dict.fromkeys(without_count(c) for c in clauses if "not visible" not in c
                                      and "person: " not in c and without_count(c) not in UNINFORMATIVE))
                   for clauses in captions]
    counts = Counter(c for clauses in per_caption for c in clauses)
    place = {c: np.mean([cl.index(c) for cl in per_caption if c in cl]) for c in counts}
    common, subjects = [], set()
    # most shared first; among equally shared, the one captions say first (posture, travel, hands, feet, torso)
    for c in sorted(counts, key=lambda c: (-counts[c], place[c])):  # one clause per subject: its most shared
        n = counts[c]
        if n >= min_share * len(captions) and subject_of(c) not in subjects:
            common.append(c)
            subjects.add(subject_of(c))
    if not any(not c.startswith(WEAK) for c in common):
        return None
    chosen = common[:max_clauses]
    while len(chosen) > 1 and not fits(sentence(chosen)):
        chosen = chosen[:-1]
    return sentence(chosen) if fits(sentence(chosen)) and not chosen[0].startswith(WEAK) else None


def bank_kinematics(corpus_path: str, window_seconds: float) -> dict[int, str]:
    """Per class of a corpus, the kinematics sentence from its sequences' captions (classes without one left out)."""
    from fdsm.data.corpus import load_corpus
    from fdsm.text.minilm import load_tokenizer
    from fdsm.text.prompts import MAX_TEXT_TOKENS

    tokenizer = load_tokenizer()
    corpus = load_corpus(corpus_path)
    per_class: dict[int, list[list[str]]] = {}
    for seq, label in zip(corpus.sequences, corpus.labels, strict=True):
        w = max(2, round(window_seconds * seq.fps))
        start = max(0, (len(seq.skeleton) - w) // 2)
        per_class.setdefault(int(label), []).append(describe(seq.skeleton[start: start + w], seq.fps, 6))
    fits = lambda text: len(tokenizer.encode(text).ids) <= MAX_TEXT_TOKENS  # noqa: E731
    found = {c: class_kinematics(caps, fits) for c, caps in sorted(per_class.items())}
    shared = Counter(found.values())  # a text two classes would share tells them apart from neither
    return {c: text for c, text in found.items() if text and shared[text] == 1}


def _bank_main(args: argparse.Namespace) -> int:
    """Print the kinematics a bank would get from a corpus's captions; with --write, write them."""
    import json

    from fdsm.data.corpus import corpus_meta
    from fdsm.text.prompts import bank_path

    path = bank_path(args.bank or corpus_meta(args.corpus)["bank"])
    texts = bank_kinematics(args.corpus, args.window)
    data = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for c in data["classes"]:
        new = texts.get(c["index"])
        if new and new != c["kinematics"]:
            print(f"{c['index']:3d} {c['name']}\n    - {c['kinematics']}\n    + {new}")
            c["kinematics"] = new
            changed += 1
    print(f"{changed} of {len(data['classes'])} classes would change", file=sys.stderr)
    if args.write and changed:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m fdsm.captions caption FILE` or `... bank --corpus C.npz [--write]`."""
    parser = argparse.ArgumentParser(prog="python -m fdsm.captions", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("caption", help="caption raw sequence files (any format fdsm.data reads)")
    one.add_argument("files", nargs="+")
    bank = sub.add_parser("bank", help="regenerate a bank's kinematics texts from a corpus's captions")
    bank.add_argument("--corpus", required=True, help="corpus .npz (fdsm-prepare)")
    bank.add_argument("--bank", help="prompt bank to rewrite (default: the corpus's)")
    bank.add_argument("--window", type=float, default=3.0, help="seconds captioned per sequence (centred)")
    bank.add_argument("--write", action="store_true", help="write the bank (default: print the diff only)")
    args = parser.parse_args(argv)
    from fdsm.errors import FdsmError

    try:
        if args.command == "bank":
            return _bank_main(args)
        from fdsm.data import load_sequence

        for f in args.files:
            seq = load_sequence(f)
            print(f"{f}: {caption(seq.skeleton, seq.fps)}")
    except (FdsmError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
