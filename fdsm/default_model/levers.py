"""What each change of the training data bought: one full recipe run per lever, scored by the default protocol.

The camera-consistent joints, the camera-noise augmentation and UTD-MHAD change what the skeleton encoder sees,
so unlike the paper ablations (`fdsm.default_model.ablation`, diffusion stage only on a shared encoder) each row
here is a whole run of fdsm/configs/default_live.toml, training seed 2025, scored with the protocol's 3 noise
seeds (`fdsm-eval --protocol default`). The reference row is the recipe with all levers; every other row takes
one away (or, for the captions, adds one). The commands of each row are in docs/default-model.md.

    python -m fdsm.default_model.levers --run all=RUN_A --run no-camera-noise=RUN_B ... --out docs/results/levers.json

reads each RUN/protocol.json and RUN/train_config.json and writes one JSON (the confusion matrices dropped),
from which `python -m fdsm.default_model.results` renders the table.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fdsm.errors import FdsmError

PROG = "python -m fdsm.default_model.levers"
# lever name -> what its run changes relative to the recipe with every lever
LEVERS: dict[str, str] = {
    "all": "the recipe: camera joints, camera noise, UTD-MHAD in the pool, no captions",
    "no-camera-noise": "without the camera-noise augmentation (encoder.camera_noise=false)",
    # the camera-noise augmentation re-derives the camera joints of every training window, so the joints can only
    # be taken away together with it: this row against no-camera-noise is what the camera-consistent joints buy
    "no-camera": "without camera-consistent joints and camera noise (corpora built with fdsm-prepare --joints "
                 "dataset, encoder.camera_noise=false)",
    "no-utdmhad": "without UTD-MHAD in the pool (its 27 classes have no sequences)",
    "captions": "with kinematic captions (diffusion.captions=0.5; encoder and features of the recipe's run)",
}
DROPPED = ("confusion",)  # per-part keys the table does not need


def slim(report: dict[str, Any]) -> dict[str, Any]:
    """A protocol report without the bulky per-part keys."""
    return {k: ({kk: vv for kk, vv in v.items() if kk not in DROPPED} if isinstance(v, dict) else v)
            for k, v in report.items()}


def collect(runs: dict[str, Path]) -> dict[str, Any]:
    """One row per lever from its run folder's protocol.json and train_config.json, in `LEVERS` order."""
    unknown = sorted(set(runs) - set(LEVERS))
    if unknown:
        raise FdsmError(f"unknown lever(s) {', '.join(unknown)}; known: {', '.join(LEVERS)}")
    rows = []
    for name in (n for n in LEVERS if n in runs):
        folder = runs[name]
        files = {f: folder / f for f in ("protocol.json", "train_config.json")}
        missing = [str(p) for p in files.values() if not p.is_file()]
        if missing:
            raise FdsmError(f"lever {name}: missing {', '.join(missing)} (train and score the run first)")
        report = json.loads(files["protocol.json"].read_text(encoding="utf-8"))
        config = json.loads(files["train_config.json"].read_text(encoding="utf-8"))
        rows.append({"lever": name, "change": LEVERS[name], "seed": config["run"]["seed"],
                     "camera_noise": config["encoder"]["camera_noise"], "captions": config["diffusion"]["captions"],
                     "report": slim({k: v for k, v in report.items() if k != "checkpoint"})})
    return {"rows": rows}


def _cell(part: dict[str, Any] | None, *path: str) -> str:
    node: Any = part
    for key in path:
        node = (node or {}).get(key)
    return "-" if node is None else f"{node['mean']:.1f} +- {node['std']:.1f}"


def table(levers: dict[str, Any]) -> list[str]:
    """The markdown table: NW-UCLA (all, by concept group), held-out, trained names (5 typed) and mixed H."""
    rows = ["| run | NW-UCLA top-1 % | concept in the pool | concept not in the pool | held-out top-1 % | "
            "trained, 5 typed % | mixed H % |", "|---|---:|---:|---:|---:|---:|---:|"]
    for row in levers["rows"]:
        r = row["report"]
        nw, groups = r.get("nwucla"), (r.get("nwucla") or {}).get("groups", {})
        rows.append(" | ".join([f"| {row['change']}", _cell(nw, "top1"),
                                _cell(groups, "concept in the pool"), _cell(groups, "concept not in the pool"),
                                _cell(r.get("heldout"), "top1"), _cell(r.get("trained"), "subset_top1", "5"),
                                _cell(r.get("mixed"), "corrected", "H")]) + " |")
    return rows


def _main(argv: Sequence[str] | None) -> int:
    from fdsm.atomic import atomic_write

    p = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    p.add_argument("--run", action="append", required=True, metavar="LEVER=FOLDER",
                   help=f"a scored run folder per lever ({', '.join(LEVERS)})")
    p.add_argument("--out", type=Path, required=True, help="the JSON to write (docs/results/levers.json)")
    args = p.parse_args(argv)
    runs = {}
    for item in args.run:
        name, sep, folder = item.partition("=")
        if not sep or not folder:
            raise FdsmError(f"--run {item!r}: expected LEVER=FOLDER")
        runs[name] = Path(folder)
    data = collect(runs)
    atomic_write(args.out, lambda tmp: tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8"))
    print("\n".join(table(data)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.cli import run_cli

    return run_cli(PROG, _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
