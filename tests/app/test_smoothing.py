"""EMA + hysteresis: the closed form of the EMA, no flicker inside the margin, a switch beyond it."""

from __future__ import annotations

import pytest

from app.smoothing import ScoreSmoother


def test_ema_matches_closed_form() -> None:
    s = ScoreSmoother(alpha=0.3, margin=0.0)
    s.update({"a": 1.0, "b": 0.0})
    for n in range(1, 6):
        out = s.update({"a": 0.2, "b": 0.8})
        expected_a = 0.2 + (0.7 ** n) * (1.0 - 0.2)
        assert out.scores["a"] == pytest.approx(expected_a)
        assert sum(out.scores.values()) == pytest.approx(1.0)


def test_hysteresis_holds_top_inside_margin_and_switches_beyond() -> None:
    s = ScoreSmoother(alpha=1.0, margin=0.2)
    assert s.update({"wave": 0.55, "clap": 0.45}).top == "wave"
    assert s.update({"wave": 0.48, "clap": 0.52}).top == "wave"  # clap ahead by a factor 1.08 < e^0.2 = 1.22
    assert s.update({"wave": 0.40, "clap": 0.60}).top == "clap"  # factor 1.5 > 1.22
    assert s.update({"wave": 0.52, "clap": 0.48}).top == "clap"


def test_margin_is_relative_so_flat_scores_over_many_labels_still_switch() -> None:
    """Eight labels at 0.06-0.18: a challenger at 0.16 against the shown 0.11 is clearly ahead (factor 1.45)."""
    s = ScoreSmoother(alpha=1.0)
    first = {"wave": 0.18, "clap": 0.11, **{f"other{i}": 0.71 / 6 for i in range(6)}}
    assert s.update(first).top == "wave"
    later = {"wave": 0.11, "clap": 0.16, **{f"other{i}": 0.73 / 6 for i in range(6)}}
    assert s.update(later).top == "clap"  # ahead by only 0.05 in probability


def test_without_smoothing_top_follows_argmax() -> None:
    s = ScoreSmoother(alpha=1.0, margin=0.0)
    tops = [s.update({"a": p, "b": 1 - p}).top for p in (0.6, 0.4, 0.7, 0.3)]
    assert tops == ["a", "b", "a", "b"]


def test_nothing_matches_enters_and_leaves_with_hysteresis() -> None:
    s = ScoreSmoother(alpha=0.5, margin=0.0, reject_on=0.6, reject_off=0.3)
    scores = {"a": 0.7, "b": 0.3}
    assert s.update(scores, rejected=False).top == "a"
    assert s.update(scores, rejected=True).top == "a"  # reject EMA 0.5 < 0.6
    assert s.update(scores, rejected=True).top is None  # 0.75 >= 0.6: nothing matches
    assert s.update(scores, rejected=False).top is None  # 0.375: below reject_on but still above reject_off
    assert s.update(scores, rejected=False).top == "a"  # 0.1875 < 0.3: back to a label


def test_new_label_set_starts_over() -> None:
    s = ScoreSmoother(alpha=0.1)
    s.update({"a": 0.9, "b": 0.1})
    out = s.update({"x": 0.2, "y": 0.8})
    assert out.scores == {"x": 0.2, "y": 0.8} and out.top == "y"


def test_bad_parameters_are_rejected() -> None:
    with pytest.raises(ValueError):
        ScoreSmoother(alpha=0.0)
    with pytest.raises(ValueError):
        ScoreSmoother(reject_on=0.3, reject_off=0.5)
    with pytest.raises(ValueError):
        ScoreSmoother(margin=-0.1)
