"""`fdsm-live teach` and `fdsm-live --examples`: the real pose pipeline on the demo clip, a random-weight model;
bad input is one line and a non-zero exit; an unreadable examples file is set aside and the replay still runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.main import main
from app.teach import open_examples, with_taught


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_help(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as done:
        main(["teach", "--help"])
    assert done.value.code == 0 and "--from SECONDS" in capsys.readouterr().out


@pytest.mark.parametrize("extra, reason", [
    (["--label", "  "], "needs a name"),
    (["--label", "pick up", "--from", "2", "--to", "1"], "0 <= from < to"),
    (["--label", "pick up", "--from", "50", "--to", "60"], "past the end"),
    (["--label", "pick up", "--from", "0", "--to", "0.3"], "at least 0.5 s"),
])
def test_bad_teaching_is_one_line(capsys, demo_clip: Path, tmp_path: Path, random_checkpoint: Path, extra, reason):
    args = {"--video": str(demo_clip), "--from": "0", "--to": "1.5", "--examples": str(tmp_path / "ex.npz"),
            "--checkpoint": str(random_checkpoint)}
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        args[flag] = value
    code, _, err = run(capsys, "teach", *[x for kv in args.items() for x in kv])
    assert code == 2 and reason in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "ex.npz").exists()


def test_teach_then_replay_with_the_examples(capsys, demo_clip: Path, tmp_path: Path, random_checkpoint: Path):
    examples = tmp_path / "ex.npz"
    common = ["--video", str(demo_clip), "--label", "pick up", "--examples", str(examples),
              "--checkpoint", str(random_checkpoint)]
    code, out, _ = run(capsys, "teach", "--from", "0", "--to", "1.6", *common)
    assert code == 0 and "1 example(s) now" in out and examples.is_file()
    code, out, _ = run(capsys, "teach", "--from", "0.2", "--to", "1.5", *common)  # the same label: added to it
    assert code == 0 and "2 example(s) now" in out
    jsonl = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "--video", str(demo_clip), "--headless", "--quiet", "--labels", "wave, jump up",
                       "--examples", str(examples), "--checkpoint", str(random_checkpoint), "--json", str(jsonl))
    assert code == 0 and "2 example(s) of 1 taught label(s)" in err
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert lines and all(set(line["scores"]) == {"wave", "jump up", "pick up"} for line in lines)


def test_unreadable_examples_file_is_set_aside_and_the_replay_runs(capsys, demo_clip: Path, tmp_path: Path,
                                                                   random_checkpoint: Path):
    examples = tmp_path / "ex.npz"
    examples.write_bytes(b"garbage")
    code, _, err = run(capsys, "--video", str(demo_clip), "--headless", "--quiet", "--labels", "wave, jump up",
                       "--examples", str(examples), "--checkpoint", str(random_checkpoint),
                       "--json", str(tmp_path / "out.jsonl"))
    assert code == 0 and "not a readable examples file" in err and "kept aside" in err
    aside = list(tmp_path.glob("ex.npz.unreadable-*"))
    assert not examples.exists() and len(aside) == 1 and aside[0].read_bytes() == b"garbage"


class FakeTeachable:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def load_examples(self, path):
        from fdsm.examples import ExampleError

        if self.fail:
            raise ExampleError(f"{path}: not a readable examples file (bad)")
        return True

    def examples(self):
        return {"pick up": 2, "wave": 1}


def test_open_examples_notes_and_taught_labels_join(tmp_path: Path) -> None:
    assert open_examples(FakeTeachable(), tmp_path / "missing.npz") is None
    (tmp_path / "ex.npz").write_bytes(b"x")
    note = open_examples(FakeTeachable(), tmp_path / "ex.npz")
    assert "3 example(s) of 2 taught label(s) from ex.npz (refitted" in note
    assert with_taught(["wave", "jump up"], FakeTeachable()) == ["wave", "jump up", "pick up"]
    (tmp_path / "other.npz").write_bytes(b"x")
    note = open_examples(FakeTeachable(fail=True), tmp_path / "other.npz")
    assert "kept aside as other.npz.unreadable-" in note and not (tmp_path / "other.npz").exists()

