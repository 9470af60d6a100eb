"""The one decision: EMA of the scores, then their argmax or "unsure"; never a label held against the scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.smoothing import KEEP, NO_MATCH, UNSURE, ScoreSmoother, decide


def test_ema_matches_closed_form() -> None:
    s = ScoreSmoother(alpha=0.3, margin=0.0)
    s.update({"a": 1.0, "b": 0.0})
    for n in range(1, 6):
        out = s.update({"a": 0.2, "b": 0.8})
        expected_a = 0.2 + (0.7 ** n) * (1.0 - 0.2)
        assert out.scores["a"] == pytest.approx(expected_a)
        assert sum(out.scores.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("margin", [0.0, 0.15, 0.5])
def test_top_is_always_the_argmax_of_the_scores_shown_or_none(margin: float) -> None:
    """Random flat and peaked score streams over 3-10 labels: every output names its own argmax, or nothing."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        labels = [f"l{i}" for i in range(int(rng.integers(3, 11)))]
        s = ScoreSmoother(alpha=0.5, margin=margin)
        for _ in range(50):
            p = rng.dirichlet(np.full(len(labels), float(rng.choice([0.3, 3.0, 30.0]))))
            out = s.update(dict(zip(labels, p.tolist(), strict=True)))
            if out.top is None:
                assert out.reason == UNSURE and margin > 0
            else:
                assert out.scores[out.top] == max(out.scores.values()) and out.reason is None


def test_unsure_below_the_margin_and_a_label_above_it() -> None:
    s = ScoreSmoother(alpha=1.0, margin=0.2)
    out = s.update({"wave": 0.52, "clap": 0.48})  # log(0.52/0.48) = 0.08 < 0.2
    assert out.top is None and out.reason == UNSURE
    assert s.update({"wave": 0.6, "clap": 0.4}).top == "wave"  # log 1.5 = 0.41


def test_a_shown_label_stays_a_little_below_the_margin_but_only_while_it_is_the_argmax() -> None:
    s = ScoreSmoother(alpha=1.0, margin=0.2)
    assert s.update({"wave": 0.6, "clap": 0.4}).top == "wave"
    assert KEEP * 0.2 < math.log(0.53 / 0.47) < 0.2  # below the margin, above what a shown label needs
    assert s.update({"wave": 0.53, "clap": 0.47}).top == "wave"
    assert s.update({"wave": 0.49, "clap": 0.51}).top is None  # clap leads: wave is never held against it
    assert s.update({"wave": 0.55, "clap": 0.45}).top == "wave"  # log 1.22 = 0.2: back past the full margin


def test_margin_is_a_log_ratio_so_it_means_the_same_for_few_and_many_labels() -> None:
    """wave leads clap by the same factor 1.3 (log 0.26) among 2 labels and among 10 flat ones."""
    few = {"wave": 0.565, "clap": 0.435}
    many = {"wave": 0.13, "clap": 0.10, **{f"other{i}": 0.77 / 8 for i in range(8)}}
    assert decide(few, 0.2) == decide(many, 0.2) == "wave"
    assert decide(few, 0.3) is None and decide(many, 0.3) is None


def test_without_smoothing_top_follows_argmax() -> None:
    s = ScoreSmoother(alpha=1.0, margin=0.0)
    tops = [s.update({"a": p, "b": 1 - p}).top for p in (0.6, 0.4, 0.7, 0.3)]
    assert tops == ["a", "b", "a", "b"]


def test_nothing_matches_enters_and_leaves_with_hysteresis() -> None:
    s = ScoreSmoother(alpha=0.5, margin=0.0, reject_on=0.6, reject_off=0.3)
    scores = {"a": 0.7, "b": 0.3}
    assert s.update(scores, rejected=False).top == "a"
    assert s.update(scores, rejected=True).top == "a"  # reject EMA 0.5 < 0.6
    out = s.update(scores, rejected=True)  # 0.75 >= 0.6: nothing matches
    assert out.top is None and out.reason == NO_MATCH
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
