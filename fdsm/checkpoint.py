"""Checkpoint folders: `model.safetensors` (prefixes `encoder.` / `denoiser.`) + `config.json`.

Loading never unpickles (safetensors + JSON only). Anything missing, corrupt or incompatible with this
code, the normalization or the text encoder raises CheckpointError with a one-line reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from fdsm.atomic import atomic_write, atomic_write_bytes
from fdsm.denoiser import Denoiser
from fdsm.errors import CheckpointError, FdsmError
from fdsm.presets import ModelConfig
from fdsm.skeleton import NORMALIZATION_VERSION
from fdsm.skeleton_encoder import SkeletonEncoder

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FORMAT_VERSION = 1
PARTS = ("encoder", "denoiser")


@dataclass
class Checkpoint:
    """A loaded checkpoint: config, modules in eval mode, and the metadata from config.json."""

    path: Path
    cfg: ModelConfig
    encoder: SkeletonEncoder
    denoiser: Denoiser
    text_encoder: str
    text_dim: int
    meta: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(directory: str | Path, cfg: ModelConfig, modules: dict[str, torch.nn.Module],
                    meta: dict[str, Any]) -> Path:
    """Write weights and config.json atomically.

    `modules` maps "encoder"/"denoiser" to modules. `meta` must name "text_encoder" and may give
    "text_dim" (default cfg.text_dim), "training_data", "metrics", ... The temperature travels in `cfg`.
    """
    directory = Path(directory)
    meta = dict(meta)
    if "text_encoder" not in meta:
        raise ValueError("meta must name the text encoder ('text_encoder')")
    text_encoder = str(meta.pop("text_encoder"))
    text_dim = int(meta.pop("text_dim", cfg.text_dim))
    if text_dim != cfg.text_dim:
        raise CheckpointError(f"text_dim {text_dim} of {text_encoder!r} differs from the model's {cfg.text_dim}")
    unknown = sorted(set(modules) - set(PARTS))
    if unknown:
        raise ValueError(f"unknown checkpoint part(s) {unknown}; expected {PARTS}")
    tensors = {f"{name}.{k}": v.detach().cpu().contiguous() for name, mod in modules.items()
               for k, v in mod.state_dict().items()}
    config = {"format_version": FORMAT_VERSION, "model": cfg.to_dict(), "text_encoder": text_encoder,
              "text_dim": int(text_dim), "normalization_version": NORMALIZATION_VERSION, **meta}
    atomic_write(directory / WEIGHTS, lambda tmp: save_file(tensors, tmp, metadata={"format": "pt"}))
    atomic_write_bytes(directory / CONFIG, (json.dumps(config, indent=2, sort_keys=True) + "\n").encode())
    return directory


def read_config(directory: str | Path) -> dict[str, Any]:
    """config.json as a dict, checked for the fields every checkpoint must carry."""
    path = Path(directory) / CONFIG
    if not Path(directory).is_dir():
        raise CheckpointError(f"checkpoint folder {directory} does not exist")
    if not path.is_file():
        raise CheckpointError(f"{path} is missing")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(config, dict):
        raise CheckpointError(f"{path} must hold a JSON object")
    missing = [k for k in ("model", "text_encoder", "text_dim", "normalization_version") if k not in config]
    if missing:
        raise CheckpointError(f"{path} lacks {', '.join(missing)}")
    if config.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        raise CheckpointError(f"{path} has format_version {config['format_version']}, this code reads {FORMAT_VERSION}")
    if config["normalization_version"] != NORMALIZATION_VERSION:
        raise CheckpointError(f"{path} was trained with skeleton normalization v{config['normalization_version']}, "
                              f"this code uses v{NORMALIZATION_VERSION}; retrain or use a matching release")
    return config


def is_trained_name(meta: dict[str, Any], typed: str) -> bool:
    """Whether the denoiser was trained on the action `typed` names: the name or a synonym of one of its training
    classes, matched as forgivingly as `fdsm.text.match_label` (case, plurals, -ing forms, small typos) in the
    checkpoint's bank, or the exact name when that bank is not installed. False when the checkpoint does not say."""
    from fdsm.text import match_label
    from fdsm.text.prompts import normalize_name

    names, ids = meta.get("class_names") or [], set((meta.get("training") or {}).get("train_classes") or [])
    if not ids:
        return False
    try:
        match = match_label(typed, [str(meta["bank"])]) if meta.get("bank") else None
    except FdsmError:  # a bank this install lacks
        match = None
    if match is not None:
        return match.index in ids
    return any(0 <= i < len(names) and normalize_name(names[i]) == normalize_name(typed) for i in ids)


def load_checkpoint(directory: str | Path, text_encoder: str | None = None, text_dim: int | None = None) -> Checkpoint:
    """Load a checkpoint; if `text_encoder`/`text_dim` are given they must match what it was trained with."""
    directory = Path(directory)
    config = read_config(directory)
    try:
        cfg = ModelConfig.from_dict(config["model"])
    except (FdsmError, TypeError) as exc:
        raise CheckpointError(f"{directory / CONFIG}: bad model config: {exc}") from None
    if text_encoder is not None and text_encoder != config["text_encoder"]:
        raise CheckpointError(f"{directory} was trained with text encoder {config['text_encoder']!r}, "
                              f"not {text_encoder!r}")
    if text_dim is not None and text_dim != config["text_dim"]:
        raise CheckpointError(f"{directory} expects {config['text_dim']}-d text embeddings, got {text_dim}-d")
    weights = directory / WEIGHTS
    if not weights.is_file():
        raise CheckpointError(f"{weights} is missing")
    try:
        tensors = load_file(weights)
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights} is corrupt: {str(exc).splitlines()[0]}") from None
    modules = {"encoder": SkeletonEncoder(cfg), "denoiser": Denoiser(cfg)}
    for name, module in modules.items():
        part = {k[len(name) + 1:]: v for k, v in tensors.items() if k.startswith(name + ".")}
        try:
            module.load_state_dict(part, strict=True)
        except RuntimeError as exc:
            reason = " ".join(str(exc).split())[:300]
            raise CheckpointError(f"{weights}: {name} weights do not fit the config: {reason}") from None
        module.eval()
    meta = {k: v for k, v in config.items() if k not in ("model", "text_encoder", "text_dim")}
    return Checkpoint(directory, cfg, modules["encoder"], modules["denoiser"], config["text_encoder"],
                      int(config["text_dim"]), meta)
