"""The levers table: rows from run folders (protocol report + training config), in a fixed order; bad input is
one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdsm.default_model import levers, results
from fdsm.errors import FdsmError


def stat(mean: float) -> dict:
    return {"mean": mean, "std": 0.5, "n": 3}


def run_folder(root: Path, name: str, nwucla: float, noise: bool = True) -> Path:
    folder = root / name
    folder.mkdir()
    groups = {"concept in the pool": stat(nwucla + 10) | {"classes": ["a"]},
              "concept not in the pool": stat(nwucla - 10) | {"classes": ["b"]}}
    report = {"checkpoint": str(folder / "checkpoint"), "protocol": "default",
              "nwucla": {"top1": stat(nwucla), "groups": groups, "confusion": [[1, 0], [0, 1]]},
              "heldout": {"top1": stat(9.0), "confusion": [[1]]},
              "trained": {"top1": stat(50.0), "subset_top1": {"5": stat(92.0)}},
              "mixed": {"corrected": {"S": stat(30.0), "U": stat(8.0), "H": stat(12.0)}}}
    (folder / "protocol.json").write_text(json.dumps(report))
    config = {"run": {"seed": 2025}, "encoder": {"camera_noise": noise}, "diffusion": {"captions": 0.0}}
    (folder / "train_config.json").write_text(json.dumps(config))
    return folder


def test_rows_follow_the_lever_order_and_drop_the_confusion_matrices(tmp_path: Path):
    runs = {"no-camera-noise": run_folder(tmp_path, "b", 20.0, noise=False), "all": run_folder(tmp_path, "a", 25.5)}
    data = levers.collect(runs)
    assert [r["lever"] for r in data["rows"]] == ["all", "no-camera-noise"]
    assert data["rows"][1]["camera_noise"] is False
    assert "confusion" not in json.dumps(data) and "checkpoint" not in data["rows"][0]["report"]
    rows = levers.table(data)
    assert rows[2] == (f"| {levers.LEVERS['all']} | 25.5 +- 0.5 | 35.5 +- 0.5 | 15.5 +- 0.5 | 9.0 +- 0.5 | "
                       "92.0 +- 0.5 | 12.0 +- 0.5 |")
    assert rows[3].startswith(f"| {levers.LEVERS['no-camera-noise']} | 20.0 +- 0.5 |")


def test_the_cli_writes_the_json_the_results_page_renders(tmp_path: Path, capsys):
    a = run_folder(tmp_path, "a", 25.5)
    out = tmp_path / "levers.json"
    assert levers.main(["--run", f"all={a}", "--out", str(out)]) == 0
    assert "| 25.5 +- 0.5 |" in capsys.readouterr().out
    section = results.lever_section(json.loads(out.read_text()))
    assert any("25.5 +- 0.5" in line for line in section)
    assert results.lever_section(None)[0].startswith("not measured (`python -m fdsm.default_model.levers")


@pytest.mark.parametrize(("argv", "message"), [
    (["--run", "fast=x"], "unknown lever(s) fast"),
    (["--run", "all"], "expected LEVER=FOLDER"),
    (["--run", "all=/nonexistent/run"], "lever all: missing /nonexistent/run/protocol.json"),
])
def test_bad_input_is_one_line(tmp_path: Path, capsys, argv, message):
    assert levers.main([*argv, "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    with pytest.raises(FdsmError):
        levers.collect({"all": tmp_path / "none"})
