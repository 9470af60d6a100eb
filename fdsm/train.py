"""`fdsm-train`: pre-train the skeleton encoder, extract features, train the FDSM denoiser.

Stages run separately or together (`--stage all`): from a corpus (encoder -> features -> diffusion)
or, for the paper's protocol, from a Shift-GCN feature folder (diffusion only). Settings come from
the defaults, a TOML file (`--config`, see fdsm/configs/), the flags, then `key=value` overrides.
Runs under `torchrun` unchanged (DistributedDataParallel when WORLD_SIZE > 1).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fdsm.cli import run_cli
from fdsm.errors import FdsmError

PROG = "fdsm-train"
STAGES = ("encoder", "features", "diffusion", "all")


def build_parser() -> argparse.ArgumentParser:
    from fdsm.training.config import describe_defaults

    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train the FDSM skeleton encoder and denoiser (zero-shot skeleton action recognition).",
        epilog="settings (override with key=value or section.key=value):\n" + describe_defaults())
    parser.add_argument("--config", help="TOML config file (fdsm/configs/*.toml)")
    parser.add_argument("--preset", help="model preset (paper, live, tiny); same as run.preset=NAME")
    parser.add_argument("--stage", choices=STAGES, default="all", help="which stage(s) to run (default: all)")
    parser.add_argument("--corpus", nargs="+", help="corpus .npz file(s) from fdsm-prepare")
    parser.add_argument("--features", help="feature folder (train.npy, train_label.npy, ztest.npy, z_label.npy)")
    parser.add_argument("--split", help="zero-shot split, e.g. ntu60-55-5")
    parser.add_argument("--out", help="output folder (default runs/fdsm)")
    parser.add_argument("--resume", action="store_true", help="continue from the checkpoints in --out")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="setting overrides, e.g. diffusion.lr=3e-4")
    return parser


def resolve_config(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Defaults <- TOML <- flags <- key=value overrides."""
    from fdsm.presets import ModelConfig
    from fdsm.training.config import apply_overrides, apply_toml, default_config, set_value

    fields = ModelConfig().to_dict()
    cfg = default_config()
    if args.config:
        apply_toml(cfg, args.config, fields)
    flags = {("run", "preset"): args.preset, ("run", "split"): args.split, ("run", "out"): args.out,
             ("data", "features"): args.features, ("data", "corpus"): args.corpus}
    for (section, key), value in flags.items():
        if value is not None:
            set_value(cfg, section, key, value, f"--{key}", fields)
    apply_overrides(cfg, list(args.overrides), fields)
    return cfg


def plan(stage: str, cfg: dict[str, dict[str, Any]]) -> list[str]:
    """The stages to run, checked against the inputs given."""
    corpus, features = cfg["data"]["corpus"], cfg["data"]["features"]
    if corpus and features:
        raise FdsmError("give either a corpus (--corpus) or a feature folder (--features), not both")
    if stage == "all":
        if features:
            return ["diffusion"]
        if not corpus:
            raise FdsmError("nothing to train on: give --corpus FILE or --features DIR (or data.* in --config)")
        return ["encoder", "features", "diffusion"]
    if stage in ("encoder", "features") and not corpus:
        raise FdsmError(f"--stage {stage} needs a corpus (--corpus FILE)")
    return [stage]


def run_training(argv: Sequence[str] | None) -> int:
    """fdsm-train without the error wrapper (fdsm.default_model.protocol reuses it after its own checks)."""
    args = build_parser().parse_intermixed_args(argv)
    cfg = resolve_config(args)
    stages = plan(args.stage, cfg)
    if not cfg["run"]["split"]:
        raise FdsmError("no split given: pass --split NAME (e.g. ntu60-55-5) or run.split in --config")

    from fdsm.atomic import atomic_write
    from fdsm.splits import DATASETS, get_split
    from fdsm.training.loop import setup_distributed
    from fdsm.training.pipeline import Run

    split = get_split(cfg["run"]["split"])
    out = Path(cfg["run"]["out"])
    dist = setup_distributed(cfg["run"]["device"])
    run = Run(cfg, split, out, args.resume, dist, default_bank=DATASETS[split.dataset][1])
    if dist.is_main:
        atomic_write(out / "train_config.json",
                     lambda tmp: tmp.write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8"))
    for stage in stages:
        getattr(run, stage)()
    if dist.is_main and "diffusion" in stages:
        print(f"{PROG}: checkpoint written to {out / 'checkpoint'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli(PROG, run_training, argv)


if __name__ == "__main__":  # torchrun --nproc_per_node=N -m fdsm.train ...
    raise SystemExit(main())
