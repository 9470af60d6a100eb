"""Shared steps of the dataset builders: prompt banks, class lookup, long-take windows, the Corpus.

Each dataset module reads its files with `fdsm.data.corpus.read_all` (bad files are reported and
skipped) and hands the sequences here; a class without text is reported the same way, never fatal.
"""

from __future__ import annotations

import json
from functools import cache

import numpy as np

from fdsm.assets import asset_path
from fdsm.data import Sequence
from fdsm.data.corpus import Corpus
from fdsm.errors import AssetError
from fdsm.skeleton import DEFAULT_FPS, valid_fraction

MIN_FRAMES = 2


@cache
def load_prompt_bank(bank: str) -> tuple[dict, ...]:
    """The classes of `assets/prompts/<bank>.json` as dicts, in index order (AssetError if unreadable).

    Tolerant on purpose, unlike the strict `fdsm.text.prompts.load_bank` that training uses: a class
    with empty text must not stop a corpus build, `make_corpus` reports it instead.
    """
    path = asset_path("prompts", f"{bank}.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        classes = sorted(data["classes"], key=lambda c: int(c["index"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AssetError(f"{path}: unreadable prompt bank ({exc})") from exc
    if [int(c["index"]) for c in classes] != list(range(len(classes))):
        raise AssetError(f"{path}: class indices must run 0..{len(classes) - 1}")
    return tuple(classes)


def split_long(seq: Sequence, max_seconds: float, piece_seconds: float) -> list[Sequence]:
    """Cut a take longer than `max_seconds` into consecutive labelled pieces of about `piece_seconds`."""
    total = seq.skeleton.shape[0]
    if total <= max_seconds * seq.fps:
        return [seq]
    step = int(round(piece_seconds * seq.fps))
    bounds = [*range(0, total, step), total]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] < step / 2:
        del bounds[-2]  # a short tail joins the piece before it
    spans = zip(bounds[:-1], bounds[1:], strict=True)
    return [Sequence(seq.skeleton[a:b], seq.fps, seq.label, f"{seq.name}#{k}", seq.subject, seq.view,
                     {**seq.meta, "window_start": a}) for k, (a, b) in enumerate(spans)]


def label_and_cut(seqs: list[Sequence], classes: list[str] | tuple[str, ...], dataset: str,
                  problems: list[str]) -> list[Sequence]:
    """Turn each sequence's class name into its index in `classes` and cut long takes into 6 s pieces.

    A sequence of an unknown class is reported in `problems` and left out.
    """
    out = []
    for s in seqs:
        if s.label not in classes:
            problems.append(f"{s.name}: unknown {dataset} class {s.label!r}")
            continue
        s.label = classes.index(s.label)
        out.extend(split_long(s, 12.0, 6.0))
    return out


def make_corpus(seqs: list[Sequence], dataset: str, bank: str, problems: list[str], info: dict,
                texts: list[tuple[str, str, str]] | None = None, fps: float = DEFAULT_FPS) -> Corpus:
    """Assemble a Corpus whose labels index the prompt bank; drop (and report) classes without text.

    `seq.label` must be the class index in the bank. A class whose name is empty is dropped with its
    sequences; a class without definition or kinematics is kept and reported (it trains on names only).
    """
    classes = load_prompt_bank(bank)
    problems = list(problems)
    usable = set()
    for c in classes:
        if not str(c.get("name", "")).strip():
            problems.append(f"prompt bank {bank}: class {c['index']} has no name; its sequences are skipped")
            continue
        if not (str(c.get("definition", "")).strip() and str(c.get("kinematics", "")).strip()):
            problems.append(f"prompt bank {bank}: class {c['index']} ({c['name']}) lacks definition or kinematics")
        usable.add(int(c["index"]))
    keep = []
    for i, s in enumerate(seqs):
        if s.skeleton.shape[0] < MIN_FRAMES or valid_fraction(s.skeleton) == 0.0:
            problems.append(f"{s.name}: only {s.skeleton.shape[0]} frame(s) or no valid body")
        elif s.label in usable:
            keep.append(i)
    kept = [seqs[i] for i in keep]
    return Corpus(kept, np.array([s.label for s in kept], np.int64), [str(c["name"]) for c in classes], dataset,
                  bank, fps=fps, texts=None if texts is None else [texts[i] for i in keep],
                  info={**info, "problems": problems})
