"""`fdsm-export`: export a checkpoint's inference path to ONNX, so the live path runs without torch.

`model.onnx`, the scoring graph. Inputs: `window` (B, T, M, 25, 3) normalized skeletons plus, per label,
either the cached text stream (`xmod`, `fmod`, `gate`, `valid`, `kv`; text_stream="cached") or the text
tensors (`pooled`, `tokens`, `mask`; text_stream="joint"). Outputs: `errors` (B, K), lower = better match,
and `features` (B, F), the skeleton encoder's features of the windows (prototype-taught labels use them).

`labels.onnx` (cached models only), the label graph: `pooled`, `tokens`, `mask` -> the cached text stream,
i.e. `Scorer.prepare_labels`. It is a second file rather than a second output of the scoring graph because
the two run at different times on different inputs (once per label set vs. every window) and onnxruntime
needs every input of a graph on every run; their weights do not overlap (text stream vs. skeleton stream),
so the split costs no bytes. Both carry the checkpoint's stamp and the graph contract's version.
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
from fdsm.runtime import (
    CACHED_INPUTS,
    GRAPH_KEY,
    GRAPH_VERSION,
    JOINT_INPUTS,
    LABELS_FILE,
    SCORING_FILE,
    STAMP_KEY,
)
from fdsm.scorer import LabelText, Scorer
from fdsm.skeleton import MAX_BODIES, NUM_JOINTS

__all__ = ["CACHED_INPUTS", "JOINT_INPUTS", "STAMP_KEY", "LabelGraph", "ScoringGraph", "export_bytes",
           "export_checkpoint", "export_label_bytes", "label_arrays", "label_tensors", "main", "scorer_for"]

OPSET = 17
EXAMPLE_BATCH = 2  # windows in the traced example


class ScoringGraph(nn.Module):
    """window + label tensors -> (per-label errors, encoder features); the exact computation the torch backend
    runs."""

    def __init__(self, encoder: nn.Module, scorer: Scorer) -> None:
        super().__init__()
        self.encoder, self.scorer = encoder, scorer
        self.cached = scorer.cfg.text_stream == "cached"

    def forward(self, window: torch.Tensor, *labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        text = TextCache(*labels) if self.cached else tuple(labels)
        features = self.encoder(window)
        return self.scorer.errors(features, text), features


class LabelGraph(nn.Module):
    """pooled, tokens, mask -> the cached text stream's tensors: `Scorer.prepare_labels` as a graph."""

    def __init__(self, scorer: Scorer) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(self, pooled: torch.Tensor, tokens: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.scorer.prepare_labels(pooled, tokens, mask).tensors()


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


CACHED_AXES = {"kv": {2: "labels"}, "xmod": {1: "labels"}}  # the label axis of each cached tensor (else 0)


def example_text(cfg: ModelConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random text tensors of `example_label_count` labels to trace with."""
    k = example_label_count(cfg)
    gen = torch.Generator().manual_seed(0)
    return (torch.randn(k, cfg.text_dim, generator=gen), torch.randn(k, cfg.text_tokens, cfg.text_dim, generator=gen),
            torch.ones(k, cfg.text_tokens, dtype=torch.bool))


def _serialize(module: nn.Module, args: tuple[torch.Tensor, ...], inputs: Sequence[str], outputs: Sequence[str],
               axes: dict[str, dict[int, str]], stamp: str) -> bytes:
    """One traced graph (legacy TorchScript exporter, opset 17) with the stamp and graph version in its metadata."""
    import onnx  # torch.onnx.export needs it too; in the `dev` extra

    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), args, buf, input_names=list(inputs), output_names=list(outputs),
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    model = onnx.load_from_string(buf.getvalue())
    onnx.helper.set_model_props(model, {STAMP_KEY: stamp, GRAPH_KEY: GRAPH_VERSION})
    return model.SerializeToString()


def export_bytes(ckpt: Checkpoint) -> bytes:
    """Serialized scoring graph (model.onnx), stamped with `Checkpoint.stamp` so a graph built from other weights
    or another model config is never used."""
    ckpt.require_trained_encoder("an exported scoring graph")
    cfg = ckpt.cfg
    scorer = scorer_for(ckpt)
    graph = ScoringGraph(ckpt.encoder.eval(), scorer)
    labels = scorer.prepare_labels(*example_text(cfg))
    names = CACHED_INPUTS if graph.cached else JOINT_INPUTS
    window = torch.zeros(EXAMPLE_BATCH, cfg.window_frames, MAX_BODIES, NUM_JOINTS, 3)
    axes = {"window": {0: "batch"}, "errors": {0: "batch", 1: "labels"}, "features": {0: "batch"},
            **{n: (CACHED_AXES if graph.cached else {}).get(n, {0: "labels"}) for n in names}}
    return _serialize(graph, (window, *label_tensors(labels)), ["window", *names], ["errors", "features"], axes,
                      ckpt.stamp)


def export_label_bytes(ckpt: Checkpoint) -> bytes | None:
    """Serialized label graph (labels.onnx) of a cached-text-stream checkpoint; None for a joint one, whose
    scoring graph takes the text tensors themselves."""
    cfg = ckpt.cfg
    if cfg.text_stream != "cached":
        return None
    axes = {n: {0: "labels"} for n in JOINT_INPUTS} | {n: CACHED_AXES.get(n, {0: "labels"}) for n in CACHED_INPUTS}
    return _serialize(LabelGraph(scorer_for(ckpt)), example_text(cfg), JOINT_INPUTS, CACHED_INPUTS, axes, ckpt.stamp)


def export_checkpoint(directory: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write `<directory>/model.onnx` (or the file `out`) and, for a cached model, labels.onnx beside it,
    atomically; returns the paths written."""
    ckpt = load_checkpoint(directory)
    target = Path(out) if out is not None else Path(directory) / SCORING_FILE
    written = [atomic_write_bytes(target, export_bytes(ckpt))]
    label_graph = export_label_bytes(ckpt)
    if label_graph is not None:
        written.append(atomic_write_bytes(target.parent / LABELS_FILE, label_graph))
    return written


def _main(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="fdsm-export", description="Export a checkpoint's inference path to ONNX.")
    parser.add_argument("checkpoint", help="checkpoint folder (model.safetensors + config.json)")
    parser.add_argument("--out", help=f"scoring graph file (default: CHECKPOINT/{SCORING_FILE}); {LABELS_FILE} "
                        "goes beside it")
    args = parser.parse_args(argv)
    for path in export_checkpoint(args.checkpoint, args.out):
        print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("fdsm-export", _main, argv)
