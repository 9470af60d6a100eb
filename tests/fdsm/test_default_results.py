"""The results page generator: numbers come from the JSON reports, a missing benchmark says how to measure it,
bad input is one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdsm.default_model import results
from fdsm.errors import FdsmError


def stat(mean: float, std: float = 0.5) -> dict:
    return {"mean": mean, "std": std}


def part(title: str, classes: list[str], samples: int, top1: float, **extra: object) -> dict:
    return {"title": title, "classes": classes, "samples": samples, "chance": 100 / len(classes), "top1": stat(top1),
            "top3": stat(top1 + 20), "per_class_top1": {c: top1 for c in classes}, **extra}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    groups = {"concept in the pool": stat(44.4) | {"classes": ["a", "b"]}}
    report = {"nwucla": part("NW", ["a", "b", "c", "d"], 40, 31.4, groups=groups),
              "heldout": part("HO", ["e", "f"], 12, 55.5),
              "trained": part("TR", ["g", "h", "i"], 30, 77.7, subset_top1={"2": stat(88.8)}),
              "mixed": {"samples": [30, 12], "corrected": {"S": stat(61.1), "U": stat(22.2), "H": stat(32.6)},
                        "uncorrected": {"S": stat(70.0), "U": stat(1.0), "H": stat(2.0)}}}
    (tmp_path / "default-protocol.json").write_text(json.dumps(report))
    return tmp_path


def test_numbers_come_from_the_report_and_missing_benchmarks_say_how(folder: Path, tmp_path: Path):
    block = results.readme_block(folder, tmp_path / "no-config.json")
    assert "| the same, 2 classes (concept in the pool: a, b; scored among all 4 names) | 2 | - | - | 44.4 +- 0.5 %" \
        in block
    for number in ("31.4 +- 0.5 %", "55.5 +- 0.5 %", "77.7 +- 0.5 %", "88.8 %", "S 61.1 +- 0.5 %", "H 2.0 %"):
        assert number in block
    assert "not measured (`fdsm-bench live --json`)" in block and "not measured (`fdsm-bench reaction" in block
    assert block.startswith(results.BEGIN) and block.endswith(results.END)


def test_benchmark_reports_fill_their_rows(folder: Path, tmp_path: Path):
    clip = {"video": "/somewhere/demo.mp4", "errors": [], "fps": 12.34, "first_answer_s": 2.5, "pose_ms_p50": 70.2,
            "score_ms_p50": 2.25, "peak_rss_mb": 801.2}
    (folder / "bench-live.json").write_text(json.dumps({"labels": 7, "clips": {"1 person": clip}}))
    sets = {"trained": {"title": "T", "pairs": 10, "a_shown_at_switch": 8, "b_shown_at_switch": 1, "median_s": 1.43,
                        "p25_s": 1.2, "p75_s": None, "p90_s": None, "never": 3, "never_after_a": 3,
                        "steady_b_accuracy": 0.615}}
    (folder / "bench-reaction.json").write_text(json.dumps({"sets": sets, "labels": 5, "window_s": 2.0, "stride_s": 0.2,
                                                            "smoothing": "app", "lead_s": 3.0, "hold_s": 5.0,
                                                            "blend_s": 0.2, "app_peak_rss_mb": 987.6}))
    block = results.readme_block(folder, tmp_path / "no-config.json")
    assert "| the live pipeline, 1 person (demo.mp4, 7 labels) | " in block
    assert ("| 12.3 frames/s processed; 2.5 s to the first answer; 70 ms pose p50; 2.2 ms scoring p50; 801 MB peak RSS "
            "| `fdsm-bench live` |") in block
    assert "median 1.43 s over the 8 of 10" in block and "988 MB RSS" in block
    page = results.page(folder, tmp_path / "no-config.json")
    assert "| T | 10 | 8 | 1.43 s (1.20 s-never) | never | 3 / 3 | 61.5 % |" in page


def test_bad_input_is_one_clear_error(folder: Path, tmp_path: Path):
    (folder / "bench-live.json").write_text("{not json")
    with pytest.raises(FdsmError, match="bench-live.json: not a JSON report"):
        results.readme_block(folder, tmp_path / "no-config.json")
    with pytest.raises(FdsmError, match="no protocol report"):
        results.readme_block(tmp_path / "empty", tmp_path / "no-config.json")
    with pytest.raises(FdsmError, match="markers"):
        results.replace_block("a README without the markers", "block")


def test_replace_block_keeps_the_rest():
    text = f"intro\n{results.BEGIN}\nold\n{results.END}\noutro\n"
    assert results.replace_block(text, f"{results.BEGIN}\nnew\n{results.END}") == \
        f"intro\n{results.BEGIN}\nnew\n{results.END}\noutro\n"
