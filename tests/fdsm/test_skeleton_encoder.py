"""The skeleton encoder's pre-training heads: a free linear head, or cosines to fixed class-text prototypes."""

from __future__ import annotations

import pytest
import torch

from fdsm.presets import get_preset
from fdsm.skeleton_encoder import SkeletonEncoder


@pytest.fixture(scope="module")
def window():
    cfg = get_preset("tiny")
    return cfg, torch.randn(4, cfg.window_frames, 2, 25, 3, generator=torch.Generator().manual_seed(0))


def test_linear_head_gives_one_logit_per_class(window):
    cfg, x = window
    assert SkeletonEncoder(cfg).classifier(7)(x).shape == (4, 7)


def test_text_head_logits_are_scaled_cosines_to_the_class_texts(window):
    cfg, x = window
    torch.manual_seed(0)
    texts = torch.randn(5, 16)
    texts[3] = 2.5 * texts[1]  # same direction: the same class prototype after normalization
    model = SkeletonEncoder(cfg).classifier(5, prototypes=texts).eval()
    logits = model(x)
    z = torch.nn.functional.normalize(model.head(model.encoder(x)), dim=-1)
    want = z @ torch.nn.functional.normalize(texts, dim=-1).T / 0.07  # the initial temperature
    torch.testing.assert_close(logits, want, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(logits[:, 3], logits[:, 1])
    assert logits.abs().max() <= 1 / 0.07 + 1e-3
    with pytest.raises(ValueError, match="prototypes for 4 classes"):
        SkeletonEncoder(cfg).classifier(4, prototypes=texts)
