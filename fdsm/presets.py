"""Model hyperparameters in one dataclass, and the named presets (`paper`, `live`, `tiny`).

`paper` is the published denoiser (768 wide, 12 blocks, 12 heads, 35 text tokens, 256-d features);
`live` is the same code sized for real-time CPU scoring; `tiny` keeps tests fast.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from fdsm.errors import FdsmError

TEXT_STREAMS = ("joint", "cached")
# Which part of the system each ModelConfig field configures (the fdsm-train sections of the same names):
# the skeleton encoder's input window and architecture, the one-step scorer and its calibration; the rest
# is the denoiser and its noise schedule ("model").
ENCODER_FIELDS = ("window_frames", "window_seconds", "encoder_channels", "encoder_kernel")
SCORER_FIELDS = ("t_test", "num_noises", "noise_seed", "temperature", "reject_margin", "seen_bias", "error_spread")
MOVED_TO_TRAINING = frozenset({"tasl_low_bands", "tasl_gamma"})  # loss settings: fdsm.training.config diffusion.*
SGSRM_AXES = ("channel",)  # the skeleton stream is one token: SG-SRM filters its channel axis (spectral.SGSRM
# itself can filter a token axis, dim=-2, for models whose skeleton stream is a sequence)


@dataclass(frozen=True)
class ModelConfig:
    """Every number the encoder, denoiser, schedule and scorer need; stored in each checkpoint."""

    feature_dim: int = 256
    width: int = 768
    depth: int = 12
    heads: int = 12
    mlp_ratio: float = 4.0
    text_dim: int = 384
    text_tokens: int = 35
    text_stream: str = "joint"
    sgsrm: bool = True
    sgsrm_alpha: float = 1.0
    sgsrm_cutoff: float = 0.25
    sgsrm_axis: str = "channel"
    gate_hidden: int = 256
    timesteps: int = 50
    beta_start: float = 0.00085
    beta_end: float = 0.012
    t_test: int = 25
    num_noises: int = 3
    noise_seed: int = 2025
    window_frames: int = 32
    window_seconds: float = 2.0
    encoder_channels: tuple[int, ...] = (64, 128, 256)
    encoder_kernel: int = 9
    temperature: float = 1.0
    reject_margin: float = 0.0  # 0 disables rejection
    seen_bias: float = 0.0  # calibrated stacking: trained names' errors raised by this many error_spreads; 0 = off
    error_spread: float = 1.0  # unit of seen_bias: a window's error std across labels, mean on validation (calibrated)

    def __post_init__(self) -> None:
        object.__setattr__(self, "encoder_channels", tuple(int(c) for c in self.encoder_channels))
        problems = []
        if self.width % self.heads:
            problems.append(f"width {self.width} is not divisible by heads {self.heads}")
        if self.text_stream not in TEXT_STREAMS:
            problems.append(f"text_stream must be one of {TEXT_STREAMS}, got {self.text_stream!r}")
        if self.sgsrm_axis not in SGSRM_AXES:
            problems.append(f"sgsrm_axis must be 'channel' (the denoiser's skeleton stream is one token, so SG-SRM "
                            f"filters its channels), got {self.sgsrm_axis!r}")
        if not 0 <= self.t_test < self.timesteps:
            problems.append(f"t_test {self.t_test} must lie in [0, {self.timesteps})")
        if min(self.feature_dim, self.depth, self.num_noises, self.window_frames, self.text_tokens) < 1:
            problems.append("feature_dim, depth, num_noises, window_frames and text_tokens must be >= 1")
        if self.temperature <= 0:
            problems.append(f"temperature must be > 0, got {self.temperature}")
        if self.seen_bias < 0:
            problems.append(f"seen_bias must be >= 0, got {self.seen_bias}")
        if self.error_spread <= 0:
            problems.append(f"error_spread must be > 0, got {self.error_spread}")
        if not self.encoder_channels:
            problems.append("encoder_channels must not be empty")
        if problems:
            raise FdsmError("bad model config: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (tuples become lists)."""
        d = asdict(self)
        d["encoder_channels"] = list(self.encoder_channels)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Inverse of `to_dict`; unknown keys are an error, missing keys take the defaults. The TASL numbers that
        older checkpoints stored here are training settings now (`diffusion.tasl_*`) and are skipped."""
        known = {f.name for f in fields(cls)}
        data = {k: v for k, v in data.items() if k not in MOVED_TO_TRAINING}
        unknown = sorted(set(data) - known)
        if unknown:
            raise FdsmError(f"unknown model config field(s): {', '.join(unknown)}")
        return cls(**data)

    def replace(self, **overrides: Any) -> ModelConfig:
        """A copy with some fields changed (validated like a fresh config)."""
        return ModelConfig.from_dict({**self.to_dict(), **overrides})


PRESETS: dict[str, ModelConfig] = {
    # The published denoiser; text_dim is the text encoder's (1024 for the SD2 CLIP tower, 384 for MiniLM).
    "paper": ModelConfig(),
    # Real-time on a 2-core CPU and trainable there in minutes: narrow and shallow, text stream cached
    # per label (sizes chosen by measurement, see docs/model.md); the default checkpoint is this preset.
    "live": ModelConfig(width=128, depth=3, heads=4, text_stream="cached", encoder_channels=(24, 48, 96),
                        encoder_kernel=5),
    # For tests: seconds to build and train.
    "tiny": ModelConfig(feature_dim=32, width=64, depth=2, heads=4, text_tokens=8, gate_hidden=32,
                        window_frames=16, encoder_channels=(16, 32)),
}


def field_section(name: str) -> str:
    """"encoder", "scorer" or "model": the part a ModelConfig field configures."""
    return "encoder" if name in ENCODER_FIELDS else "scorer" if name in SCORER_FIELDS else "model"


def get_preset(name: str, **overrides: Any) -> ModelConfig:
    """The preset called `name`, with `overrides` applied; an unknown name is a one-line FdsmError."""
    if name not in PRESETS:
        raise FdsmError(f"unknown preset {name!r}; choose from {', '.join(sorted(PRESETS))}")
    return replace(PRESETS[name]) if not overrides else PRESETS[name].replace(**overrides)
