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


def test_generated_numbers_are_current():
    """README's and docs/default-model.md's tables and docs/results/index.md are what the results script makes
    from the committed JSON reports (regenerate: python -m fdsm.default_model.results)."""
    from fdsm.default_model.results import BLOCK_FILES, PAGE, page, readme_block, replace_block

    block = readme_block()
    for path in BLOCK_FILES:
        text = path.read_text(encoding="utf-8")
        assert replace_block(text, block) == text, f"{path.name}: run python -m fdsm.default_model.results"
    assert PAGE.read_text(encoding="utf-8") == page()


def test_readme_numbers_are_the_pages():
    """Every number in the README's generated tables appears in the results page's tables too."""
    from fdsm.default_model.results import BEGIN, END, PAGE

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(BEGIN):text.index(END)]
    numbers = set(re.findall(r"\d+(?:\.\d+)?", block))
    assert numbers and numbers <= set(re.findall(r"\d+(?:\.\d+)?", PAGE.read_text(encoding="utf-8")))


def test_nothing_shipped_cites_a_round_of_work_or_a_temporary_path():
    """Docs, configs, assets and code describe the product as it is: no "session 5", no /tmp/... paths."""
    pattern = re.compile(r"\bsessions? \d+(?!\.?\d)|\bsession-\d|\bround \d+(?!\.?\d)|/tmp/", re.IGNORECASE)
    files = [REPO / "README.md", *(REPO / "docs").rglob("*.md"), *(REPO / "assets").rglob("*.md"),
             *(REPO / "assets").rglob("*.json"), *(REPO / "fdsm" / "configs").glob("*.toml"),
             *(p for pkg in ("app", "fdsm", "pose") for p in (REPO / pkg).rglob("*.py"))]
    found = [f"{path.relative_to(REPO)}: {m.group(0)}" for path in files
             for m in pattern.finditer(path.read_text(encoding="utf-8", errors="replace"))]
    assert not found, found
