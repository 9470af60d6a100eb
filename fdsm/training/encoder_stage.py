"""Stage 1: pre-train the skeleton encoder by cross-entropy on the SEEN classes of a corpus.

It plays the part of the paper's per-split Shift-GCN: it never sees an unseen-class sequence (nor,
with `train_on_val = false`, a validation-class one, so that validation measures zero-shot transfer of
the whole model, as the tests do). Model
selection uses classification accuracy on the held-out share of seen-class sequences. The chosen
weights go to `<out>/encoder/encoder.safetensors`; the feature stage and the final checkpoint read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from fdsm.atomic import atomic_write
from fdsm.data.corpus import Corpus
from fdsm.errors import FdsmError
from fdsm.presets import ModelConfig
from fdsm.skeleton_encoder import SkeletonEncoder
from fdsm.training.loop import DistInfo, LoopSettings, TrainLoop
from fdsm.training.parts import ClassParts, held_out, sequence_names
from fdsm.training.windows import centre_window, find_augment, window_batch

WEIGHTS = "encoder.safetensors"


def save_encoder(encoder: SkeletonEncoder, path: Path) -> Path:
    """The encoder's state dict as safetensors, atomically."""
    state = {k: v.detach().cpu().contiguous() for k, v in encoder.state_dict().items()}
    return atomic_write(path, lambda tmp: save_file(state, str(tmp)))


def load_encoder(model_cfg: ModelConfig, path: Path) -> SkeletonEncoder:
    """A SkeletonEncoder with the weights saved by this stage."""
    if not path.is_file():
        raise FdsmError(f"no encoder weights at {path}: run the encoder stage first (--stage encoder)")
    encoder = SkeletonEncoder(model_cfg)
    try:
        encoder.load_state_dict(load_file(str(path)))
    except (RuntimeError, OSError) as exc:
        raise FdsmError(f"{path}: does not fit this model config ({str(exc).splitlines()[0]})") from exc
    return encoder.eval()


def train_encoder(corpus: Corpus, parts: ClassParts, model_cfg: ModelConfig, settings: dict[str, Any],
                  seed: int, seen_test_fraction: float, out: Path, resume: bool, dist: DistInfo,
                  class_texts: torch.Tensor | None = None) -> Path:
    """Train, select on held-out seen sequences, and write the encoder weights; returns their path.

    `class_texts` (all classes, D): text embeddings for the text-prototype head (`text_head`), else None.
    """
    labels = np.asarray(corpus.labels)
    seen = list(parts.seen if settings["train_on_val"] else parts.train)
    position = {c: i for i, c in enumerate(seen)}
    test = held_out(sequence_names(corpus), seen_test_fraction)
    is_seen = np.isin(labels, seen)
    train_rows = np.flatnonzero(is_seen & ~test)
    val_rows = np.flatnonzero(is_seen & test)
    if len(train_rows) == 0:
        raise FdsmError("the corpus has no training sequence of a seen class")
    train_seqs = [corpus.sequences[i] for i in train_rows]
    train_y = torch.tensor([position[int(labels[i])] for i in train_rows])
    augment = find_augment(settings["camera_noise"]) if settings["augment"] else None

    torch.manual_seed(seed)  # the initial weights, too, follow from the seed
    encoder = SkeletonEncoder(model_cfg)
    model = encoder.classifier(len(seen), prototypes=None if class_texts is None else class_texts[seen])
    loop_settings = LoopSettings(settings["iterations"], settings["batch_size"], settings["lr"],
                                 settings["weight_decay"], settings["warmup"], settings["checkpoint_every"], seed,
                                 eval_every=settings["checkpoint_every"])
    identity = {"stage": "encoder", "settings": settings, "model": model_cfg.to_dict(), "seed": seed,
                "rows": len(train_rows), "seen": seen}
    stage_dir = out / "encoder"
    loop = TrainLoop(model, loop_settings, len(train_rows), stage_dir / "state.pt", "encoder", dist, identity)
    device = dist.device

    def loss_fn(net: torch.nn.Module, rows: np.ndarray, step: int) -> tuple[torch.Tensor, dict[str, float]]:
        x = torch.from_numpy(window_batch(train_seqs, rows, model_cfg, seed, step, augment)).to(device)
        logits = net(x)
        loss = F.cross_entropy(logits, train_y[rows].to(device), label_smoothing=settings["label_smoothing"])
        return loss, {}

    best_path = stage_dir / "best.safetensors"
    evaluate = on_best = None
    if len(val_rows):
        val_x = torch.from_numpy(np.stack([centre_window(corpus.sequences[i], model_cfg) for i in val_rows]))
        val_y = torch.tensor([position[int(labels[i])] for i in val_rows])

        def evaluate() -> dict[str, float]:
            pred = torch.cat([model(val_x[i:i + 256].to(device)).argmax(1).cpu() for i in range(0, len(val_x), 256)])
            return {"val_acc": float((pred == val_y).float().mean())}

        def on_best(_: dict[str, float]) -> None:
            save_encoder(encoder, best_path)

    loop.run(loss_fn, resume, evaluate, "val_acc", on_best)
    final = stage_dir / WEIGHTS
    if dist.is_main:
        if best_path.is_file():
            atomic_write(final, lambda tmp: tmp.write_bytes(best_path.read_bytes()))
        else:
            save_encoder(encoder, final)
    return final
