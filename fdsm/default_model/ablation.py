"""Ablations of the default recipe on the default protocol: same seeds, same budget, one table.

Every variant re-trains the diffusion stage of `fdsm/configs/default_live.toml` with one change and
is scored by `fdsm.default_model.protocol` (NW-UCLA names only, and the pool's held-out classes). The skeleton
encoder and its features are trained once (`--base`, a run of the recipe) and shared, because every
paper component under test lives in the diffusion stage. Two rows need their own encoder and features:
"without synth" on the pool built without synth.npz (`--base-nosynth`), and "class-text encoder head"
from an encoder pre-trained with `encoder.text_head = "definition"` (`--base-text-head`). Each variant
runs with the training seeds `fdsm.default_model.protocol.SEEDS`; the scorer's noise seed equals the training seed.

    python -m fdsm.default_model.ablation --base runs/default --corpora CORPORA --out runs/ablation \
        --iterations 300 --table docs/results/ablations.md

A finished run leaves `result.json` in its folder and is not re-run, so an interrupted sweep resumes.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fdsm.default_model.protocol import POOL_BANK, RECIPE, SEEDS, TEST_DATASET, evaluate, train_main
from fdsm.errors import FdsmError

PROG = "python -m fdsm.default_model.ablation"
SHARED_STAGES = ("encoder", "features")


@dataclass(frozen=True)
class Variant:
    """One row of the table: the recipe with `overrides`, on the shared encoder and features of `base`
    ("recipe"; "nosynth": the pool without synth; "text-head": an encoder pre-trained with a class-text head)."""

    name: str
    title: str
    overrides: tuple[str, ...] = ()
    base: str = "recipe"


VARIANTS: tuple[Variant, ...] = (
    Variant("full", "full model (recipe settings)"),
    Variant("no-sgsrm", "without SG-SRM", ("model.sgsrm=false",)),
    Variant("no-tasl", "without TASL", ("diffusion.tasl=false",)),
    Variant("no-curriculum", "without the curriculum (names only)", ("diffusion.curriculum=false",)),
    Variant("kinematics", "curriculum from kinematic descriptions (recipe: definitions)",
            ("diffusion.rich=kinematics",)),
    Variant("no-triplet", "without the triplet loss (recipe: with)", ("diffusion.triplet=false",)),
    Variant("joint-text", "joint text stream (recipe: cached)", ("model.text_stream=joint",)),
    Variant("no-synonyms", "without synonym training (recipe: p = 0.5)", ("diffusion.synonyms=0",)),
    Variant("no-ema", "without weight averaging (recipe: EMA 0.99)", ("diffusion.ema=0",)),
    Variant("text-head", "encoder pre-trained with a class-text head (recipe: linear head)",
            ("encoder.text_head=definition",), base="text-head"),
    Variant("no-synth", "without the synthetic data", (), base="nosynth"),
)


def _link_shared(base: Path, out: Path) -> None:
    """Point `out/encoder` and `out/features` at the shared run's (symlinks; never copies)."""
    out.mkdir(parents=True, exist_ok=True)
    for stage in SHARED_STAGES:
        src, dst = (base / stage).resolve(), out / stage
        if not src.is_dir():
            raise FdsmError(f"{base} has no {stage}/ folder: run the recipe's encoder and features stages there first")
        if dst.is_symlink() and dst.resolve() == src:
            continue
        if dst.exists() or dst.is_symlink():
            raise FdsmError(f"{dst} exists and is not a link to {src}; remove it or pick another --out")
        os.symlink(src, dst)


def run_one(variant: Variant, seed: int, base: Path, pool: Path, nwucla: Path, out: Path, iterations: int,
            extra: Sequence[str], cache: dict) -> dict[str, Any]:
    """Train one (variant, seed) for `iterations` diffusion steps and score it; cached in result.json."""
    from fdsm.atomic import atomic_write

    result_file = out / "result.json"
    if result_file.is_file():
        return json.loads(result_file.read_text(encoding="utf-8"))
    _link_shared(base, out)
    argv = ["--config", str(RECIPE), "--stage", "diffusion", "--corpus", str(pool), "--out", str(out),
            f"run.seed={seed}", f"diffusion.iterations={iterations}", *extra, *variant.overrides]
    if train_main(argv) != 0:
        raise FdsmError(f"training {variant.name} seed {seed} failed (see the message above)")
    report = evaluate(out / "checkpoint", nwucla, pool, [seed], cache, trained=False)
    result = {"variant": variant.name, "seed": seed, "iterations": iterations, "argv": argv,
              **{part: {k: report[part][k]["mean"] for k in ("top1", "top3")} for part in ("nwucla", "heldout")}}
    atomic_write(result_file, lambda tmp: tmp.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8"))
    return result


def summarize(results: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, dict[str, float]]]:
    """Per variant and metric ("nwucla.top1", ...): mean, std and n over its seeds."""
    from fdsm.training.metrics import mean_std

    return {name: {f"{part}.{k}": mean_std([r[part][k] for r in runs]) for part in ("nwucla", "heldout")
                   for k in ("top1", "top3")} for name, runs in results.items() if runs}


def _lead(full: dict[str, float], other: dict[str, float]) -> str:
    """Full minus variant, starred when it exceeds the larger of the two standard deviations."""
    diff = full["mean"] - other["mean"]
    return f"{diff:+.1f}" + ("*" if diff > max(full["std"], other["std"]) else "")


def table(summary: dict[str, dict[str, dict[str, float]]], budget: str) -> str:
    """The markdown table: each metric as mean +- std, and the full model's top-1 lead over each variant."""
    titles = {v.name: v.title for v in VARIANTS}
    full = summary.get("full")
    head = ["| variant | NW-UCLA top-1 % | NW-UCLA top-3 % | held-out top-1 % | held-out top-3 % | "
            "full - variant, NW-UCLA top-1 | full - variant, held-out top-1 |", "|---|---:|---:|---:|---:|---:|---:|"]
    rows = []
    for name, s in summary.items():
        cells = [f"{s[k]['mean']:.1f} +- {s[k]['std']:.1f}" for k in
                 ("nwucla.top1", "nwucla.top3", "heldout.top1", "heldout.top3")]
        if full is not None and name != "full":
            cells += [_lead(full[k], s[k]) for k in ("nwucla.top1", "heldout.top1")]
        else:
            cells += ["-", "-"]
        rows.append(f"| {titles.get(name, name)} | " + " | ".join(cells) + " |")
    n = sorted({s["nwucla.top1"]["n"] for s in summary.values()})
    return "\n".join([f"Budget: {budget}. Each row: {'/'.join(map(str, n))} training seeds, mean +- population std; "
                      "the scorer's noise seed equals the training seed. A lead marked * exceeds the larger of "
                      "the two standard deviations (the full model is ahead by more than one std).",
                      "", *head, *rows]) + "\n"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Run the default recipe's ablations on the default "
                                "protocol and write the markdown table.")
    p.add_argument("--base", type=Path, required=True, help="a run of the recipe holding encoder/ and features/")
    p.add_argument("--base-nosynth", type=Path, help="the same on the pool without synth (for the no-synth row)")
    p.add_argument("--base-text-head", type=Path,
                   help="the same with encoder.text_head=definition (for the text-head row)")
    p.add_argument("--corpora", type=Path, required=True, help="folder with pool.npz and nwucla.npz")
    p.add_argument("--corpora-nosynth", type=Path, help="folder with the pool.npz built without synth.npz")
    p.add_argument("--out", type=Path, required=True, help="folder for the runs (one sub-folder per variant/seed)")
    p.add_argument("--iterations", type=int, default=300, help="diffusion steps per run (the reduced budget)")
    p.add_argument("--variants", nargs="+", choices=[v.name for v in VARIANTS], default=[v.name for v in VARIANTS])
    p.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    p.add_argument("--table", type=Path, help="write the markdown table here (atomically)")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="extra settings applied to every run")
    return p


def _main(argv: Sequence[str] | None) -> int:
    from fdsm.atomic import atomic_write

    args = _parser().parse_args(argv)
    if args.iterations < 1:
        raise FdsmError("--iterations must be >= 1")
    results: dict[str, list[dict[str, Any]]] = {}
    cache: dict = {}  # test features per shared encoder
    bases = {"recipe": (args.base, args.corpora), "nosynth": (args.base_nosynth, args.corpora_nosynth),
             "text-head": (args.base_text_head, args.corpora)}
    needs = {"nosynth": "--base-nosynth and --corpora-nosynth", "text-head": "--base-text-head"}
    for variant in (v for v in VARIANTS if v.name in args.variants):
        base, corpora = bases[variant.base]
        if base is None or corpora is None:
            print(f"{PROG}: skipping {variant.name}: give {needs[variant.base]}")
            continue
        results[variant.name] = [
            run_one(variant, seed, base, corpora / f"{POOL_BANK}.npz", args.corpora / f"{TEST_DATASET}.npz",
                    args.out / variant.name / str(seed), args.iterations, args.overrides, cache)
            for seed in args.seeds]
    budget = (f"diffusion stage {args.iterations} steps of the recipe's batch and learning-rate settings "
              f"(fdsm/configs/default_live.toml, extra overrides: {' '.join(args.overrides) or 'none'}), "
              "encoder and features shared per pool")
    text = table(summarize(results), budget)
    print(text)
    if args.table:
        atomic_write(args.table, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.cli import run_cli

    return run_cli(PROG, _main, argv)


if __name__ == "__main__":
    raise SystemExit(main())
