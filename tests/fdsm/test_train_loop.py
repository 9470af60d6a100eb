"""The shared training loop: exact resume after a kill, determinism, data order, schedule, atomic state."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from fdsm.errors import FdsmError
from fdsm.training.loop import DistInfo, LoopSettings, TrainLoop, batch_indices, warmup_cosine

CPU = DistInfo(0, 1, torch.device("cpu"))
X = torch.randn(40, 6, generator=torch.Generator().manual_seed(0))
Y = X @ torch.randn(6, 1, generator=torch.Generator().manual_seed(1))


class Killed(Exception):
    """Stands for SIGKILL: nothing after it runs, nothing is saved."""


def loss_fn(net: nn.Module, rows: np.ndarray, step: int):
    idx = torch.from_numpy(rows)
    noise = 0.1 * torch.randn(len(rows), 1)  # a random draw per step, as the diffusion noise is
    return nn.functional.mse_loss(net(X[idx]) + noise, Y[idx]), {}


def make_loop(path, iterations=30, every=5, ema=0.0):
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 16), nn.Dropout(0.2), nn.Linear(16, 1))
    settings = LoopSettings(iterations, 8, 1e-2, 0.01, 3, every, seed=11, eval_every=every, ema=ema)
    return TrainLoop(model, settings, len(X), path, "test", CPU, {"what": "toy"})


def evaluate_on(loop):
    return lambda: {"score": -float(nn.functional.mse_loss(loop.model(X), Y))}


def test_resume_after_a_kill_ends_with_the_same_weights(tmp_path, monkeypatch):
    ref = make_loop(tmp_path / "ref" / "state.pt")
    ref.run(loss_fn, resume=False, evaluate=evaluate_on(ref), select_key="score", on_best=lambda m: None)

    killed = make_loop(tmp_path / "run" / "state.pt")
    original = TrainLoop.train_step

    def dies_at_17(self, fn, step):
        if step == 17:
            raise Killed
        return original(self, fn, step)

    monkeypatch.setattr(TrainLoop, "train_step", dies_at_17)
    with pytest.raises(Killed):
        killed.run(loss_fn, resume=False, evaluate=evaluate_on(killed), select_key="score", on_best=lambda m: None)
    monkeypatch.setattr(TrainLoop, "train_step", original)
    saved = torch.load(tmp_path / "run" / "state.pt", weights_only=True)
    assert saved["step"] == 15  # at most one checkpoint interval (5 steps) lost

    resumed = make_loop(tmp_path / "run" / "state.pt")
    with pytest.raises(FdsmError, match="pass --resume"):
        resumed.run(loss_fn, resume=False)
    resumed.run(loss_fn, resume=True, evaluate=evaluate_on(resumed), select_key="score", on_best=lambda m: None)
    assert resumed.step == 30
    for a, b in zip(ref.model.state_dict().values(), resumed.model.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert resumed.history == ref.history and resumed.best == ref.best
    assert not list((tmp_path / "run").glob("*.tmp*"))  # atomic writes leave no temporary file


def test_resume_refuses_other_settings_and_corrupt_state(tmp_path):
    loop = make_loop(tmp_path / "state.pt", iterations=5)
    loop.run(loss_fn, resume=False)
    other = make_loop(tmp_path / "state.pt", iterations=9)
    other.identity = "different"
    with pytest.raises(FdsmError, match="different settings"):
        other.run(loss_fn, resume=True)
    (tmp_path / "state.pt").write_bytes(b"garbage")
    with pytest.raises(FdsmError, match="cannot read the training checkpoint"):
        make_loop(tmp_path / "state.pt", iterations=5).run(loss_fn, resume=True)


def test_same_seed_same_weights(tmp_path):
    a, b = make_loop(tmp_path / "a.pt"), make_loop(tmp_path / "b.pt")
    a.run(loss_fn, resume=False)
    b.run(loss_fn, resume=False)
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True))


def test_batch_indices_are_epochs_without_replacement():
    rows = np.concatenate([batch_indices(40, 8, s, seed=1) for s in range(5)])
    assert sorted(rows.tolist()) == list(range(40))  # one epoch = every row once
    assert not np.array_equal(batch_indices(40, 8, 0, 1), batch_indices(40, 8, 5, 1))  # reshuffled per epoch
    assert np.array_equal(batch_indices(40, 8, 7, 1), batch_indices(40, 8, 7, 1))
    assert len(batch_indices(5, 8, 0, 1)) == 8  # a set smaller than the batch is cycled


def test_warmup_then_cosine():
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = warmup_cosine(opt, warmup=4, total=14)
    lrs = []
    for _ in range(14):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert lrs[4] == pytest.approx(1.0) and lrs[9] == pytest.approx(0.5)
    assert lrs[13] == pytest.approx(0.5 * (1 + np.cos(np.pi * 0.9)))


def test_ema_keeps_the_moving_average_of_the_raw_weights_and_resumes_exactly(tmp_path, monkeypatch):
    raw = make_loop(tmp_path / "raw" / "state.pt")
    average = {k: v.clone() for k, v in raw.model.state_dict().items()}
    original = TrainLoop.train_step

    def tracked(self, fn, step):
        logs = original(self, fn, step)
        if self is raw:
            for k, v in self.model.state_dict().items():
                average[k].lerp_(v, 0.1)
        return logs

    monkeypatch.setattr(TrainLoop, "train_step", tracked)
    raw.run(loss_fn, resume=False, evaluate=evaluate_on(raw), select_key="score", on_best=lambda m: None)
    monkeypatch.setattr(TrainLoop, "train_step", original)

    seen = []
    ema = make_loop(tmp_path / "ema" / "state.pt", ema=0.9)
    ema.run(loss_fn, resume=False, evaluate=evaluate_on(ema), select_key="score", on_best=seen.append)
    for k, v in ema.model.state_dict().items():  # the training trajectory is the raw one; the result averages it
        torch.testing.assert_close(v, average[k])
    assert ema.history != raw.history and seen  # validation scored the averaged weights

    def dies_at_12(self, fn, step):
        if step == 12:
            raise Killed
        return original(self, fn, step)

    killed = make_loop(tmp_path / "killed" / "state.pt", ema=0.9)
    monkeypatch.setattr(TrainLoop, "train_step", dies_at_12)
    with pytest.raises(Killed):
        killed.run(loss_fn, resume=False, evaluate=evaluate_on(killed), select_key="score", on_best=lambda m: None)
    monkeypatch.setattr(TrainLoop, "train_step", original)
    resumed = make_loop(tmp_path / "killed" / "state.pt", ema=0.9)
    resumed.run(loss_fn, resume=True, evaluate=evaluate_on(resumed), select_key="score", on_best=lambda m: None)
    for k, v in resumed.model.state_dict().items():
        torch.testing.assert_close(v, ema.model.state_dict()[k], rtol=0, atol=0)
    assert resumed.history == ema.history


def test_ema_decay_must_be_below_one(tmp_path):
    with pytest.raises(FdsmError, match="ema"):
        make_loop(tmp_path / "state.pt", ema=1.0)
