"""Training configuration: one defaults dict per section, TOML files on top, `key=value` overrides last.

Sections, each setting in exactly one: `run` (what and where), `data` (inputs and held-out parts),
`model` (the denoiser and its schedule: overrides of the `ModelConfig` preset), `encoder` (the skeleton
encoder: its window and architecture, overrides of the preset, and its pre-training stage), `features`,
`diffusion` (the denoiser's training stage and its text curriculum), `loss` (the objective's terms) and
`scorer` (one-step scoring and its calibration, overrides of the preset). The defaults of the
`diffusion` section are the paper's hyperparameters (AdamW 1e-4, weight decay 0.01, cosine schedule
with 100 warm-up steps, 50k iterations, batch 256), so `fdsm-train --preset paper` is the paper recipe.
A value's type is the type of its default, so a typo or a bad value fails before any work starts. Files
written before the `loss` and `scorer` sections existed still load: a scorer or encoder field under
`[model]` and a loss setting under `[diffusion]` are read into their sections.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

from fdsm.errors import FdsmError
from fdsm.presets import field_section
from fdsm.text.prompts import LEVELS

DEFAULTS: dict[str, dict[str, Any]] = {
    "run": {
        "preset": "paper",  # fdsm.presets name; the `model`, `encoder` and `scorer` sections override its fields
        "split": "",  # fdsm.splits name, e.g. "ntu60-55-5"
        "seed": 2025,  # the reference code's seed
        "out": "runs/fdsm",
        "device": "auto",  # auto | cpu | cuda
    },
    "data": {
        "features": "",  # Shift-GCN style feature folder (train.npy, train_label.npy, ztest.npy, z_label.npy)
        "corpus": [],  # corpus .npz files (fdsm-prepare); the encoder and features stages read these
        "bank": "",  # prompt bank name or .json path; "" = the corpus's bank, else the split dataset's
        # seen classes held out of the denoiser for model selection; 0 = train on every seen class (the paper)
        "val_classes": 0,
        # or the validation classes by name (the bank's names): a written list instead of the seeded draw, so
        # the classes a user is likely to type are trained on; when given, val_classes must be 0 or its length
        "val_names": [],
        "seen_test_fraction": 0.1,  # corpus route: share of seen-class sequences kept for GZSL testing
    },
    "encoder": {  # + overrides of the preset's encoder fields (window_frames, window_seconds, encoder_channels, ...)
        "iterations": 3000,
        "batch_size": 64,
        "lr": 1e-3,
        "weight_decay": 0.01,
        "warmup": 100,
        "checkpoint_every": 500,
        "augment": True,  # fdsm.augment on training windows (when that module is installed)
        "camera_noise": False,  # the augmentation trains as the camera sees (fdsm.augment.camera_noise)
        "label_smoothing": 0.1,
        # "" = a free linear classification head; a text level ("name", "definition", "kinematics") = class
        # weights fixed to the class texts' embeddings at that level (a CLIP-style head, fdsm.skeleton_encoder)
        "text_head": "",
        # True: the validation classes are among the encoder's classes (the denoiser alone is validated
        # zero-shot). False: held out of the encoder too, so validation is zero-shot for the whole model.
        "train_on_val": True,
    },
    "features": {
        "windows": 4,  # windows (each with its own augmentation) per training sequence
        "batch_size": 128,
    },
    "diffusion": {
        "iterations": 50000,
        "batch_size": 256,
        "lr": 1e-4,
        "weight_decay": 0.01,
        "warmup": 100,
        "checkpoint_every": 1000,
        "eval_every": 1000,  # zero-shot accuracy on the held-out seen (validation) classes
        "text_encoder": "minilm",  # fdsm.text.get_text_encoder name
        "rich": "definition",  # text level used early in the curriculum
        "sparse": "kinematics",  # text level used late in training and at test time
        "curriculum": True,  # False: always the sparse level
        # level a typed label is scored at (validation, calibration and the checkpoint's text policy); "" = the
        # sparse level. A richer level scores a label that matches a bank class by that class's text, and an
        # unmatched label by its name (fdsm.text.policy.prompt_for)
        "test_level": "",
        "synonyms": 0.0,  # probability that a name-level sample is one of the class's synonyms instead
        # probability that a rich-level sample of a sequence with its own texts (the corpus's per-sequence
        # levels, e.g. Bandai's content x style sentences) uses the sequence's text instead of its class's
        "sequence_texts": 0.0,
        # probability that a rich-level sample uses its own window's kinematic caption (fdsm.captions)
        "captions": 0.0,
        "select": "best",  # which weights the final checkpoint holds: best (on validation) | last
        "ema": 0.0,  # > 0: validate, select and ship a moving average of the denoiser weights (this decay)
    },
    "loss": {
        "tasl": True,  # the timestep-adaptive spectral loss on the implied clean feature
        "tasl_low_bands": 5,  # TASL: the lowest DCT bands of the feature, always weighted 1 (the paper's M)
        "tasl_gamma": 1.0,  # TASL: the high bands' weight at t = 0, decaying linearly to 0 at t = T
        "triplet": False,  # the released FDSM code trains without it
    },
    "model": {},  # overrides of the preset's denoiser fields (width, depth, text_stream, sgsrm, ...)
    "scorer": {},  # overrides of the preset's scorer fields (t_test, num_noises, seen_bias, reject_margin, ...)
}

SECTIONS = tuple(DEFAULTS)
PRESET_SECTIONS = ("model", "encoder", "scorer")  # sections that (also) hold overrides of ModelConfig fields
_CHOICES = {
    ("run", "device"): ("auto", "cpu", "cuda"),
    ("encoder", "text_head"): ("", *LEVELS),
    ("diffusion", "rich"): LEVELS,
    ("diffusion", "sparse"): LEVELS,
    ("diffusion", "test_level"): ("", *LEVELS),
    ("diffusion", "select"): ("best", "last"),
}


def scored_level(diffusion: dict[str, Any]) -> str:
    """The level typed labels are scored at: `diffusion.test_level`, else the curriculum's sparse level."""
    return diffusion.get("test_level") or diffusion["sparse"]


def default_config() -> dict[str, dict[str, Any]]:
    """A fresh, deep copy of the defaults."""
    return copy.deepcopy(DEFAULTS)


def _coerce(where: str, text: str, like: Any) -> Any:
    """Parse a command-line string as the type of `like` (its default value)."""
    try:
        if isinstance(like, bool):
            low = text.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true or false")
        if isinstance(like, int):
            return int(text)
        if isinstance(like, float):
            return float(text)
        if isinstance(like, list):
            kind = type(like[0]) if like else str
            return [kind(p.strip()) for p in text.split(",") if p.strip()]
        if like is None:
            return json.loads(text)
    except (ValueError, json.JSONDecodeError) as exc:
        raise FdsmError(f"{where}: cannot read {text!r} as {type(like).__name__} ({exc})") from exc
    return text


def _check_value(where: str, value: Any, like: Any, choices: tuple[str, ...] | None) -> Any:
    """Type-check a value from a TOML file (ints are accepted where floats are expected)."""
    if isinstance(like, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if like is not None and type(value) is not type(like):
        raise FdsmError(f"{where}: expected {type(like).__name__}, got {type(value).__name__} {value!r}")
    if choices is not None and value not in choices:
        raise FdsmError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return value


def _is_override(section: str, key: str, model_fields: dict[str, Any] | None) -> bool:
    """Whether `section.key` overrides a ModelConfig field of the preset (rather than a stage setting)."""
    return section in PRESET_SECTIONS and key not in DEFAULTS[section] and bool(model_fields) and key in model_fields


def _home(section: str, key: str, model_fields: dict[str, Any] | None) -> str:
    """The section a setting lives in, for files written before `loss` and `scorer` existed."""
    if section == "model" and model_fields and key in model_fields:
        return field_section(key)
    if section == "diffusion" and key in DEFAULTS["loss"]:
        return "loss"
    return section


def set_value(cfg: dict[str, dict[str, Any]], section: str, key: str, value: Any, where: str,
              model_fields: dict[str, Any] | None = None) -> None:
    """Set `section.key` after checking that the key exists and the value has the default's type."""
    if section not in cfg:
        raise FdsmError(f"{where}: unknown section {section!r} (sections: {', '.join(SECTIONS)})")
    section = _home(section, key, model_fields)
    if section in PRESET_SECTIONS and key not in DEFAULTS[section]:
        if not _is_override(section, key, model_fields) or field_section(key) != section:
            known = ", ".join(sorted(k for k in model_fields or {} if field_section(k) == section))
            raise FdsmError(f"{where}: unknown {section} setting {key!r} (known: {known})")
        like = model_fields[key]
    elif key not in cfg[section]:
        raise FdsmError(f"{where}: unknown setting {section}.{key} (known: {', '.join(cfg[section])})")
    else:
        like = DEFAULTS[section][key]
    if isinstance(value, str) and not isinstance(like, str):
        value = _coerce(where, value, like)
    cfg[section][key] = _check_value(where, value, like, _CHOICES.get((section, key)))


def _resolve_key(cfg: dict[str, dict[str, Any]], dotted: str, where: str,
                 model_fields: dict[str, Any] | None) -> tuple[str, str]:
    """`section.key`, or a bare `key` that exactly one section has."""
    if "." in dotted:
        section, key = dotted.split(".", 1)
        return section, key
    owners = [s for s in SECTIONS if dotted in DEFAULTS[s]]
    if model_fields and dotted in model_fields:
        owners.append(field_section(dotted))
    if len(owners) == 1:
        return owners[0], dotted
    if not owners:
        raise FdsmError(f"{where}: unknown setting {dotted!r} (see fdsm-train --help for the list)")
    raise FdsmError(f"{where}: {dotted!r} is ambiguous; write one of {', '.join(f'{s}.{dotted}' for s in owners)}")


def apply_toml(cfg: dict[str, dict[str, Any]], path: str | Path, model_fields: dict[str, Any] | None = None) -> None:
    """Merge a TOML config file (sections as in DEFAULTS) into `cfg`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such config file: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FdsmError(f"{path}: not a valid TOML file ({exc})") from exc
    apply_dict(cfg, data, str(path), model_fields)


def apply_dict(cfg: dict[str, dict[str, Any]], data: dict[str, Any], where: str,
               model_fields: dict[str, Any] | None = None) -> None:
    """Merge sections given as a dict (a parsed TOML file, or a config recorded in a checkpoint) into `cfg`."""
    for section, table in data.items():
        if not isinstance(table, dict):
            raise FdsmError(f"{where}: top-level key {section!r} must be a [section] table")
        for key, value in table.items():
            set_value(cfg, section, key, value, f"{where}: [{section}] {key}", model_fields)


def apply_overrides(cfg: dict[str, dict[str, Any]], overrides: list[str],
                    model_fields: dict[str, Any] | None = None) -> None:
    """Apply command-line `key=value` / `section.key=value` overrides, in order."""
    for item in overrides:
        if "=" not in item:
            raise FdsmError(f"override {item!r} must look like key=value (for example diffusion.lr=3e-4)")
        dotted, value = item.split("=", 1)
        section, key = _resolve_key(cfg, dotted.strip(), f"override {item!r}", model_fields)
        set_value(cfg, section, key, value.strip(), f"override {item!r}", model_fields)


def describe_defaults() -> str:
    """The defaults as `section.key = value` lines, for --help."""
    lines = []
    for section, table in DEFAULTS.items():
        for key, value in table.items():
            lines.append(f"  {section}.{key} = {json.dumps(value)}")
    for section, example in (("model", "depth=4"), ("encoder", "window_frames=48"), ("scorer", "t_test=20")):
        lines.append(f"  {section}.<field> = <{section} field of the preset, e.g. {section}.{example}>")
    return "\n".join(lines)


def preset_overrides(cfg: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ModelConfig fields the config sets, gathered from the `model`, `encoder` and `scorer` sections."""
    return {k: v for section in PRESET_SECTIONS for k, v in cfg[section].items() if k not in DEFAULTS[section]}
