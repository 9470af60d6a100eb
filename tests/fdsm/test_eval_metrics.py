"""Zero-shot metrics against hand-computed values, and the markdown results table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fdsm.errors import FdsmError
from fdsm.training.metrics import (
    confusion_matrix,
    harmonic_mean,
    mean_std,
    per_class_accuracy,
    per_class_table,
    save_confusion_png,
    topk_accuracy,
)
from fdsm.training.report import results_table

SCORES = np.array([[0.9, 0.1, 0.0],   # true 0: rank 0
                   [0.5, 0.3, 0.2],   # true 1: rank 1
                   [0.6, 0.3, 0.1],   # true 2: rank 2
                   [0.2, 0.2, 0.6]])  # true 1: rank 1 (tie with class 0 counts in its favour)
LABELS = np.array([0, 1, 2, 1])


def test_topk_by_hand():
    assert topk_accuracy(SCORES, LABELS, 1) == pytest.approx(1 / 4)
    assert topk_accuracy(SCORES, LABELS, 2) == pytest.approx(3 / 4)
    assert topk_accuracy(SCORES, LABELS, 3) == 1.0
    assert topk_accuracy(SCORES, LABELS, 5) == 1.0  # k capped at the class count


def test_harmonic_mean_by_hand():
    assert harmonic_mean(0.6, 0.3) == pytest.approx(2 * 0.6 * 0.3 / 0.9)  # 0.4
    assert harmonic_mean(0.5, 0.5) == 0.5
    assert harmonic_mean(0.0, 0.0) == 0.0
    assert harmonic_mean(0.9, 0.0) == 0.0


def test_confusion_and_per_class():
    cm = confusion_matrix(SCORES.argmax(1), LABELS, 3)
    assert cm.tolist() == [[1, 0, 0], [1, 0, 1], [1, 0, 0]]
    acc = per_class_accuracy(np.array([[2, 1], [0, 0]]))
    assert acc[0] == pytest.approx(2 / 3) and np.isnan(acc[1])
    table = per_class_table(cm, ["a", "b", "c"])
    assert "| b | 2 | 0.0 | a (1) |" in table and "| a | 1 | 100.0 | - |" in table
    assert mean_std([0.2, 0.4]) == {"mean": pytest.approx(0.3), "std": pytest.approx(0.1), "n": 2}


def test_confusion_png(tmp_path):
    path = save_confusion_png(np.array([[3, 1], [0, 4]]), ["wave", "jump"], tmp_path / "cm.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_results_table_from_reports(tmp_path):
    summary = {"zsl_top1": {"mean": 0.8, "std": 0.01, "n": 3}, "gzsl_h": {"mean": 0.5, "std": 0.0, "n": 3}}
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "eval.json").write_text(json.dumps(
        {"kind": "fdsm-eval", "split": "ntu60-55-5", "checkpoints": ["x"], "noise_seeds": [1, 2, 3],
         "summary": summary}))
    (tmp_path / "other.json").write_text('{"not": "a report"}')
    table = results_table(tmp_path)
    assert "| ntu60-55-5 | a/eval | 1 x 3 | 80.00 ± 1.00 | - | - | - | 50.00 ± 0.00 |" in table
    (tmp_path / "empty").mkdir()
    with pytest.raises(FdsmError, match="no fdsm-eval reports"):
        results_table(tmp_path / "empty")
