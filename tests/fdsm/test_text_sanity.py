"""`fdsm-eval text-sanity` and `fdsm-bench text`: real runs, real output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fdsm.text.sanity import main as sanity_main


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FDSM_CACHE", str(tmp_path / "cache"))


def test_sanity_report_json(capsys):
    argv = ["wave", "Hand Waving", "sqaut", "summon a dragon", "--json", "--top", "2", "--banks", "demo,ntu120"]
    assert sanity_main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["label"]: r for r in report["labels"]}
    assert report["encoder"] == "minilm" and list(rows) == ["wave", "Hand Waving", "sqaut", "summon a dragon"]
    assert rows["sqaut"]["match"]["name"] == "squat" and rows["sqaut"]["text"] == "sqaut"
    assert rows["summon a dragon"]["match"] is None
    assert rows["summon a dragon"]["text"] == "summon a dragon"  # as the Recognizer encodes it
    for row in rows.values():
        cos = [n["cosine"] for n in row["nearest"]]
        assert len(cos) == 2 and cos == sorted(cos, reverse=True) and all(-1.0 <= c <= 1.0 + 1e-6 for c in cos)
    # typed and bank names are encoded alike (the label as typed), so a bank name is its own nearest class
    assert rows["wave"]["nearest"][0]["name"] == "wave" and rows["wave"]["nearest"][0]["cosine"] > 0.999
    pairs = report["pairs"]
    assert len(pairs) == 6 and [p["cosine"] for p in pairs] == sorted((p["cosine"] for p in pairs), reverse=True)
    assert {pairs[0]["a"], pairs[0]["b"]} == {"wave", "Hand Waving"}  # the two wave labels are the closest pair


def test_sanity_report_text_and_labels_file(tmp_path, capsys):
    labels = tmp_path / "labels.txt"
    labels.write_text("drink water\n\nphone call\n")
    assert sanity_main(["clap", "--labels-file", str(labels), "--banks", "demo"]) == 0
    out = capsys.readouterr().out
    assert "'clap': matches demo[1] 'clap'" in out and "'phone call': matches demo[14]" in out
    assert "closest pairs of your labels" in out and "ntu120" not in out


def test_sanity_reads_labels_as_a_checkpoint_does(capsys):
    """With --checkpoint: its policy, its encoder, and its own bank searched first (the default model: pool)."""
    from fdsm.assets import asset_path

    assert sanity_main(["drinking water", "--checkpoint", str(asset_path("checkpoints", "default")), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)["labels"][0]
    # the default model scores a matched name by its bank definition (text_level "definition")
    assert row["text"] == "Drink water from a cup or bottle held in the right hand."
    assert (row["match"]["bank"], row["match"]["index"]) == ("pool", 63)
    assert row["nearest"][0]["bank"] == "pool"


@pytest.mark.parametrize(("argv", "message"), [
    ([], "give at least one label"),
    (["wave", "WAVE"], "duplicates label 1"),
    (["wave", "--banks", "nope"], "unknown prompt bank"),
    (["wave", "--encoder", "gpt"], "unknown text encoder"),
    (["wave", "--labels-file", "/nonexistent/labels.txt"], "No such file"),
    (["wave", "--checkpoint", "/nonexistent/checkpoint"], "does not exist"),
])
def test_sanity_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert sanity_main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_fdsm_bench_text_json_end_to_end(tmp_path):
    exe = Path(sys.executable).parent / "fdsm-bench"
    out = subprocess.run([str(exe), "text", "--json", "--labels", "3"], capture_output=True, text=True, timeout=120,
                         env={"FDSM_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["encoder"] == "minilm" and result["dim"] == 384 and result["labels"] == 3
    for key in ("load_s", "cold_ms_per_label", "memory_cache_ms_per_label", "disk_cache_ms_per_label",
                "batch10_cold_ms"):
        assert result[key] > 0
    bad = subprocess.run([str(exe), "text", "--labels", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "between 1 and" in bad.stderr and "Traceback" not in bad.stderr
