"""`fdsm-eval text-sanity`: how typed labels look to the text encoder, before any skeleton is involved.

For each typed name: its bank match (if any), the nearest known classes by cosine similarity of the
pooled embeddings, and the pairs of typed names that are closest to each other. Labels the encoder
can hardly tell apart are labels the recognizer is likely to confuse.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fdsm.cli import run_cli
from fdsm.errors import FdsmError
from fdsm.text.encoder import TextEncoder, get_text_encoder
from fdsm.text.labels import validate_labels
from fdsm.text.matcher import search_order
from fdsm.text.policy import DEFAULT_POLICY, TextPolicy, match_for, prompt_for
from fdsm.text.prompts import load_bank, normalize_name

CONFUSABLE = 0.8  # cosine above which two typed labels are flagged as likely confusions


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def sanity_report(names: Sequence[str], encoder: TextEncoder, banks: Sequence[str | Path] | None = None,
                  top: int = 3, policy: TextPolicy = DEFAULT_POLICY) -> dict:
    """Matches, nearest bank classes and closest typed pairs, as plain data (see `format_report`).

    Typed labels and bank classes are both encoded as the model reads them (`prompt_for` under `policy`)."""
    labels = validate_labels(names, encoder, policy)
    order = search_order(banks)
    known = list({normalize_name(c.name): (Path(b).stem, c)  # one row per distinct name, first bank wins
                  for b in reversed(order) for c in reversed(load_bank(b))}.values())[::-1]
    first = order[0] if order else None
    texts = [prompt_for(label, policy, first) for label in labels]
    typed = _unit(encoder.encode(texts)[0])
    rows = []
    if known:
        bank_emb = _unit(encoder.encode([prompt_for(c.name, policy, bank) for bank, c in known])[0])
        sims = typed @ bank_emb.T
    for i, label in enumerate(labels):
        m = match_for(label, first, order[1:])  # the class the model's text comes from
        nearest = [] if not known else [
            {"bank": known[j][0], "index": known[j][1].index, "name": known[j][1].name, "cosine": float(sims[i, j])}
            for j in np.argsort(-sims[i])[:top]]
        rows.append({"label": label, "text": texts[i], "nearest": nearest,
                     "match": None if m is None else {"bank": m.bank, "index": m.index, "name": m.entry.name,
                                                      "score": m.score, "via": m.via}})
    pair_sims = typed @ typed.T
    pairs = sorted(({"a": labels[i], "b": labels[j], "cosine": float(pair_sims[i, j])}
                    for i in range(len(labels)) for j in range(i + 1, len(labels))), key=lambda p: -p["cosine"])
    return {"encoder": encoder.name, "labels": rows, "pairs": pairs, "confusable_above": CONFUSABLE}


def format_report(report: dict, max_pairs: int = 5) -> str:
    """The report as readable text."""
    lines = [f"text encoder: {report['encoder']}"]
    for row in report["labels"]:
        m = row["match"]
        found = (f"matches {m['bank']}[{m['index']}] {m['name']!r} (via {m['via']!r}, score {m['score']:.2f})"
                 if m else "no bank match: encoded as typed")
        lines.append(f"\n{row['label']!r}: {found}; text {row['text']!r}")
        lines += [f"  {n['cosine']:+.3f}  {n['bank']}[{n['index']}] {n['name']}" for n in row["nearest"]]
    if report["pairs"]:
        lines.append("\nclosest pairs of your labels (cosine):")
        for p in report["pairs"][:max_pairs]:
            flag = "  <- likely confused" if p["cosine"] >= report["confusable_above"] else ""
            lines.append(f"  {p['cosine']:+.3f}  {p['a']!r} ~ {p['b']!r}{flag}")
    return "\n".join(lines)


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="fdsm-eval text-sanity", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="typed action names, e.g. wave 'drink water'")
    parser.add_argument("--labels-file", type=Path, help="one label per line (added to NAMES)")
    parser.add_argument("--encoder", help="minilm (default), sentence-transformers, clip:<folder>")
    parser.add_argument("--banks", help="comma-separated prompt banks to search (default: all shipped)")
    parser.add_argument("--checkpoint", type=Path, help="show the labels as this checkpoint reads them: its text "
                        "policy, its text encoder and its prompt bank searched first")
    parser.add_argument("--top", type=int, default=3, help="nearest bank classes to show per label")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    names = list(args.names)
    if args.labels_file is not None:
        names += [ln for ln in args.labels_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not names:
        raise FdsmError("give at least one label (as arguments or with --labels-file)")
    if args.top < 0:
        raise FdsmError("--top must be >= 0")
    banks = [b.strip() for b in args.banks.split(",") if b.strip()] if args.banks else None
    policy, encoder = DEFAULT_POLICY, args.encoder or "minilm"
    if args.checkpoint is not None:
        from fdsm.checkpoint import load_checkpoint

        ckpt = load_checkpoint(args.checkpoint)
        policy, encoder = ckpt.policy, args.encoder or ckpt.text_encoder
        if banks is None and ckpt.bank is not None:
            banks = [ckpt.bank, *(b for b in search_order(None) if Path(b).stem != Path(ckpt.bank).stem)]
    report = sanity_report(names, get_text_encoder(encoder), banks, args.top, policy)
    print(json.dumps(report) if args.json else format_report(report))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-eval text-sanity", _main, argv)
