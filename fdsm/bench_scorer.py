"""`fdsm-bench scorer`: parameters, FLOPs and latency of scoring one window, paper vs live preset, same run.

Latency covers what the live app pays per window once the labels are set: normalized window ->
skeleton encoder -> one batched scorer pass -> per-label errors (text encoding and the cached text
stream are per label set, not per window, and are reported separately as `set_labels_ms`).
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from fdsm.checkpoint import Checkpoint
from fdsm.denoiser import Denoiser
from fdsm.export import export_bytes, label_arrays, scorer_for
from fdsm.presets import get_preset
from fdsm.skeleton import MAX_BODIES, NUM_JOINTS
from fdsm.skeleton_encoder import SkeletonEncoder

VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "paper": ("paper", {}),
    "live": ("live", {}),
    "live-joint": ("live", {"text_stream": "joint"}),  # what caching the text stream saves
}


def percentiles(fn: Callable[[], Any], repeats: int) -> dict[str, float]:
    """p50/p95 wall time of fn() in milliseconds (after one or two warm-up calls)."""
    for _ in range(1 if repeats < 5 else 2):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return {"p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)), "repeats": repeats}


def count_flops(fn: Callable[[], Any]) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def cuda_runner(ckpt: Checkpoint, window: torch.Tensor) -> Callable[[tuple[torch.Tensor, ...]], Callable[[], Any]]:
    """Given label text tensors, a timed closure that scores `window` on the GPU (synchronized)."""
    encoder, denoiser = copy.deepcopy(ckpt.encoder).cuda(), copy.deepcopy(ckpt.denoiser).cuda()
    scorer = scorer_for(Checkpoint(ckpt.path, ckpt.cfg, encoder, denoiser, ckpt.text_encoder, ckpt.text_dim)).cuda()
    window = window.cuda()

    def make(text: tuple[torch.Tensor, ...]) -> Callable[[], Any]:
        labels = scorer.prepare_labels(*(t.cuda() for t in text))

        def run() -> None:
            scorer.errors(encoder(window), labels)
            torch.cuda.synchronize()
        return run
    return make


def bench_variant(name: str, label_counts: list[int], repeats: int, onnx: bool,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    preset, variant_overrides = VARIANTS[name]
    overrides = {**variant_overrides, **(overrides if preset == "live" else {})}
    cfg = get_preset(preset, **overrides)
    ckpt = Checkpoint(path=None, cfg=cfg, encoder=SkeletonEncoder(cfg).eval(), denoiser=Denoiser(cfg).eval(),
                      text_encoder="random", text_dim=cfg.text_dim)
    scorer = scorer_for(ckpt)
    n_params = {"encoder": sum(p.numel() for p in ckpt.encoder.parameters()),
                "denoiser": sum(p.numel() for p in ckpt.denoiser.parameters())}
    window = torch.randn(1, cfg.window_frames, MAX_BODIES, NUM_JOINTS, 3)
    gen = torch.Generator().manual_seed(0)
    session = None
    if onnx:
        from fdsm.runtime import OnnxSession

        session = OnnxSession(export_bytes(ckpt), threads=torch.get_num_threads())
    on_cuda = cuda_runner(ckpt, window) if torch.cuda.is_available() else None
    out: dict[str, Any] = {"preset": preset, "overrides": overrides, "width": cfg.width, "depth": cfg.depth,
                           "text_stream": cfg.text_stream, "params": n_params, "labels": {}}
    with torch.no_grad():
        feats = ckpt.encoder(window)
        out["encoder_gflops_per_window"] = count_flops(lambda: ckpt.encoder(window)) / 1e9
        for k in label_counts:
            text = (torch.randn(k, cfg.text_dim, generator=gen), torch.randn(k, cfg.text_tokens, cfg.text_dim,
                    generator=gen), torch.ones(k, cfg.text_tokens, dtype=torch.bool))
            start = time.perf_counter()
            labels = scorer.prepare_labels(*text)
            row: dict[str, Any] = {"set_labels_ms": (time.perf_counter() - start) * 1e3,
                                   "gflops_per_label": count_flops(lambda: scorer.errors(feats, labels)) / 1e9 / k,  # noqa: B023
                                   "torch_cpu": percentiles(lambda: scorer.errors(ckpt.encoder(window), labels),  # noqa: B023
                                                            repeats)}
            if session is not None:
                inputs = {"window": window.numpy(), **label_arrays(labels)}
                row["onnxruntime"] = {**percentiles(lambda: session.run(inputs), repeats),  # noqa: B023
                                      "providers": session.providers}
            if on_cuda is not None:
                row["torch_cuda"] = percentiles(on_cuda(text), max(repeats, 10))
            out["labels"][str(k)] = row
    return out


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fdsm-bench scorer", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--labels", default="10,60", help="label counts to time (default 10,60)")
    parser.add_argument("--repeats", type=int, default=50, help="timed runs for the live variants")
    parser.add_argument("--paper-repeats", type=int, default=3, help="timed runs for the paper preset")
    parser.add_argument("--paper-onnx", action="store_true", help="also export the 1 GB paper model to ONNX")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for torch and onnxruntime")
    parser.add_argument("--set", default="", metavar="K=V,...", help="override live-preset fields, e.g. width=192")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"subset of {','.join(VARIANTS)}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from fdsm.errors import FdsmError

    args = _parse(argv)
    try:
        counts = [int(x) for x in args.labels.split(",") if x.strip()]
    except ValueError:
        raise FdsmError(f"--labels must be comma-separated integers, got {args.labels!r}") from None
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(names) - set(VARIANTS))
    if unknown or not counts or min(counts) < 1 or args.repeats < 1 or args.paper_repeats < 1:
        raise FdsmError(f"bad arguments: unknown variants {unknown}" if unknown else "counts and repeats must be >= 1")
    overrides = {}
    for item in filter(None, (x.strip() for x in args.set.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise FdsmError(f"--set expects KEY=VALUE items, got {item!r}")
        overrides[key] = json.loads(value) if value[:1].isdigit() or value[:1] in "-[" else value
    get_preset("live", **overrides)  # validate early: unknown fields are a one-line error
    torch.set_num_threads(args.threads)
    result: dict[str, Any] = {"benchmark": "scorer", "threads": args.threads, "machine": platform.processor()
                              or platform.machine(), "torch": torch.__version__, "variants": {}}
    for name in names:
        paper = VARIANTS[name][0] == "paper"
        result["variants"][name] = bench_variant(name, counts, args.paper_repeats if paper else args.repeats,
                                                 onnx=args.paper_onnx or not paper, overrides=overrides)
    v = result["variants"]
    if "paper" in v and "live" in v:
        k = str(counts[0])
        result[f"speedup_live_onnx_vs_paper_torch_{k}"] = (
            v["paper"]["labels"][k]["torch_cpu"]["p50_ms"] / v["live"]["labels"][k]["onnxruntime"]["p50_ms"])
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"scorer benchmark, {args.threads} threads, torch {torch.__version__}")
    print(f"{'variant':<11} {'params M':>9} {'GFLOP/label':>11} {'labels':>6} {'torch p50/p95 ms':>18} "
          f"{'ort p50/p95 ms':>16}")
    for name, r in v.items():
        params = (r["params"]["encoder"] + r["params"]["denoiser"]) / 1e6
        for k, row in r["labels"].items():
            ort = row.get("onnxruntime")
            ort_s = f"{ort['p50_ms']:.2f}/{ort['p95_ms']:.2f}" if ort else "-"
            print(f"{name:<11} {params:>9.2f} {row['gflops_per_label']:>11.4f} {k:>6} "
                  f"{row['torch_cpu']['p50_ms']:>8.2f}/{row['torch_cpu']['p95_ms']:<9.2f} {ort_s:>16}")
    for key, val in result.items():
        if key.startswith("speedup"):
            print(f"{key}: {val:.0f}x")
    return 0
