"""The default model's zero-shot protocol: what it trains on, what it is tested on, and how.

Two tests, both scored with the class NAMES only (the text a webcam user types), never trained on:

(a) NW-UCLA, all 10 classes unseen. The dataset is kept out of training entirely (the pool never
    contains it, and `load_pool` refuses it); every sequence of every view is scored against the
    10 names. UTD-MHAD brings some of its concepts into the pool (sit down, stand up, throw), so the
    report also gives top-1 over the classes whose concept is in the pool (`NWUCLA_IN_POOL`) and over
    those whose concept is not (`NWUCLA_NOT_IN_POOL`), both still scored against all 10 names.
(b) A fixed held-out class split inside the training pool (`HELDOUT`, chosen before any training
    and never tuned): eight classes (two of them UTD-MHAD's) whose concept no other pool class
    names, so holding the class out removes the concept from training. They are the split's unseen
    classes: the encoder, the features and the denoiser never see them; they are scored among
    themselves (chance 1/8).

A third part says what a user typing the names the model WAS trained on gets (not zero-shot):
(c) the held-back share of the checkpoint's training classes (the sequences `seen_test_fraction`
    keeps out of the encoder and the denoiser) against all of its training-class names.
And a fourth what a user typing a mix of both gets (generalized zero-shot):
(d) all training names and the six held-out names at once; the sequences of (c) give the top-1 on
    trained classes S, those of (b) the top-1 on held-out classes U, and H = 2SU/(S+U). Scored with the
    checkpoint's seen-name correction (`ModelConfig.seen_bias`, as the recognizer scores) and without.

The pool is `fdsm-prepare pool` (Bandai 1+2, HDM05, CMU8, SBU, synth, UTD-MHAD merged over the `pool` bank).
Every number is the mean and population standard deviation over `SEEDS`, the scorer's fixed noise
seeds (one checkpoint) or, in `fdsm.default_model.ablation`, the training seeds.

`fdsm-eval --protocol default` runs `main`; `python -m fdsm.default_model.protocol train ...` trains on the pool
with `fdsm-train`'s options and stages (the whole recipe: docs/default-model.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fdsm.assets import asset_path
from fdsm.data.corpus import Corpus, corpus_meta, load_corpus
from fdsm.errors import FdsmError
from fdsm.splits import Split
from fdsm.text.prompts import LEVELS

PROG = "fdsm-eval --protocol default"
SPLIT_NAME = "default-pool"
POOL_BANK = "pool"
TEST_DATASET = "nwucla"
SEEDS = (2025, 2026, 2027)
TOPK = (1, 3)
PARTS = ("nwucla", "heldout", "trained")  # (a), (b), (c) in a report; (d) is "mixed"
SUBSET_SIZES = (5, 10, 20)  # (c) also with this many names typed: the true one and random others
SUBSET_DRAWS = 20
RECIPE = Path(__file__).resolve().parents[1] / "configs" / "default_live.toml"  # the default model's training recipe
# Pool classes held out of training (source dataset in the comment). Fixed up front; see the docstring.
HELDOUT: tuple[str, ...] = (
    "walk backwards",  # bandai
    "touch knee with elbow",  # hdm05
    "lie down on the floor",  # hdm05
    "wash a window",  # cmu8
    "shake hands",  # sbu
    "hug",  # sbu
    "knock on a door",  # utdmhad
    "bowl a ball",  # utdmhad
)
# NW-UCLA's classes by whether a pool class names the same concept (written down before any training with
# UTD-MHAD in the pool, never moved after seeing a result). In the pool: UTD-MHAD's "sit down", "stand up",
# throws ("throw a ball", "pick up and throw", which starts with a one-hand pick-up) and the pool's walks.
NWUCLA_IN_POOL: tuple[str, ...] = ("pick up with one hand", "walk around", "sit down", "stand up", "throw")
NWUCLA_NOT_IN_POOL: tuple[str, ...] = ("pick up with two hands", "drop trash", "put on clothes", "take off clothes",
                                       "carry")
NWUCLA_GROUPS = {"concept in the pool": NWUCLA_IN_POOL, "concept not in the pool": NWUCLA_NOT_IN_POOL}


def heldout_split(bank: str = POOL_BANK) -> Split:
    """The pool's split: `HELDOUT` unseen, every other class of the pool bank seen."""
    from fdsm.text.prompts import load_bank, normalize_name

    names = [normalize_name(c.name) for c in load_bank(bank)]
    missing = [n for n in HELDOUT if normalize_name(n) not in names]
    if missing:
        raise FdsmError(f"prompt bank {bank!r} lacks the held-out class(es) {', '.join(missing)}")
    unseen = tuple(sorted(names.index(normalize_name(n)) for n in HELDOUT))
    return Split(SPLIT_NAME, POOL_BANK, len(names), unseen, tuple(c for c in range(len(names)) if c not in unseen),
                 "fdsm.default_model.protocol.HELDOUT")


def check_pool(path: str | Path) -> None:
    """Refuse any corpus file but the pool (`fdsm-prepare pool`), NW-UCLA above all; reads only its header."""
    dataset = corpus_meta(path)["dataset"]
    if dataset != POOL_BANK:
        hint = "; NW-UCLA is the zero-shot test set and is never trained on" if dataset == TEST_DATASET else ""
        raise FdsmError(f"{path}: expected the training pool (fdsm-prepare pool), got the {dataset!r} corpus" + hint)


def load_pool(path: str | Path) -> Corpus:
    """The pool corpus, after `check_pool`."""
    check_pool(path)
    return load_corpus(path)


# --- training ---------------------------------------------------------------------------------------


def train_main(argv: Sequence[str] | None = None) -> int:
    """`python -m fdsm.default_model.protocol train`: fdsm-train's options and stages, on the pool with the held-out
    split."""
    from fdsm.cli import run_cli

    return run_cli("fdsm.default_model.protocol train", _train, argv)


def _train(argv: Sequence[str] | None) -> int:
    """Refuse any corpus but the pool (NW-UCLA above all), then run fdsm-train on the held-out split."""
    from fdsm.train import build_parser, resolve_config, run_training

    args = build_parser().parse_intermixed_args(argv)
    corpora = resolve_config(args)["data"]["corpus"]
    if len(corpora) != 1:
        raise FdsmError("give exactly one corpus: the pool built by `fdsm-prepare pool`")
    check_pool(corpora[0])  # before any work
    return run_training([*(argv or []), "--split", SPLIT_NAME])


# --- evaluation -------------------------------------------------------------------------------------


@dataclass
class TestSet:
    """Sequences to score and the class names they are scored against (labels index `names`)."""

    title: str
    sequences: list
    labels: np.ndarray
    names: list[str]


def nwucla_test(corpus: Corpus) -> TestSet:
    """Protocol (a): every NW-UCLA sequence against its 10 class names."""
    if corpus.dataset != TEST_DATASET:
        raise FdsmError(f"expected the {TEST_DATASET} corpus (fdsm-prepare nwucla), got {corpus.dataset!r}")
    return TestSet("NW-UCLA, 10 unseen classes, names only", corpus.sequences, np.asarray(corpus.labels),
                   list(corpus.classes))


def heldout_test(pool: Corpus, split: Split) -> TestSet:
    """Protocol (b): every pool sequence of a held-out class against the held-out class names."""
    unseen = list(split.unseen)
    labels = np.asarray(pool.labels)
    rows = np.flatnonzero(np.isin(labels, unseen))
    position = {c: i for i, c in enumerate(unseen)}
    return TestSet(f"pool held-out split, {len(unseen)} unseen classes, names only",
                   [pool.sequences[i] for i in rows], np.array([position[int(labels[i])] for i in rows], np.int64),
                   [pool.classes[c] for c in unseen])


def trained_test(pool: Corpus, train_classes: Sequence[int], fraction: float) -> TestSet:
    """Part (c): the training classes' held-back sequences (never trained on) against all training-class names.

    The rows are the trainer's own seen-class test share (`fdsm.training.feature_stage.test_parts`).
    """
    from fdsm.training.feature_stage import test_parts
    from fdsm.training.parts import ClassParts

    labels = np.asarray(pool.labels)
    rows = test_parts(pool, ClassParts(len(pool.classes), (), (), tuple(train_classes)), fraction)["seen"]
    position = {c: i for i, c in enumerate(train_classes)}
    return TestSet(f"trained classes, held-back sequences, {len(train_classes)} names (not zero-shot)",
                   [pool.sequences[i] for i in rows], np.array([position[int(labels[i])] for i in rows], np.int64),
                   [pool.classes[c] for c in train_classes])


def mixed_tests(trained: TestSet, heldout: TestSet) -> tuple[TestSet, TestSet]:
    """Part (d): (c)'s and (b)'s sequences, each against all training names followed by the held-out names.

    The titles stay those of (c) and (b), so their memoized features are reused (`test_features_of`).
    """
    names = trained.names + heldout.names
    return (TestSet(trained.title, trained.sequences, trained.labels, names),
            TestSet(heldout.title, heldout.sequences, heldout.labels + len(trained.names), names))


def encoder_key(checkpoint: Any) -> str:
    """A digest of the checkpoint's encoder weights and window settings (features depend on nothing else)."""
    h = hashlib.sha1(f"{checkpoint.cfg.window_frames} {checkpoint.cfg.window_seconds}".encode())
    for name, tensor in sorted(checkpoint.encoder.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().numpy().tobytes())
    return h.hexdigest()


def test_features_of(checkpoint: Any, test: TestSet, cache: dict[tuple[str, str], np.ndarray] | None) -> np.ndarray:
    """Centred-window encoder features of the test sequences (as fdsm-eval --corpus computes them), memoized."""
    from fdsm.training.feature_stage import test_features

    key = (encoder_key(checkpoint), test.title)
    if cache is not None and key in cache:
        return cache[key]
    feats = test_features(checkpoint.encoder, test.sequences, checkpoint.cfg, 128, "features")
    if cache is not None:
        cache[key] = feats
    return feats


def window_errors(checkpoint: Any, text_encoder: Any, test: TestSet, seeds: Sequence[int],
                  cache: dict[tuple[str, str], np.ndarray] | None = None) -> list[np.ndarray]:
    """(N, K) denoising errors of the test's windows against its names, one matrix per noise seed."""
    import torch

    from fdsm.training.zeroshot import label_errors

    feats = test_features_of(checkpoint, test, cache)
    texts = [checkpoint.prompt(name) for name in test.names]  # as the Recognizer encodes typed names
    pooled, tokens, mask = (torch.from_numpy(np.asarray(a)) for a in text_encoder.encode(texts))
    return [label_errors(checkpoint.denoiser, checkpoint.cfg.replace(noise_seed=int(seed)), feats, pooled, tokens,
                         mask) for seed in seeds]


def subset_top1(errors: np.ndarray, labels: np.ndarray, k: int, draws: int, seed: int) -> float:
    """Top-1 (fraction) when only `k` names are typed: each window's true name and k-1 others drawn at random
    from the rest, `draws` times; what a user typing a handful of the names gets."""
    rng = np.random.default_rng(seed)
    rows = np.arange(len(labels))
    hits = 0
    for _ in range(draws):
        order = rng.random(errors.shape)
        order[rows, labels] = -1.0  # the true name sorts first, so it is always among the k
        typed = np.argsort(order, axis=1)[:, :k]
        hits += int((typed[rows, np.take_along_axis(errors, typed, 1).argmin(1)] == labels).sum())
    return hits / (draws * len(labels))


def group_top1(errors: np.ndarray, labels: np.ndarray, names: Sequence[str], group: Sequence[str]) -> float:
    """Top-1 (%) over the sequences whose true class is in `group`, still scored against all `names`."""
    rows = np.isin(labels, [names.index(n) for n in group])
    return 100.0 * float((errors[rows].argmin(axis=1) == labels[rows]).mean()) if rows.any() else float("nan")


def score_test(checkpoint: Any, text_encoder: Any, test: TestSet, seeds: Sequence[int],
               cache: dict[tuple[str, str], np.ndarray] | None = None,
               subsets: Sequence[int] = (), groups: dict[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """Top-k per seed (mean, std), per-class top-1 (mean over seeds) and the confusion matrix summed over seeds;
    with `subsets`, also the top-1 with that many names typed (`subset_top1`); with `groups` (title -> class
    names), also the top-1 over each group's sequences (`group_top1`)."""
    from fdsm.training.metrics import confusion_matrix, mean_std, per_class_accuracy, topk_accuracy

    k = len(test.names)
    per_seed: dict[str, list[float]] = {f"top{n}": [] for n in TOPK}
    by_size: dict[str, list[float]] = {str(n): [] for n in subsets if n < k}
    by_group: dict[str, list[float]] = {g: [] for g in (groups or {})}
    cm = np.zeros((k, k), np.int64)
    class_acc = []
    for seed, err in zip(seeds, window_errors(checkpoint, text_encoder, test, seeds, cache), strict=True):
        for n in TOPK:
            per_seed[f"top{n}"].append(100.0 * topk_accuracy(-err, test.labels, n))
        for n in by_size:
            by_size[n].append(100.0 * subset_top1(err, test.labels, int(n), SUBSET_DRAWS, int(seed)))
        for g in by_group:
            by_group[g].append(group_top1(err, test.labels, test.names, groups[g]))
        seed_cm = confusion_matrix(err.argmin(axis=1), test.labels, k)
        class_acc.append(100.0 * per_class_accuracy(seed_cm))
        cm += seed_cm
    return {"title": test.title, "samples": len(test.labels), "classes": test.names, "seeds": [int(s) for s in seeds],
            "chance": 100.0 / k, **{key: mean_std(v) | {"values": v} for key, v in per_seed.items()},
            "per_class_top1": dict(zip(test.names, np.mean(class_acc, axis=0).round(2).tolist(), strict=True)),
            "confusion": cm.tolist(),
            **({"subset_top1": {n: mean_std(v) for n, v in by_size.items()}} if by_size else {}),
            **({"groups": {g: mean_std(v) | {"classes": list(groups[g])} for g, v in by_group.items()}}
               if by_group else {})}


def score_mixed(checkpoint: Any, text_encoder: Any, tests: tuple[TestSet, TestSet], seeds: Sequence[int],
                cache: dict[tuple[str, str], np.ndarray] | None = None) -> dict[str, Any]:
    """Part (d): S, U and their harmonic mean H per seed, with the checkpoint's seen-name correction and without.

    The corrected names are those the recognizer corrects (`Checkpoint.is_trained`); the errors are computed once
    and both offsets applied to them.
    """
    from fdsm.scorer import seen_offsets
    from fdsm.training.metrics import harmonic_mean, mean_std, topk_accuracy

    seen, unseen = tests
    trained = np.array([checkpoint.is_trained(name) for name in seen.names])
    k_trained = int(trained.sum())
    out: dict[str, Any] = {"title": f"mixed label set: {k_trained} training + {len(seen.names) - k_trained} held-out "
                                    "names at once (generalized zero-shot)",
                           "samples": [len(seen.labels), len(unseen.labels)], "seeds": [int(s) for s in seeds],
                           "seen_bias": float(checkpoint.cfg.seen_bias)}
    errors = [(test, window_errors(checkpoint, text_encoder, test, seeds, cache)) for test in (seen, unseen)]
    for key, bias in (("corrected", checkpoint.cfg.seen_bias), ("uncorrected", 0.0)):
        offsets = seen_offsets(checkpoint.cfg.replace(seen_bias=bias), trained)
        s, u = ([100.0 * topk_accuracy(-(err + offsets), test.labels, 1) for err in errs] for test, errs in errors)
        h = [harmonic_mean(a, b) for a, b in zip(s, u, strict=True)]
        out[key] = {"S": mean_std(s), "U": mean_std(u), "H": mean_std(h)}
    return out


def evaluate(checkpoint_dir: Path, nwucla: Path, pool: Path | None, seeds: Sequence[int],
             cache: dict[tuple[str, str], np.ndarray] | None = None, trained: bool = True,
             text_level: str | None = None) -> dict[str, Any]:
    """The protocol's parts for one checkpoint: (a); (b) when the pool is given; (c) and (d) too when `trained`
    and the checkpoint records its training classes.

    `cache` memoizes test features across checkpoints that share an encoder (the ablations); without one, a
    fresh one still lets (d) reuse the features of (b) and (c).
    """
    from fdsm.checkpoint import load_checkpoint
    from fdsm.text import get_text_encoder
    from fdsm.text.policy import get_policy

    cache = {} if cache is None else cache
    ckpt = load_checkpoint(checkpoint_dir)
    if text_level is not None:  # score at another level than the checkpoint's policy (a comparison)
        ckpt.policy = get_policy(ckpt.policy.name, ckpt.policy.version, text_level)
    text_encoder = get_text_encoder(ckpt.text_encoder)
    if (text_encoder.name, text_encoder.dim) != (ckpt.text_encoder, ckpt.text_dim):
        raise FdsmError(f"{checkpoint_dir} needs text encoder {ckpt.text_encoder} ({ckpt.text_dim}-d)")
    report: dict[str, Any] = {"checkpoint": str(checkpoint_dir), "protocol": "default", "text_level": ckpt.policy.level,
                              "nwucla": score_test(ckpt, text_encoder, nwucla_test(load_corpus(nwucla)), seeds, cache,
                                                   groups=NWUCLA_GROUPS)}
    if pool is not None:
        bank = str(ckpt.meta.get("bank") or POOL_BANK)
        pool_corpus = load_pool(pool)
        heldout = heldout_test(pool_corpus, heldout_split(bank))
        report["heldout"] = score_test(ckpt, text_encoder, heldout, seeds, cache)
        train_classes = ckpt.meta.get("training", {}).get("train_classes")
        if trained and train_classes:
            fraction = float(ckpt.meta.get("seen_test_fraction", 0.1))
            test = trained_test(pool_corpus, train_classes, fraction)
            report["trained"] = score_test(ckpt, text_encoder, test, seeds, cache, SUBSET_SIZES)
            report["mixed"] = score_mixed(ckpt, text_encoder, mixed_tests(test, heldout), seeds, cache)
    return report


def _fmt(stat: dict[str, float]) -> str:
    return f"{stat['mean']:.1f} +- {stat['std']:.1f}"


def mixed_table(part: dict[str, Any]) -> list[str]:
    """Part (d) as a markdown table: S, U, H with and without the seen-name correction."""
    rows = [("with the seen-name correction (seen_bias "
             f"{part['seen_bias']:g})", part["corrected"]), ("without it", part["uncorrected"])]
    return ["| mixed label set | S: trained-class top-1 % | U: held-out-class top-1 % | H % |", "|---|---:|---:|---:|",
            *[f"| {name} | {_fmt(r['S'])} | {_fmt(r['U'])} | {_fmt(r['H'])} |" for name, r in rows]]


def _subset_line(part: dict[str, Any]) -> str:
    sizes = part["subset_top1"]
    return (", ".join(f"{n} names {_fmt(v)} %" for n, v in sizes.items())
            + f" (the true name and random others, {SUBSET_DRAWS} draws per window)")


def format_report(report: dict[str, Any]) -> str:
    """The printed summary: top-1 / top-3 of each part and its per-class table; (d) as S / U / H."""
    lines = [f"checkpoint: {report['checkpoint']}"]
    level = report.get("text_level", "name")
    if level != "name":
        lines.append(f"typed names scored by their bank's {level} text where they match a bank class, else as typed")
    for key in PARTS:
        part = report.get(key)
        if part is None:
            continue
        lines += ["", f"## {part['title']} ({part['samples']} sequences, seeds {part['seeds']}, "
                      f"chance {part['chance']:.1f} %)",
                  f"top-1 {_fmt(part['top1'])} %   top-3 {_fmt(part['top3'])} %"]
        if "subset_top1" in part:
            lines.append(f"top-1 with fewer names typed: {_subset_line(part)}")
        for group, stat in part.get("groups", {}).items():
            lines.append(f"top-1, {group} ({', '.join(stat['classes'])}): {_fmt(stat)} %")
        lines += ["", "| class | top-1 % (mean over seeds) |", "|---|---:|"]
        lines += [f"| {name} | {acc:.1f} |" for name, acc in part["per_class_top1"].items()]
    if "mixed" in report:
        part = report["mixed"]
        lines += ["", f"## {part['title']} ({part['samples'][0]} + {part['samples'][1]} sequences, "
                      f"seeds {part['seeds']})", "", *mixed_table(part)]
    return "\n".join(lines)


# --- shipping ---------------------------------------------------------------------------------------

ATTRIBUTION = (
    "Bandai-Namco-Research-Motiondataset 1 and 2 (CC BY-NC 4.0): M. Kobayashi, C.-C. Liao, K. Inoue, S. Yojima, "
    "M. Takahashi. Motion Capture Dataset for Practical Use of AI-based Motion Editing and Stylization. "
    "arXiv:2306.08861, 2023. (c) 2022 Bandai Namco Research Inc.",
    "HDM05 (CC BY-SA 3.0 Unported): M. Mueller, T. Roeder, M. Clausen, B. Eberhardt, B. Krueger, A. Weber. "
    "Documentation Mocap Database HDM05. Technical report CG-2007-2, Universitaet Bonn, 2007. "
    "The data used in this project was obtained from HDM05.",
    "CMU Graphics Lab Motion Capture Database (free for research; no resale of the data): The data used in this "
    "project was obtained from mocap.cs.cmu.edu. The database was created with funding from NSF EIA-0196217.",
    "SBU Kinect Interaction (research use only): K. Yun, J. Honorio, D. Chattopadhyay, T. L. Berg, D. Samaras. "
    "Two-person Interaction Detection Using Body-Pose Features and Multiple Instance Learning. CVPR Workshops, 2012.",
    "UTD-MHAD (research use only; no licence file in the source): C. Chen, R. Jafari, N. Kehtarnavaz. UTD-MHAD: A "
    "Multimodal Dataset for Human Action Recognition Utilizing a Depth Camera and a Wearable Inertial Sensor. "
    "IEEE ICIP 2015.",
    "Synthetic motions: generated by fdsm.default_model.synth (this project).",
    "Evaluation only, never trained on: Northwestern-UCLA Multiview Action 3D (research use only): J. Wang, X. Nie, "
    "Y. Xia, Y. Wu, S.-C. Zhu. Cross-view Action Modeling, Learning and Recognition. CVPR 2014.",
)
RECIPE_COMMANDS = """\
C=~/.cache/fdsm-live/corpora        # any folder outside the repository
for d in bandai hdm05 cmu8 sbu utdmhad nwucla; do fdsm-prepare $d --src ../shared/data/$d --out $C/$d.npz; done
fdsm-prepare synth --src . --out $C/synth.npz
fdsm-prepare pool --src $C --out $C/pool.npz                     # NW-UCLA is never pooled
OMP_NUM_THREADS=1 python -m fdsm.default_model.protocol train --config fdsm/configs/default_live.toml \\
    --corpus $C/pool.npz --out runs/default                         # one thread: see the config's header
fdsm-eval --protocol default runs/default/checkpoint --corpora $C --json runs/default/protocol.json \\
    --confusion docs/results/default-confusion.png --report docs/results/default-protocol.md
python -m fdsm.default_model.protocol ship runs/default/checkpoint --report runs/default/protocol.json \\
    --out assets/checkpoints/default --train-note "..."     # copies weights, exports ONNX, writes this card
"""
CARD_FIELDS = ("feature_dim", "width", "depth", "heads", "text_stream", "sgsrm", "window_frames", "window_seconds",
               "encoder_channels", "encoder_kernel", "t_test", "num_noises", "noise_seed", "temperature", "seen_bias",
               "error_spread")


def model_card(config: dict[str, Any], report: dict[str, Any], weights_bytes: int, train_note: str) -> str:
    """The checkpoint's model card (markdown) from its config.json and its protocol report."""
    model, training = config["model"], config.get("training", {})
    names = config.get("class_names", [])
    val = [names[i] for i in training.get("val_classes", []) if i < len(names)]
    encoder_saw_val = training.get("config", {}).get("encoder", {}).get("train_on_val", True)
    val_role = ("seen by the encoder, kept out of the denoiser" if encoder_saw_val
                else "kept out of the encoder and the denoiser: validation is zero-shot")
    train = [names[i] for i in training.get("train_classes", []) if i < len(names)]
    lines = [
        "# FDSM Live default checkpoint", "",
        "Zero-shot skeleton action recognizer: a graph-convolutional skeleton encoder and a text-conditioned "
        "FDSM denoiser (SG-SRM, TASL, curriculum) scored in one step against action names typed at run time.", "",
        "## Licence: non-commercial", "",
        "These weights are trained on the Bandai-Namco-Research-Motiondataset and therefore inherit its "
        "**CC BY-NC 4.0** licence: **no commercial use**, attribution required (below). They are also "
        "trained on SBU Kinect Interaction and UTD-MHAD, both released for **research use only**, and on HDM05 "
        "(CC BY-SA 3.0: attribution, share-alike for derived data) and CMU mocap (no resale of the data). "
        "Use them for research and non-commercial purposes only.", "",
        "## Attribution", "", *[f"- {a}" for a in ATTRIBUTION], "",
        "## Model", "",
        "- preset `live` with these settings: "
        + ", ".join(f"{k}={model[k]}" for k in CARD_FIELDS if k in model),
        f"- text encoder `{config['text_encoder']}` ({config['text_dim']}-d), text level at test time: "
        f"`{config.get('text_level', 'name')}` (a typed name that matches a bank class is scored by that text, "
        f"any other by its name); normalization v{config.get('normalization_version')}",
        f"- weights: {weights_bytes / 1e6:.2f} MB (model.safetensors); model.onnx = encoder + scorer graph, "
        "labels.onnx = the per-label text preparation (the live path runs both in onnxruntime, without torch)", "",
        "## Training data", "",
        f"- pool `{config.get('bank', POOL_BANK)}`: Bandai 1+2, HDM05, CMU8, SBU, synth, UTD-MHAD (NW-UCLA excluded)",
        f"- denoiser training classes ({len(train)}): {', '.join(train)}",
        f"- validation classes ({val_role}, used for model selection and temperature calibration) "
        f"({len(val)}): {', '.join(val)}",
        f"- held-out zero-shot classes, never trained on ({len(HELDOUT)}): {', '.join(HELDOUT)}",
        f"- training: {train_note}", "",
        "## Metrics (fdsm-eval --protocol default; names only; mean +- std over noise seeds "
        f"{report['nwucla']['seeds']})", "",
        "| test | classes | sequences | chance % | top-1 % | top-3 % |", "|---|---:|---:|---:|---:|---:|",
    ]
    for key in PARTS:
        if key in report:
            p = report[key]
            lines.append(f"| {p['title']} | {len(p['classes'])} | {p['samples']} | {p['chance']:.1f} | "
                         f"{_fmt(p['top1'])} | {_fmt(p['top3'])} |")
    if "mixed" in report:
        lines += ["", f"{report['mixed']['title']}: S = top-1 on the trained classes' held-back sequences, U = on the "
                      "held-out classes' sequences, H their harmonic mean.", "", *mixed_table(report["mixed"])]
    metrics = config.get("metrics", {})
    if "best" in metrics:
        shipped = metrics.get("selected", "best")
        lines += ["", f"Validation (zero-shot among the validation classes; shipped: the {shipped} step's weights): "
                      f"best {json.dumps(metrics['best'])}, last {json.dumps(metrics.get('last'))}"]
    lines += ["", "## Limitations", ""]
    for key in ("nwucla", "heldout"):
        if key in report:
            p = report[key]
            margin = p["top1"]["mean"] - p["chance"]
            verdict = (f"{margin:.1f} points above chance" if margin > p["top1"]["std"] else
                       f"{margin:+.1f} points from chance (std {p['top1']['std']:.1f}): **not above chance by more "
                       "than one standard deviation**; on these never-seen actions the ranking of typed names is "
                       "about as good as a guess")
            weak = [name for name, acc in p["per_class_top1"].items() if acc < p["chance"]]
            lines.append(f"- {p['title']}: top-1 is {verdict}; {len(weak)} of {len(p['classes'])} classes are "
                         f"recognized less often than chance" + (f" ({', '.join(weak)})." if weak else "."))
    if "trained" in report:
        p = report["trained"]
        fewer = (f"; with fewer typed: {_subset_line(p)}" if "subset_top1" in p
                 else "; with fewer names typed the task is easier")
        lines.append(f"- Names it was trained on, typed all at once ({len(p['classes'])} names): top-1 "
                     f"{_fmt(p['top1'])} % on held-back sequences of those actions (chance {p['chance']:.1f} %)"
                     f"{fewer}. These sequences come from the training datasets' own recordings, not a webcam.")
    if "mixed" in report:
        c = report["mixed"]["corrected"]
        lines.append(f"- Trained and new names typed together: trained names are marked down by seen_bias "
                     f"{report['mixed']['seen_bias']:g} (in units of the checkpoint's error_spread) so that new "
                     "ones can win; in the mixed test "
                     f"a held-out action is named right for {_fmt(c['U'])} % of its sequences "
                     f"and a trained one for {_fmt(c['S'])} %.")
    lines += ["- Validation classes are drawn from the pool and usually have a related training class (a hop on "
              "one leg beside a hop on both, jogging beside running); most test actions have none. "
              "Transfer to actions unlike anything in the training pool is the weak point (docs/default-model.md).",
              "- Single-window scoring; the app smooths over time.",
              "", "## How to reproduce", "", "```", RECIPE_COMMANDS.strip(), "```"]
    return "\n".join(lines) + "\n"


def portable_config(config: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint's config without the training machine's paths: the corpora as CORPORA/<file> (the folder of
    `fdsm-prepare` corpora in the recipe's commands) and the run folder as runs/default."""
    training = json.loads(json.dumps(config.get("training", {})))
    recorded = training.get("config", {})
    if "data" in recorded:
        recorded["data"]["corpus"] = [f"CORPORA/{Path(p).name}" for p in recorded["data"].get("corpus", [])]
    if "run" in recorded:
        recorded["run"]["out"] = "runs/default"
    return {**config, **({"training": training} if "training" in config else {})}


def ship(checkpoint_dir: Path, report_file: Path, target: Path, train_note: str) -> Path:
    """Copy a trained checkpoint to `target` with its ONNX export and model card (swapped in at the end)."""
    import shutil

    from fdsm.atomic import atomic_write
    from fdsm.checkpoint import CONFIG, WEIGHTS
    from fdsm.export import export_checkpoint

    report = json.loads(Path(report_file).read_text(encoding="utf-8"))
    staging = target.with_name(f".{target.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copy2(checkpoint_dir / WEIGHTS, staging / WEIGHTS)
    portable = portable_config(json.loads((checkpoint_dir / CONFIG).read_text(encoding="utf-8")))
    atomic_write(staging / CONFIG, lambda tmp: tmp.write_text(json.dumps(portable, indent=2) + "\n", encoding="utf-8"))
    export_checkpoint(staging, staging / "model.onnx")
    config = json.loads((staging / CONFIG).read_text(encoding="utf-8"))
    card = model_card(config, report, (staging / WEIGHTS).stat().st_size, train_note)
    atomic_write(staging / "model_card.md", lambda tmp: tmp.write_text(card, encoding="utf-8"))
    for path in staging.iterdir():
        path.chmod(0o644)  # temp files are created private; shipped assets are world-readable
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="The default model's zero-shot protocol: NW-UCLA (all 10 "
                                "classes unseen) and the pool's held-out classes, plus the trained names on "
                                "held-back sequences; names only, over 3 noise seeds.")
    p.add_argument("--protocol", choices=["default"], default="default", help="the protocol (only: default)")
    p.add_argument("checkpoint", nargs="?", type=Path, default=None,
                   help="checkpoint folder (default: assets/checkpoints/default)")
    p.add_argument("--corpora", type=Path, required=True,
                   help="folder with the fdsm-prepare corpora nwucla.npz and pool.npz")
    p.add_argument("--no-heldout", action="store_true",
                   help="score NW-UCLA only (skip the pool's held-out split and trained names)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="scorer noise seeds")
    p.add_argument("--text-level", choices=LEVELS, help="score the names at this text level instead of the "
                   "checkpoint's (a comparison; labels without a bank match are scored by their name)")
    p.add_argument("--json", type=Path, help="write the full report (with confusion matrices) here")
    p.add_argument("--confusion", type=Path, help="NW-UCLA confusion-matrix PNG (the held-out one gets -heldout)")
    p.add_argument("--report", type=Path, help="write the printed summary (markdown) here")
    return p


def _main(argv: Sequence[str] | None) -> int:
    from fdsm.atomic import atomic_write
    from fdsm.training.metrics import save_confusion_png

    args = _parser().parse_args(argv)
    checkpoint = args.checkpoint or asset_path("checkpoints", "default")
    nwucla, pool = args.corpora / f"{TEST_DATASET}.npz", args.corpora / f"{POOL_BANK}.npz"
    for path in [nwucla] + ([] if args.no_heldout else [pool]):
        if not path.is_file():
            raise FileNotFoundError(f"missing corpus {path} (build it with fdsm-prepare; see docs/default-model.md)")
    report = evaluate(checkpoint, nwucla, None if args.no_heldout else pool, args.seeds, text_level=args.text_level)
    print(format_report(report))
    if args.confusion:
        for key, suffix, name in (("nwucla", "", "NW-UCLA"), ("heldout", "-heldout", "held-out classes")):
            if key in report:
                part = report[key]
                target = args.confusion.with_name(args.confusion.stem + suffix + args.confusion.suffix)
                save_confusion_png(np.asarray(part["confusion"]), part["classes"], target,
                                   f"{name}, names only\nnoise seeds {', '.join(map(str, part['seeds']))}")
                print(f"confusion matrix: {target}")
    if args.json:
        atomic_write(args.json, lambda tmp: tmp.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8"))
    if args.report:
        atomic_write(args.report, lambda tmp: tmp.write_text(format_report(report) + "\n", encoding="utf-8"))
    return 0


def ship_main(argv: Sequence[str] | None = None) -> int:
    """`python -m fdsm.default_model.protocol ship`: install a trained checkpoint as assets/checkpoints/default."""
    from fdsm.cli import run_cli

    def body(args_: Sequence[str] | None) -> int:
        p = argparse.ArgumentParser(prog="fdsm.default_model.protocol ship", description=ship.__doc__)
        p.add_argument("checkpoint", type=Path, help="the trained checkpoint folder (runs/default/checkpoint)")
        p.add_argument("--report", type=Path, required=True, help="its protocol report (fdsm-eval --protocol --json)")
        p.add_argument("--out", type=Path, default=asset_path("checkpoints", "default"), help="target folder")
        p.add_argument("--train-note", default="", help="how long training took, on what machine (for the card)")
        args = p.parse_args(args_)
        print(f"shipped {ship(args.checkpoint, args.report, args.out, args.train_note)}")
        return 0

    return run_cli("fdsm.default_model.protocol ship", body, argv)


def main(argv: Sequence[str] | None = None) -> int:
    """`fdsm-eval --protocol default ...` (the fdsm-eval CLI dispatches here)."""
    from fdsm.cli import run_cli

    return run_cli(PROG, _main, argv)


if __name__ == "__main__":
    _args = sys.argv[1:]
    _commands = {"train": train_main, "ship": ship_main}
    sys.exit(_commands[_args[0]](_args[1:]) if _args[:1] and _args[0] in _commands else main(_args))
