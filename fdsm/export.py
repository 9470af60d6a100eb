"""`fdsm-export`: export a checkpoint's scoring path (skeleton encoder + one-step scorer) to ONNX.

Graph inputs: `window` (B, T, M, 25, 3) normalized skeletons plus, per label, either the cached text
stream (`xmod`, `fmod`, `gate`, `valid`, `kv`; text_stream="cached") or the text tensors (`pooled`, `tokens`,
`mask`; text_stream="joint"). Output: `errors` (B, K), lower = better match.
"""

from __future__ import annotations

import argparse
import io
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from fdsm.atomic import atomic_write_bytes
from fdsm.checkpoint import Checkpoint, load_checkpoint
from fdsm.cli import run_cli
from fdsm.denoiser import TextCache
from fdsm.diffusion import NoiseSchedule
from fdsm.presets import ModelConfig
from fdsm.scorer import LabelText, Scorer
from fdsm.skeleton import MAX_BODIES, NUM_JOINTS

OPSET = 17
STAMP_KEY = "fdsm.stamp"  # ONNX metadata: the Checkpoint.stamp (weights + model config) the graph was built from
CACHED_INPUTS = ("xmod", "fmod", "gate", "valid", "kv")
JOINT_INPUTS = ("pooled", "tokens", "mask")
EXAMPLE_BATCH = 2  # windows in the traced example


class ScoringGraph(nn.Module):
    """window + label tensors -> per-label errors; the exact computation the torch backend runs."""

    def __init__(self, encoder: nn.Module, scorer: Scorer) -> None:
        super().__init__()
        self.encoder, self.scorer = encoder, scorer
        self.cached = scorer.cfg.text_stream == "cached"

    def forward(self, window: torch.Tensor, *labels: torch.Tensor) -> torch.Tensor:
        text = TextCache(*labels) if self.cached else tuple(labels)
        return self.scorer.errors(self.encoder(window), text)


def scorer_for(ckpt: Checkpoint) -> Scorer:
    """The scorer of a loaded checkpoint (eval mode)."""
    cfg = ckpt.cfg
    return Scorer(ckpt.denoiser, NoiseSchedule(cfg.timesteps, cfg.beta_start, cfg.beta_end), cfg).eval()


def label_tensors(labels: TextCache | LabelText) -> tuple[torch.Tensor, ...]:
    """Per-label tensors in the graph's input order."""
    return labels.tensors() if isinstance(labels, TextCache) else tuple(labels)


def label_arrays(labels: TextCache | LabelText) -> dict[str, np.ndarray]:
    """Per-label tensors as the graph's named numpy inputs."""
    names = CACHED_INPUTS if isinstance(labels, TextCache) else JOINT_INPUTS
    return {n: v.detach().cpu().numpy() for n, v in zip(names, label_tensors(labels), strict=True)}


def example_label_count(cfg: ModelConfig) -> int:
    """How many labels to trace the graph with: > 2 (the example batch) and unlike every fixed size of the
    config (noises, text tokens, ...), so the tracer keeps the label axes symbolic."""
    fixed = {EXAMPLE_BATCH, cfg.num_noises, cfg.text_tokens, cfg.text_dim, cfg.feature_dim, cfg.width,
             cfg.window_frames, MAX_BODIES, NUM_JOINTS, 3}
    return next(k for k in range(3, 3 + len(fixed) + 1) if k not in fixed)


def export_bytes(ckpt: Checkpoint) -> bytes:
    """Serialized ONNX graph of the checkpoint's scoring path (legacy TorchScript exporter, opset 17),
    stamped with `Checkpoint.stamp` so a graph built from other weights or another model config is never used."""
    import onnx  # torch.onnx.export needs it too; in the `dev` extra

    ckpt.require_trained_encoder("an exported scoring graph")
    cfg = ckpt.cfg
    scorer = scorer_for(ckpt)
    graph = ScoringGraph(ckpt.encoder.eval(), scorer).eval()
    k = example_label_count(cfg)
    gen = torch.Generator().manual_seed(0)
    pooled = torch.randn(k, cfg.text_dim, generator=gen)
    tokens = torch.randn(k, cfg.text_tokens, cfg.text_dim, generator=gen)
    labels = scorer.prepare_labels(pooled, tokens, torch.ones(k, cfg.text_tokens, dtype=torch.bool))
    names = CACHED_INPUTS if graph.cached else JOINT_INPUTS
    window = torch.zeros(EXAMPLE_BATCH, cfg.window_frames, MAX_BODIES, NUM_JOINTS, 3)
    label_axes = {"kv": {2: "labels"}, "xmod": {1: "labels"}} if graph.cached else {}
    axes = {"window": {0: "batch"}, "errors": {0: "batch", 1: "labels"},
            **{n: label_axes.get(n, {0: "labels"}) for n in names}}
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(graph, (window, *label_tensors(labels)), buf, input_names=["window", *names],
                          output_names=["errors"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    if ckpt.path is None:  # built in memory (benchmarks): no weights file to stamp
        return buf.getvalue()
    model = onnx.load_from_string(buf.getvalue())
    onnx.helper.set_model_props(model, {STAMP_KEY: ckpt.stamp})
    return model.SerializeToString()


def export_checkpoint(directory: str | Path, out: str | Path | None = None) -> Path:
    """Write `<directory>/model.onnx` (or `out`) atomically; returns the path written."""
    ckpt = load_checkpoint(directory)
    target = Path(out) if out is not None else Path(directory) / "model.onnx"
    atomic_write_bytes(target, export_bytes(ckpt))
    return target


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="fdsm-export", description="Export a checkpoint's scoring path to ONNX.")
    parser.add_argument("checkpoint", help="checkpoint folder (model.safetensors + config.json)")
    parser.add_argument("--out", help="output file (default: CHECKPOINT/model.onnx)")
    args = parser.parse_args(argv)
    path = export_checkpoint(args.checkpoint, args.out)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-export", _main, argv)
