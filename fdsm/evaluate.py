"""`fdsm-eval`: zero-shot evaluation of FDSM checkpoints, and the results-table generator.

  fdsm-eval CKPT [CKPT ...] --features DIR | --corpus FILE  --split NAME [--seeds ...] [--json OUT] [--confusion PNG]
  fdsm-eval report RUNS_DIR [--out FILE]        markdown table from the JSON reports under RUNS_DIR
  fdsm-eval text-sanity ...                     prompt-bank sanity check (fdsm.text.sanity)
  fdsm-eval --protocol default ...              the default model's protocol (fdsm.default_model.protocol)
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fdsm.cli import run_cli
from fdsm.errors import FdsmError

PROG = "fdsm-eval"
REPORT_KIND = "fdsm-eval"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Zero-shot evaluation of FDSM checkpoints (ZSL top-1/top-5, GZSL harmonic mean). "
                               "Also: `fdsm-eval report RUNS_DIR`, `fdsm-eval text-sanity`, "
                               "`fdsm-eval --protocol default`.")
    parser.add_argument("checkpoints", nargs="+", type=Path, help="checkpoint folder(s), e.g. one per training seed")
    data = parser.add_mutually_exclusive_group(required=True)
    data.add_argument("--features", type=Path, help="feature folder (ztest.npy, z_label.npy, optional gtest.npy)")
    data.add_argument("--corpus", nargs="+", help="corpus .npz file(s); features come from each checkpoint's encoder")
    parser.add_argument("--split", required=True, help="zero-shot split, e.g. ntu60-55-5")
    parser.add_argument("--seeds", nargs="+", type=int, default=[2025, 1, 2],
                        help="noise seeds of the fixed test noises (default: 2025 1 2)")
    parser.add_argument("--bank", help="prompt bank name or .json path (default: the checkpoint's)")
    parser.add_argument("--json", type=Path, help="write the JSON report here")
    parser.add_argument("--confusion", type=Path, help="write the ZSL confusion matrix PNG here")
    return parser


def _test_set(args: argparse.Namespace, ckpt: Any, split: Any) -> Any:
    from fdsm.data.features import load_features
    from fdsm.training.evaluation import TestSet

    if args.features is not None:
        return TestSet.from_features(load_features(args.features, split), split)
    from fdsm.training.feature_stage import test_features, test_parts
    from fdsm.training.parts import class_parts, load_corpora

    corpus = load_corpora(args.corpus)
    if len(corpus.classes) != split.num_classes:
        raise FdsmError(f"the corpus has {len(corpus.classes)} classes but split {split.name} has {split.num_classes}")
    parts = class_parts(split.num_classes, list(split.unseen), 0, 0)
    rows = test_parts(corpus, parts, float(ckpt.meta.get("seen_test_fraction", 0.1)))
    labels = corpus.labels

    def feats(part: str) -> Any:
        seqs = [corpus.sequences[i] for i in rows[part]]
        return test_features(ckpt.encoder, seqs, ckpt.cfg, 128, f"features ({part})"), labels[rows[part]]

    return TestSet(feats("unseen"), feats("seen") if len(rows["seen"]) else None)


def _evaluate(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from fdsm.atomic import atomic_write
    from fdsm.checkpoint import load_checkpoint
    from fdsm.splits import DATASETS, get_split
    from fdsm.text.encoder import get_text_encoder
    from fdsm.training.evaluation import evaluate_one, summarize, total_confusion
    from fdsm.training.metrics import per_class_table, save_confusion_png
    from fdsm.training.texts import encode_bank

    split = get_split(args.split)
    ckpts = [load_checkpoint(p) for p in args.checkpoints]
    if args.corpus:  # the checkpoints' encoders compute the test features
        for c in ckpts:
            c.require_trained_encoder("fdsm-eval --corpus")
    first = ckpts[0]
    for c in ckpts[1:]:
        if (c.text_encoder, c.policy) != (first.text_encoder, first.policy):
            raise FdsmError(f"{c.path}: trained with another text encoder or text policy than {first.path}")
    bank = args.bank or first.bank or DATASETS[split.dataset][1]
    level = first.policy.level
    texts = encode_bank(get_text_encoder(first.text_encoder), bank, split.num_classes, first.policy)
    runs = []
    for ckpt in ckpts:
        test = _test_set(args, ckpt, split)
        if len(test.unseen[1]) == 0:
            raise FdsmError("no unseen-class test samples to evaluate")
        for seed in args.seeds:
            runs.append({"checkpoint": str(ckpt.path), **evaluate_one(ckpt, texts, level, split, test, seed)})
    summary = summarize(runs)
    unseen_names = [texts.names[c] for c in split.unseen]
    cm = total_confusion(runs)
    for key, s in summary.items():
        print(f"{key:12s} {100 * s['mean']:6.2f} +- {100 * s['std']:5.2f} %  (n={s['n']})")
    print(per_class_table(cm, unseen_names))
    report = {"kind": REPORT_KIND, "split": split.name, "checkpoints": [str(p) for p in args.checkpoints],
              "noise_seeds": args.seeds, "text_policy": first.policy.record(), "bank": bank, "summary": summary,
              "runs": runs,
              "unseen_classes": unseen_names, "confusion": cm.tolist(),
              "validation": [c.meta.get("metrics", {}).get(k) for c in ckpts for k in ("best", "last")]}
    if args.confusion:
        save_confusion_png(cm, unseen_names, args.confusion, f"{split.name}: ZSL, summed over {len(runs)} runs")
    if args.json:
        atomic_write(args.json, lambda tmp: tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8"))
    return 0


def _report(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog=f"{PROG} report", description="Markdown results table from the JSON "
                                     "reports (fdsm-eval --json) found under RUNS_DIR.")
    parser.add_argument("runs_dir", type=Path)
    parser.add_argument("--out", type=Path, help="write the table here (default: stdout)")
    args = parser.parse_args(argv)
    from fdsm.atomic import atomic_write
    from fdsm.training.report import results_table

    table = results_table(args.runs_dir)
    if args.out:
        atomic_write(args.out, lambda tmp: tmp.write_text(table, encoding="utf-8"))
    else:
        print(table, end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["text-sanity"]:
        from fdsm.text.sanity import main as sanity_main

        return sanity_main(args[1:])
    if "--protocol" in args:
        from fdsm.default_model.protocol import main as protocol_main

        return protocol_main(args)
    if args[:1] == ["report"]:
        return run_cli(f"{PROG} report", _report, args[1:])
    return run_cli(PROG, _evaluate, args)
