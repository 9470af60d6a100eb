"""The training loop every stage shares: AdamW + warm-up cosine schedule, progress bar, periodic atomic
checkpoints, exact `--resume`, validation-based model selection and DistributedDataParallel.

Determinism and resume: the data order and every random draw of step `s` are derived from
`(seed, s)` alone (`batch_indices` and `step_seed`), so the training state is fully described by the
step number plus the model, optimizer and scheduler states. A run resumed from the checkpoint at step
`s` therefore replays exactly what an uninterrupted run does after `s`: a kill loses at most one
checkpoint interval. Under `torchrun` (WORLD_SIZE > 1) every rank draws the same global batch and
keeps its own slice, so the result does not depend on the number of processes beyond float rounding.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from fdsm.atomic import atomic_write
from fdsm.errors import FdsmError

LossFn = Callable[[nn.Module, np.ndarray, int], tuple[torch.Tensor, dict[str, float]]]
EvalFn = Callable[[], dict[str, float]]


@dataclass(frozen=True)
class DistInfo:
    """Where this process sits in a (possibly single-process) run."""

    rank: int
    world: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_distributed(device: str = "auto") -> DistInfo:
    """Read torchrun's environment; start the process group (NCCL on GPUs, gloo on CPU) when WORLD_SIZE > 1."""
    if device == "cuda" and not torch.cuda.is_available():
        raise FdsmError("device=cuda was asked for but torch sees no CUDA GPU")
    use_cuda = device == "cuda" or (device == "auto" and torch.cuda.is_available())
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group("nccl" if use_cuda else "gloo")
    if use_cuda:
        torch.cuda.set_device(local)
    return DistInfo(rank, world, torch.device(f"cuda:{local}" if use_cuda else "cpu"))


def step_seed(seed: int, step: int) -> int:
    """The torch seed of one training step (fixed by the run seed and the step number only)."""
    return (seed * 1_000_003 + step * 7919 + 12345) % (2**63 - 1)


def batch_indices(n: int, batch: int, step: int, seed: int) -> np.ndarray:
    """Rows of step `step`: epochs are seeded permutations without replacement, the last partial batch dropped."""
    if n <= 0:
        raise FdsmError("the training set is empty")
    per_epoch = max(1, n // batch)
    epoch, pos = divmod(step, per_epoch)
    perm = np.random.default_rng([seed, epoch]).permutation(n)
    if n < batch:
        return np.resize(perm, batch)
    return perm[pos * batch: (pos + 1) * batch]


def warmup_cosine(optimizer: torch.optim.Optimizer, warmup: int, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over `warmup` steps, then a half cosine from the base rate to 0 at `total`."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def fingerprint(settings: dict[str, Any]) -> str:
    """Short hash of the settings that must not change across a resume."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class LoopSettings:
    """Optimization numbers of one stage."""

    iterations: int
    batch_size: int
    lr: float
    weight_decay: float
    warmup: int
    checkpoint_every: int
    seed: int
    eval_every: int = 0  # 0 = evaluate only at the end
    ema: float = 0.0  # > 0: evaluate, select and keep an exponential moving average of the weights (decay)


class TrainLoop:
    """Runs `loss_fn(model, rows, step)` for `iterations` steps with checkpoints, resume and selection.

    `rows` are this rank's dataset indices for the step. `evaluate()` returns validation metrics; the
    loop keeps their history and calls `on_best(metrics)` when `select_key` improves (ties keep the
    earlier step). The checkpoint file is `state_path` (model, optimizer, scheduler, step, history).
    """

    def __init__(self, model: nn.Module, settings: LoopSettings, num_rows: int, state_path: Path, desc: str,
                 dist: DistInfo, identity: dict[str, Any]) -> None:
        if settings.iterations < 1 or settings.batch_size < 1 or settings.checkpoint_every < 1:
            raise FdsmError("iterations, batch_size and checkpoint_every must be >= 1")
        if not 0.0 <= settings.ema < 1.0:
            raise FdsmError(f"ema must be in [0, 1), got {settings.ema}")
        if settings.batch_size % dist.world:
            raise FdsmError(f"batch_size {settings.batch_size} is not divisible by the {dist.world} processes")
        self.model = model.to(dist.device)
        # The last block's text-stream output is never read, so some parameters get no gradient.
        ids = [dist.device.index] if dist.device.index is not None else None
        self.wrapped: nn.Module = (
            nn.parallel.DistributedDataParallel(self.model, device_ids=ids, find_unused_parameters=True)
            if dist.world > 1 else self.model
        )
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
        self.scheduler = warmup_cosine(self.optimizer, settings.warmup, settings.iterations)
        self.s = settings
        self.num_rows = num_rows
        self.state_path = state_path
        self.desc = desc
        self.dist = dist
        self.identity = fingerprint(identity)
        self.step = 0
        self.history: list[dict[str, float]] = []
        self.best: dict[str, float] | None = None
        self.ema = {k: v.detach().clone() for k, v in self.model.state_dict().items()} if settings.ema > 0 else None

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {"step": self.step, "identity": self.identity, "model": self.model.state_dict(),
                "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                "history": self.history, "best": self.best, "ema": self.ema}

    def save_state(self) -> None:
        if self.dist.is_main:
            atomic_write(self.state_path, lambda tmp: torch.save(self.state_dict(), tmp))

    def load_state(self) -> None:
        try:
            state = torch.load(self.state_path, map_location=self.dist.device, weights_only=True)
        except Exception as exc:  # a truncated or foreign file: say which, never unpickle arbitrary objects
            raise FdsmError(f"{self.state_path}: cannot read the training checkpoint ({exc})") from exc
        if state.get("identity") != self.identity:
            raise FdsmError(f"{self.state_path}: it was written with different settings or data; "
                            "resume with the same config, or choose another --out")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step = int(state["step"])
        self.history = list(state["history"])
        self.best = state["best"]
        self.ema = state.get("ema")

    # -- running -------------------------------------------------------------------------------------
    def train_step(self, loss_fn: LossFn, step: int) -> dict[str, float]:
        """One optimizer step on this rank's slice of the global batch of `step`."""
        torch.manual_seed(step_seed(self.s.seed, step))
        rows = batch_indices(self.num_rows, self.s.batch_size, step, self.s.seed)[self.dist.rank::self.dist.world]
        loss, logs = loss_fn(self.wrapped, rows, step)
        if not torch.isfinite(loss):
            raise FdsmError(f"{self.desc}: the loss became {loss.item()} at step {step}; lower the learning rate")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        if self.ema is not None:
            with torch.no_grad():
                for k, v in self.model.state_dict().items():
                    if v.is_floating_point():
                        self.ema[k].lerp_(v, 1.0 - self.s.ema)
                    else:
                        self.ema[k].copy_(v)
        return {"loss": float(loss.detach()), **logs}

    def _evaluate(self, evaluate: EvalFn, select_key: str, on_best: Callable[[dict[str, float]], None]) -> None:
        raw = None
        if self.ema is not None:  # evaluate (and let on_best save) the averaged weights, then train on
            raw = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            self.model.load_state_dict(self.ema)
        self.model.eval()
        with torch.no_grad():
            metrics = {"step": float(self.step), **evaluate()}
        self.model.train()
        self.history.append(metrics)
        if self.best is None or metrics[select_key] > self.best[select_key]:
            self.best = metrics
            if self.dist.is_main:
                on_best(metrics)
        if raw is not None:
            self.model.load_state_dict(raw)

    def run(self, loss_fn: LossFn, resume: bool, evaluate: EvalFn | None = None, select_key: str = "",
            on_best: Callable[[dict[str, float]], None] | None = None) -> None:
        """Train to `iterations` (from the checkpoint when `resume`), evaluating every `eval_every` steps."""
        if self.state_path.exists():
            if not resume:
                raise FdsmError(f"{self.state_path} exists: pass --resume to continue it, or choose another --out")
            self.load_state()
        self.model.train()
        bar = tqdm(total=self.s.iterations, initial=self.step, desc=self.desc, unit="step", dynamic_ncols=True,
                   disable=not self.dist.is_main)
        smooth, started, first = None, time.perf_counter(), self.step
        while self.step < self.s.iterations:
            logs = self.train_step(loss_fn, self.step)
            self.step += 1
            smooth = logs["loss"] if smooth is None else 0.95 * smooth + 0.05 * logs["loss"]
            rate = (self.step - first) * self.s.batch_size / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(loss=f"{smooth:.4f}", lr=f"{self.scheduler.get_last_lr()[0]:.2e}",
                            samples_s=f"{rate:.0f}", refresh=False)
            bar.update(1)
            done = self.step == self.s.iterations
            if evaluate is not None and on_best is not None and (
                    done or (self.s.eval_every and self.step % self.s.eval_every == 0)):
                self._evaluate(evaluate, select_key, on_best)
            if done or self.step % self.s.checkpoint_every == 0:
                self.save_state()
        bar.close()
        if self.ema is not None:
            self.model.load_state_dict(self.ema)
