"""`fdsm-bench fewshot`: how well labels taught by example (`fdsm.examples`) are recognized, for both methods.

- NW-UCLA cross-view, all 10 classes: examples from view 1, test windows from views 2 and 3.
- UTD-MHAD cross-subject, `--ways` classes drawn per draw: examples from subjects 1-4, tests from subjects 5-8.
- Mixed (UTD-MHAD): 3 typed names the checkpoint was trained on + 2 taught labels in one ranking, with the shipped
  calibration; top-1 on each kind's test windows (subjects 7-8: `--sweep` chooses the calibration on 5-6).
- Cost: seconds to add one 2-3 s example, scoring time per window with 10 taught labels, RSS.

Each draw picks K example takes per class at random; a test window is the centred window of a take, as fdsm-eval
scores corpora. Numbers are top-1 % (mean and std over draws).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fdsm import example_methods as em
from fdsm.data import Sequence as Take
from fdsm.data.sources import find_files
from fdsm.errors import FdsmError
from fdsm.examples import EXAMPLE_BIAS, crops
from fdsm.scorer import seen_offsets
from fdsm.training.windows import centre_window

UTD_EXAMPLE_SUBJECTS, UTD_TEST_SUBJECTS = (1, 2, 3, 4), (5, 6, 7, 8)
MIXED_CALIBRATION_SUBJECTS, MIXED_REPORT_SUBJECTS = (5, 6), (7, 8)
MIXED_TYPED, MIXED_TAUGHT = 3, 2


@dataclass
class Task:
    """One few-shot protocol: example takes' crop features and test windows' features, with class ids."""

    title: str
    names: list[str]  # class names (the dataset's prompt bank)
    example_crops: list[torch.Tensor]  # per example take: (n_i, F) features of its crops
    example_labels: np.ndarray
    test_features: torch.Tensor  # (N, F)
    test_labels: np.ndarray
    test_groups: np.ndarray  # subject (UTD-MHAD) or view (NW-UCLA) of each test window


def read_takes(src: Path, dataset: str) -> list[Take]:
    """Every take of `dataset` ("nwucla" or "utdmhad") under a folder or .tar.xz archive (1-frame takes dropped)."""
    if dataset == "nwucla":
        from fdsm.data.nwucla import read
        files = [p for p in find_files(src, ".json") if p.stem.startswith("a")]
    else:
        from fdsm.data.utdmhad import read
        files = find_files(src, "_skeleton.mat")
    if not files:
        raise FdsmError(f"{src}: no {dataset} skeleton files found")
    return [t for t in (read(p) for p in files) if len(t.skeleton) > 1]


def build_task(rec: Any, title: str, bank: str, takes: list[Take], example: Callable[[Take], bool],
               test: Callable[[Take], bool], group: Callable[[Take], int]) -> Task:
    """Encode the example takes' crops and the test takes' centred windows once."""
    from fdsm.text.prompts import load_bank

    cfg, teacher = rec.cfg, rec.teacher
    ex = [t for t in takes if example(t)]
    te = [t for t in takes if test(t)]
    return Task(title, [c.name for c in load_bank(bank)],
                [teacher.features(crops(t.skeleton, t.fps, cfg)) for t in ex], np.array([t.label for t in ex]),
                teacher.features(np.stack([centre_window(t, cfg) for t in te])), np.array([t.label for t in te]),
                np.array([group(t) for t in te]))


def taught_errors(rec: Any, method: str, task: Task, classes: Sequence[int], takes: list[np.ndarray],
                  rows: np.ndarray) -> np.ndarray:
    """(len(rows), len(classes)) raw scores of the test windows `rows` against labels taught by `takes` (per class:
    indices into task.example_crops): inversion errors, or prototype cosine distances."""
    test = task.test_features[rows]
    if method == "prototype":
        return np.stack([em.prototype_distance(test.numpy(), [em.unit(task.example_crops[i].numpy()) for i in idx])
                         for idx in takes], axis=1)
    feats = [torch.cat([task.example_crops[i] for i in idx]) for idx in takes]
    pooled, tokens, mask = rec.teacher.encode_text([task.names[c] for c in classes])
    fits = em.fit_texts(rec.scorer, feats, np.asarray(pooled), np.asarray(tokens), np.asarray(mask))
    state = rec.scorer.prepare_labels(*(torch.from_numpy(np.stack(x)) for x in zip(
        *((f.pooled, f.tokens, f.mask) for f in fits), strict=True)))
    with torch.no_grad():
        return rec.scorer.errors(test, state).numpy()


def draw_takes(task: Task, classes: Sequence[int], shots: int, rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.choice(np.flatnonzero(task.example_labels == c), shots, replace=False) for c in classes]


def stat(values: list[float]) -> dict[str, float]:
    return {"mean": 100 * float(np.mean(values)), "std": 100 * float(np.std(values)), "n": len(values)}


def fewshot(rec: Any, method: str, task: Task, ways: int, shots: int, draws: int, seed: int,
            untrained_only: bool = False) -> dict[str, float]:
    """N-way K-shot top-1 over `draws` draws of classes and example takes; `untrained_only` draws only classes the
    checkpoint was not trained on (its encoder has seen the others, which would flatter the examples)."""
    rng = np.random.default_rng([seed, shots, ways])
    accs = []
    all_classes = np.unique(task.example_labels)
    if untrained_only:
        all_classes = np.array([c for c in all_classes if not rec.checkpoint.is_trained(task.names[c])])
    for _ in range(draws):
        classes = np.sort(rng.choice(all_classes, min(ways, len(all_classes)), replace=False))
        rows = np.flatnonzero(np.isin(task.test_labels, classes))
        scores = taught_errors(rec, method, task, classes, draw_takes(task, classes, shots, rng), rows)
        accs.append(float((classes[scores.argmin(axis=1)] == task.test_labels[rows]).mean()))
    return stat(accs)


@dataclass
class MixedDraw:
    """One mixed draw's raw material: typed errors (n, 3), taught raw scores (n, 2), truth as a column (n,)."""

    typed: np.ndarray
    taught: np.ndarray
    truth: np.ndarray
    group: np.ndarray


def mixed_draws(rec: Any, method: str, task: Task, typed_errors: np.ndarray, trained: np.ndarray, shots: int,
                draws: int, seed: int) -> list[MixedDraw]:
    """Draws of 3 trained classes typed by name and 2 untrained classes taught with `shots` examples each."""
    rng = np.random.default_rng([seed, shots, 99])
    others = np.setdiff1d(np.unique(task.example_labels), trained)
    out = []
    for _ in range(draws):
        typed = rng.choice(trained, MIXED_TYPED, replace=False)
        taught = rng.choice(others, MIXED_TAUGHT, replace=False)
        classes = np.concatenate([typed, taught])
        rows = np.flatnonzero(np.isin(task.test_labels, classes))
        raw = taught_errors(rec, method, task, taught, draw_takes(task, taught, shots, rng), rows)
        cols = [int(np.flatnonzero(trained == c)[0]) for c in typed]
        truth = np.array([int(np.flatnonzero(classes == y)[0]) for y in task.test_labels[rows]])
        out.append(MixedDraw(typed_errors[rows][:, cols], raw, truth, task.test_groups[rows]))
    return out


def mixed_top1(draws: list[MixedDraw], method: str, cfg: Any, groups: Sequence[int], bias: float = EXAMPLE_BIAS,
               scale: float = em.PROTOTYPE_SCALE, shift: float = em.PROTOTYPE_SHIFT) -> dict[str, dict[str, float]]:
    """Top-1 on typed-class and taught-class windows of `groups`, ranked as the Recognizer ranks (calibrated);
    `bias`, `scale` and `shift` are the calibration sweep's candidates."""
    typed_acc, taught_acc = [], []
    offsets = seen_offsets(cfg, np.ones(MIXED_TYPED, bool))  # every typed name here is a trained one
    for d in draws:
        typed = d.typed + offsets
        if method == "prototype":
            taught = em.prototype_errors(d.taught, d.typed, cfg.error_spread, scale, shift)
        else:
            taught = d.taught + bias * cfg.error_spread
        hit = np.concatenate([typed, taught], axis=1).argmin(axis=1) == d.truth
        keep = np.isin(d.group, groups)
        typed_acc.append(float(hit[keep & (d.truth < MIXED_TYPED)].mean()))
        taught_acc.append(float(hit[keep & (d.truth >= MIXED_TYPED)].mean()))
    return {"typed": stat(typed_acc), "taught": stat(taught_acc)}


def sweep(draws: dict[int, list[MixedDraw]], method: str, cfg: Any) -> list[dict[str, Any]]:
    """Calibration candidates scored on the calibration subjects, best first: the rule is the harmonic mean of
    typed and taught top-1, averaged over the shot counts (one constant must serve 1 and 5 examples)."""
    grid = ([{"bias": b} for b in np.arange(-1.0, 3.01, 0.25)] if method == "inversion" else
            [{"scale": s, "shift": h} for s in (4.0, 8.0, 16.0, 32.0, 64.0) for h in np.arange(-1.0, 3.01, 0.25)])
    rows = []
    for consts in grid:
        per_k = {k: mixed_top1(d, method, cfg, MIXED_CALIBRATION_SUBJECTS, **consts) for k, d in draws.items()}
        hmeans = [2 * r["typed"]["mean"] * r["taught"]["mean"] / max(r["typed"]["mean"] + r["taught"]["mean"], 1e-9)
                  for r in per_k.values()]
        rows.append({"constants": {k: float(v) for k, v in consts.items()}, "hmean": float(np.mean(hmeans)),
                     **{f"{k}-shot": {"typed": r["typed"]["mean"], "taught": r["taught"]["mean"]}
                        for k, r in per_k.items()}})
    return sorted(rows, key=lambda row: -row["hmean"])


def rss_mb() -> float:
    """Resident set size now, in MB (Linux /proc; peak RSS elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 1e6
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def costs(rec: Any, takes: list[Take], method: str, repeats: int) -> dict[str, float]:
    """Seconds to add one 2-3 s example; ms to score one window with 10 taught labels; size of their file."""
    import tempfile

    rec.teacher.set_method(method)
    rec.teacher.clear()
    mid = [t for t in takes if 2.0 <= len(t.skeleton) / t.fps <= 3.0]
    add = []
    for i in range(repeats):
        t0 = time.perf_counter()
        rec.add_example(f"timed {i}", mid[i].skeleton, mid[i].fps)
        add.append(time.perf_counter() - t0)
    rec.teacher.clear()
    by_class = {}
    for t in takes:
        by_class.setdefault(t.label, t)
    rec.set_labels([f"taught {c}" for c in list(by_class)[:10]])
    for c, t in list(by_class.items())[:10]:
        rec.add_example(f"taught {c}", t.skeleton, t.fps)
    window = mid[0].skeleton
    for _ in range(3):
        rec.recognize(window, mid[0].fps)
    score = []
    for _ in range(50):
        t0 = time.perf_counter()
        rec.recognize(window, mid[0].fps)
        score.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp:
        size = rec.save_examples(Path(tmp) / "examples.npz").stat().st_size
    return {"add_example_s": statistics.median(add), "score_10_taught_ms": 1e3 * statistics.median(score),
            "file_kb_10_labels": size / 1e3}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from fdsm import Recognizer

    torch.set_num_threads(args.threads)
    rec = Recognizer.from_pretrained(args.checkpoint, threads=args.threads)
    out: dict[str, Any] = {"threads": args.threads, "draws": args.draws, "methods": {}}
    tasks = []
    if args.nwucla:
        takes = read_takes(Path(args.nwucla), "nwucla")
        tasks.append((build_task(rec, "NW-UCLA cross-view (examples view 1, tests views 2+3), 10-way", "nwucla", takes,
                                 lambda t: t.view == 1, lambda t: t.view in (2, 3), lambda t: t.view), 10, False))
    utd = read_takes(Path(args.utdmhad), "utdmhad") if args.utdmhad else []
    if utd:
        from fdsm.text.prompts import load_bank

        names = [c.name for c in load_bank("utdmhad")]
        ways = min(args.ways, sum(not rec.checkpoint.is_trained(n) for n in names))
        if ways < 2:
            raise FdsmError("the checkpoint was trained on all but one UTD-MHAD class: no few-shot test is left")
        tasks.append((build_task(rec, f"UTD-MHAD cross-subject (examples s1-4, tests s5-8), {ways}-way over the "
                                 "classes the checkpoint did not train on", "utdmhad", utd,
                                 lambda t: t.subject in UTD_EXAMPLE_SUBJECTS,
                                 lambda t: t.subject in UTD_TEST_SUBJECTS, lambda t: t.subject), ways, True))
    if not tasks:
        raise FdsmError("give --nwucla and/or --utdmhad (a dataset folder or its .tar.xz archive)")
    for method in args.methods:
        res: dict[str, Any] = {"fewshot": {}}
        for task, ways, untrained in tasks:
            res["fewshot"][task.title] = {f"{k}-shot": fewshot(rec, method, task, ways, k, args.draws, args.seed,
                                                               untrained)
                                          for k in args.shots}
        if utd:
            task = tasks[-1][0]
            trained = np.array([c for c, n in enumerate(task.names) if rec.checkpoint.is_trained(n)])
            pooled, tokens, mask = rec.teacher.encode_text([task.names[c] for c in trained])
            state = rec.scorer.prepare_labels(torch.from_numpy(np.asarray(pooled, np.float32)),
                                              torch.from_numpy(np.asarray(tokens, np.float32)),
                                              torch.from_numpy(np.asarray(mask, bool)))
            with torch.no_grad():
                typed_errors = rec.scorer.errors(task.test_features, state).numpy()
            res["mixed"] = {"typed_names": [task.names[c] for c in trained]}
            draws = {k: mixed_draws(rec, method, task, typed_errors, trained, k, args.draws, args.seed)
                     for k in args.shots}
            for k, d in draws.items():
                res["mixed"][f"{k}-shot"] = mixed_top1(d, method, rec.cfg, MIXED_REPORT_SUBJECTS)
            if args.sweep:
                res["mixed"]["sweep"] = sweep(draws, method, rec.cfg)[:6]
            res["costs"] = costs(rec, utd, method, args.repeats)
        out["methods"][method] = res
    out["rss_mb"] = rss_mb()
    return out


def report(out: dict[str, Any]) -> str:
    def fmt(s: dict[str, float]) -> str:
        return f"{s['mean']:5.1f} ± {s['std']:4.1f}"

    lines = [f"fdsm-bench fewshot: top-1 % (mean ± std over {out['draws']} draws), {out['threads']} threads"]
    for method, res in out["methods"].items():
        lines.append(f"\n[{method}]")
        for title, by_k in res["fewshot"].items():
            lines.append(f"  {title}: " + "; ".join(f"{k} {fmt(s)}" for k, s in by_k.items()))
        if "mixed" in res:
            lines.append(f"  mixed, typed {', '.join(res['mixed']['typed_names'])} (3 drawn) + 2 taught, subjects 7-8:")
            for k, r in res["mixed"].items():
                if k.endswith("-shot"):
                    lines.append(f"    {k}: typed {fmt(r['typed'])}; taught {fmt(r['taught'])}")
            for row in res["mixed"].get("sweep", []):
                shots = "; ".join(f"{k} typed {v['typed']:.1f} taught {v['taught']:.1f}" for k, v in row.items()
                                  if k.endswith("-shot"))
                lines.append(f"    calibration candidate {row['constants']} (subjects 5-6): {shots}; "
                             f"hmean {row['hmean']:.1f}")
        if "costs" in res:
            c = res["costs"]
            lines.append(f"  add one 2-3 s example {c['add_example_s']:.2f} s; score 10 taught labels "
                         f"{c['score_10_taught_ms']:.1f} ms/window; examples file (10 labels) "
                         f"{c['file_kb_10_labels']:.0f} kB")
    lines.append(f"\nRSS {out['rss_mb']:.0f} MB")
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="fdsm-bench fewshot", description=__doc__.splitlines()[0])
    p.add_argument("--nwucla", metavar="PATH", help="NW-UCLA folder or nwucla.tar.xz")
    p.add_argument("--utdmhad", metavar="PATH", help="UTD-MHAD folder or utdmhad.tar.xz")
    p.add_argument("--checkpoint", metavar="DIR", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--methods", default="prototype,inversion", help="comma-separated: prototype, inversion")
    p.add_argument("--shots", default="1,5", help="comma-separated K (default 1,5)")
    p.add_argument("--draws", type=int, default=20, help="draws of classes and examples (default 20)")
    p.add_argument("--ways", type=int, default=10, help="UTD-MHAD classes per draw (default 10)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="CPU threads for torch and onnxruntime (default 2)")
    p.add_argument("--repeats", type=int, default=3, help="timed example additions (default 3)")
    p.add_argument("--sweep", action="store_true", help="also print calibration candidates (subjects 5-6)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = sorted(set(args.methods) - set(em.METHODS))
    if bad or not args.methods:
        raise FdsmError(f"--methods: choose from {', '.join(em.METHODS)} (got {args.methods})")
    try:
        args.shots = [int(k) for k in args.shots.split(",") if k.strip()]
    except ValueError:
        raise FdsmError(f"--shots must be comma-separated integers, got {args.shots!r}") from None
    if not args.shots or min(args.shots) < 1 or args.draws < 1 or args.ways < 2 or args.threads < 1:
        raise FdsmError("--shots, --draws and --threads must be >= 1 and --ways >= 2")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    out = run(args)
    print(json.dumps(out, indent=1) if args.json else report(out))
    sys.stdout.flush()
    return 0
