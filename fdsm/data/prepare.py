"""`fdsm-prepare DATASET --src DIR --out FILE`: build a corpus file from a dataset's original files.

Every corpus is written as the camera sees: `fdsm.skeleton.camera_joints` re-derives the joints the live
MediaPipe mapping derives (spine, neck, palms) from the measured ones, so training, evaluation and the live
window share one geometry. Done here, once per build, rather than at every load: the corpus file then holds
exactly what the model is trained and tested on, and records it (`info["joints"] = "camera"`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from fdsm.cli import run_cli
from fdsm.data.corpus import Corpus, save_corpus
from fdsm.skeleton import camera_joints

# dataset name -> "module:function"; each function is build(src: Path) -> Corpus.
BUILDERS: dict[str, str] = {
    "ntu": "fdsm.data.ntu:build",
    "pku": "fdsm.data.pku:build",
    "kinetics": "fdsm.data.kinetics:build",
    "bandai": "fdsm.data.bandai:build",
    "hdm05": "fdsm.data.asfamc:build",
    "cmu8": "fdsm.data.cmu:build",
    "sbu": "fdsm.data.sbu:build",
    "utdmhad": "fdsm.data.utdmhad:build",
    "nwucla": "fdsm.data.nwucla:build",
    "synth": "fdsm.default_model.synth:build",
    "pool": "fdsm.data.pool:build",
}


JOINTS = ("camera", "dataset")


def as_camera_sees(corpus: Corpus) -> Corpus:
    """The corpus with every sequence's derived joints re-derived by the live rules (in place; idempotent)."""
    for seq in corpus.sequences:
        seq.skeleton = camera_joints(seq.skeleton)
    corpus.info = {**corpus.info, "joints": "camera"}
    return corpus


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fdsm-prepare", description="Convert a skeleton dataset into a corpus .npz file.")
    p.add_argument("dataset", choices=sorted(BUILDERS), help="which dataset's layout --src holds")
    p.add_argument("--src", type=Path, required=True, help="the dataset folder (or archive, where supported)")
    p.add_argument("--out", type=Path, required=True, help="corpus file to write (.npz)")
    p.add_argument("--joints", choices=JOINTS, default="camera",
                   help="camera (default): derived joints re-derived by the live rules; dataset: as the dataset "
                        "measured them (the camera-joints ablation, docs/default-model.md)")
    return p


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if not args.src.exists():
        raise FileNotFoundError(f"--src does not exist: {args.src}")
    module, func = BUILDERS[args.dataset].split(":")
    corpus = getattr(importlib.import_module(module), func)(args.src)
    if args.joints == "camera":
        corpus = as_camera_sees(corpus)
    problems = corpus.info.get("problems", [])
    for line in problems:
        print(f"fdsm-prepare: skipped {line}", file=sys.stderr)
    save_corpus(args.out, corpus)
    print(f"wrote {args.out}: {len(corpus)} sequences, {len(corpus.classes)} classes, {len(problems)} skipped")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-prepare", _main, argv)
