"""Checkpoint folders: `model.safetensors` (prefixes `encoder.` / `denoiser.`) + `config.json`, loaded into
one `Checkpoint` (the bundle every consumer goes through: training writes it, `fdsm-eval`, `fdsm-export` and
the Recognizer read it).

Loading never unpickles (safetensors + JSON only). Anything missing, corrupt or incompatible with this
code, the normalization, the text encoder or the text policy raises CheckpointError with a one-line reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import SafetensorError, safe_open

from fdsm.assets import sha256_file
from fdsm.atomic import atomic_write, atomic_write_bytes
from fdsm.errors import CheckpointError, FdsmError
from fdsm.presets import ModelConfig
from fdsm.ranking import seen_offsets
from fdsm.skeleton import NORMALIZATION_VERSION
from fdsm.text.policy import DEFAULT_POLICY, TextPolicy, policy_from_record, prompt_for
from fdsm.text.prompts import bank_path

if TYPE_CHECKING:
    import torch

    from fdsm.denoiser import Denoiser
    from fdsm.skeleton_encoder import SkeletonEncoder

WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FORMAT_VERSION = 1
PARTS = ("encoder", "denoiser")


@dataclass(frozen=True)
class Calibration:
    """The scoring calibration fitted on validation: softmax temperature, the error spread (unit of the seen-name
    offset) and the seen-name offset itself (`fdsm.ranking.seen_offsets`)."""

    temperature: float
    error_spread: float
    seen_bias: float


class Checkpoint:
    """A loaded checkpoint (the bundle): config, whether the skeleton encoder was trained, the text policy and
    prompt bank it was trained with, its training classes, the metadata of config.json, and its torch modules.

    The modules (`encoder`, `denoiser`, eval mode) are built from the weights file on first use: the ONNX live
    path reads only config.json and the exported graphs, so it never imports torch. Pass modules to build a
    checkpoint in memory (path None).
    """

    def __init__(self, path: Path | None, cfg: ModelConfig, encoder: Any, denoiser: Any, text_encoder: str,
                 text_dim: int, meta: dict[str, Any] | None = None, encoder_trained: bool = True,
                 policy: TextPolicy = DEFAULT_POLICY, bank: str | None = None) -> None:
        if (encoder is None or denoiser is None) and path is None:
            raise CheckpointError("an in-memory checkpoint needs both its encoder and denoiser modules")
        self.path, self.cfg, self.text_encoder, self.text_dim = path, cfg, text_encoder, text_dim
        self.meta = dict(meta or {})
        self.encoder_trained, self.policy, self.bank = encoder_trained, policy, bank
        given = encoder is not None and denoiser is not None
        self._modules = {"encoder": encoder, "denoiser": denoiser} if given else None

    @property
    def encoder(self) -> SkeletonEncoder:
        return self.modules()["encoder"]

    @property
    def denoiser(self) -> Denoiser:
        return self.modules()["denoiser"]

    def modules(self) -> dict[str, Any]:
        """The encoder and denoiser (keys "encoder", "denoiser"), loaded from the weights file the first time
        (this imports torch)."""
        if self._modules is None:
            self._modules = _load_modules(self.path / WEIGHTS, self.cfg)
        return self._modules

    @property
    def calibration(self) -> Calibration:
        return Calibration(self.cfg.temperature, self.cfg.error_spread, self.cfg.seen_bias)

    @property
    def trained_classes(self) -> frozenset[int]:
        """Class indices (into `meta["class_names"]`) the denoiser was trained on; empty when not recorded."""
        return frozenset(int(c) for c in (self.meta.get("training") or {}).get("train_classes") or [])

    @cached_property
    def weights_sha256(self) -> str:
        """sha256 of the weights file's bytes (no torch needed); of the modules' tensors for an in-memory checkpoint."""
        if self.path is not None:
            return sha256_file(self.path / WEIGHTS)
        h = hashlib.sha256()
        for name, module in self.modules().items():
            for key, tensor in sorted(module.state_dict().items()):
                h.update(f"{name}.{key}".encode())
                h.update(tensor.detach().cpu().numpy().tobytes())
        return h.hexdigest()

    @property
    def stamp(self) -> str:
        """sha256 of the weights together with the model config: what an exported graph must have been built from
        (the graph bakes in the noises, t_test, window length and betas as well as the weights)."""
        model = json.dumps(self.cfg.to_dict(), sort_keys=True)
        return hashlib.sha256(f"{self.weights_sha256}\n{model}".encode()).hexdigest()

    def prompt(self, label: str, level: str | None = None) -> str:
        """The text this checkpoint scores for a typed label (`fdsm.text.policy.prompt_for`, its policy and bank)."""
        return prompt_for(label, self.policy, self.bank, level)

    def is_trained(self, label: str) -> bool:
        """Whether the denoiser was trained on the action `label` names (`is_trained_name`)."""
        return is_trained_name(self.meta, label)

    def stack(self, errors: np.ndarray, trained: np.ndarray) -> np.ndarray:
        """Errors (..., K) with the seen-name offset added to the trained labels' columns: what the Recognizer
        and `fdsm-eval`'s mixed-label metric rank by."""
        return np.asarray(errors, np.float32) + seen_offsets(self.cfg, trained)

    def require_trained_encoder(self, use: str) -> None:
        """Refuse `use` (e.g. "the Recognizer") for a checkpoint whose skeleton encoder was never trained."""
        if not self.encoder_trained:
            raise CheckpointError(
                f"{self.path}: the skeleton encoder was never trained (features route, encoder_trained: false), so "
                f"{use} cannot score skeletons with it; train with --corpus to get a usable checkpoint, or evaluate "
                "this one on features (fdsm-eval --features)")


def save_checkpoint(directory: str | Path, cfg: ModelConfig, modules: dict[str, torch.nn.Module],
                    meta: dict[str, Any]) -> Path:
    """Write weights and config.json atomically.

    `modules` maps "encoder"/"denoiser" to modules. `meta` must name "text_encoder" and may give
    "text_dim" (default cfg.text_dim), "bank", "encoder_trained" (default true), "training", "metrics", ...
    The calibration travels in `cfg`; the text policy (meta's "text_policy" record, `TextPolicy.record()`, else
    `typed-name` v1 at meta's "text_level") is checked and recorded with its scored level (also as "text_level").
    """
    directory = Path(directory)
    meta = dict(meta)
    policy = policy_from_record(meta.get("text_policy"), str(meta.get("text_level", "name")))
    meta.update(text_policy=policy.record(), text_level=policy.level,
                encoder_trained=bool(meta.get("encoder_trained", True)))
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
    from safetensors.torch import save_file

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
    _check_weights_file(weights)
    meta = {k: v for k, v in config.items() if k not in ("model", "text_encoder", "text_dim")}
    policy, bank = _text_side(directory, meta)
    return Checkpoint(directory, cfg, None, None, config["text_encoder"], int(config["text_dim"]), meta,
                      bool(meta.get("encoder_trained", True)), policy, bank)


def _check_weights_file(weights: Path) -> None:
    """Refuse a corrupt or truncated safetensors file at load time, reading only its header (no torch)."""
    try:
        with safe_open(weights, framework="numpy") as f:
            f.keys()
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights} is corrupt: {str(exc).splitlines()[0]}") from None


def _load_modules(weights: Path, cfg: ModelConfig) -> dict[str, Any]:
    """The encoder and denoiser of `cfg` with the weights of `weights`, in eval mode."""
    from safetensors.torch import load_file

    from fdsm.denoiser import Denoiser
    from fdsm.skeleton_encoder import SkeletonEncoder

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
    return modules


def _text_side(directory: Path, meta: dict[str, Any]) -> tuple[TextPolicy, str | None]:
    """The recorded text policy and prompt bank, refused when this code cannot reproduce them."""
    try:
        policy = policy_from_record(meta.get("text_policy"), str(meta.get("text_level", "name")))
    except FdsmError as exc:
        raise CheckpointError(f"{directory / CONFIG}: {exc}") from None
    bank = meta.get("bank") or None
    if bank is not None:
        try:
            bank_path(str(bank)).stat()
        except (FdsmError, OSError):
            if policy.level != "name" or policy.official_name:
                raise CheckpointError(f"{directory / CONFIG}: trained with prompt bank {bank!r}, which is not "
                                      "installed here; its texts are needed to score labels") from None
            bank = None  # the name level needs no bank text; trained names are then matched by name only
    return policy, None if bank is None else str(bank)
