"""The README's Python example is a test: it must run as written against the bundled checkpoint."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(), flags=re.DOTALL)


def test_readme_has_exactly_one_python_example():
    assert len(python_blocks()) == 1


def test_readme_python_example_runs(capsys):
    if not (REPO / "assets" / "checkpoints" / "default" / "config.json").is_file():
        pytest.fail("the bundled default checkpoint is missing")
    exec(compile(python_blocks()[0], "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.split()[0] in {"jumping", "squat", "wave", "None"}
