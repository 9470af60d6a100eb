"""fdsm-eval's mixed-label (generalized zero-shot) metric ranks as the Recognizer ranks, over the classes the
denoiser was trained on and the unseen ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fdsm.checkpoint import load_checkpoint, save_checkpoint
from fdsm.denoiser import Denoiser
from fdsm.presets import get_preset
from fdsm.skeleton_encoder import SkeletonEncoder
from fdsm.splits import Split
from fdsm.training import evaluation
from fdsm.training.evaluation import evaluate_one
from fdsm.training.texts import LevelTexts

SPLIT = Split("toy-4-2", "toy", 6, (4, 5), (0, 1, 2, 3))
TRAIN, VAL = [0, 1, 2], [3]


def fake_errors(denoiser, cfg, features, pooled, tokens, mask, desc=None):
    """Errors from a table: a feature row is (true class, the class it is confused with); a label's class is the
    first value of its pooled text. Own class 1.0, the confused class 0.9 (wins without a seen-name offset)."""
    classes = pooled[:, 0].round().long().numpy()
    err = np.full((len(features), len(classes)), 3.0, np.float32)
    for i, (true, confused) in enumerate(np.asarray(features)[:, :2].round().astype(int)):
        err[i, classes == true] = 1.0
        err[i, classes == confused] = 0.9
    return err


@pytest.fixture
def checkpoint(tmp_path):
    cfg = get_preset("tiny", seen_bias=0.5, error_spread=1.0)
    save_checkpoint(tmp_path / "ck", cfg, {"encoder": SkeletonEncoder(cfg), "denoiser": Denoiser(cfg)},
                    {"text_encoder": "fake", "training": {"train_classes": TRAIN, "val_classes": VAL}})
    return load_checkpoint(tmp_path / "ck")


def features(rows):
    x = np.zeros((len(rows), 32), np.float32)
    x[:, :2] = rows
    return x


def test_gzsl_applies_the_seen_bias_and_leaves_validation_classes_out(checkpoint, monkeypatch):
    monkeypatch.setattr(evaluation, "label_errors", fake_errors)
    pooled = torch.zeros(3, 6, 4)
    pooled[:, :, 0] = torch.arange(6)
    texts = LevelTexts([f"c{i}" for i in range(6)], pooled, torch.zeros(3, 6, 2, 4), torch.ones(3, 6, 2, dtype=bool))
    # unseen windows: each confused with a trained class, which the seen-name offset (0.5) pushes behind
    unseen = features([[4, 0], [5, 1]]), np.array([4, 5])
    # seen windows: trained classes (no confusion) and one of the validation class the denoiser never trained on
    seen = features([[0, -1], [2, -1], [3, 4]]), np.array([0, 2, 3])
    result = evaluate_one(checkpoint, texts, "name", SPLIT, evaluation.TestSet(unseen, seen), noise_seed=1)
    assert result["zsl_top1"] == 1.0
    assert result["gzsl_unseen"] == 1.0  # old code: 0 (no offset: the trained class's 0.9 beat the unseen 1.0)
    assert result["gzsl_seen"] == 1.0  # old code: 2/3 (the validation window counted as seen, and missed)
    assert result["gzsl_h"] == 1.0
    offsets = checkpoint.stack(np.zeros((1, 3), np.float32), np.array([True, False, True]))
    assert offsets.tolist() == [[0.5, 0.0, 0.5]]  # the Recognizer's stacking: seen_bias x error_spread


def test_eval_on_a_corpus_refuses_a_checkpoint_whose_encoder_was_never_trained(tmp_path, capsys):
    from fdsm import evaluate

    cfg = get_preset("tiny")
    save_checkpoint(tmp_path / "ck", cfg, {"encoder": SkeletonEncoder(cfg), "denoiser": Denoiser(cfg)},
                    {"text_encoder": "fake", "encoder_trained": False})
    code = evaluate.main([str(tmp_path / "ck"), "--corpus", str(tmp_path / "pool.npz"), "--split", "ntu60-55-5"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "never trained" in err and len(err.splitlines()) == 1
