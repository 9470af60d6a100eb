"""The rich -> sparse text curriculum."""

from __future__ import annotations

import pytest
import torch

from fdsm import curriculum
from fdsm.curriculum import Curriculum, p_rich
from fdsm.errors import FdsmError


def test_p_rich_is_a_half_cosine_from_one_to_zero():
    assert p_rich(0, 1000) == 1.0
    assert p_rich(500, 1000) == pytest.approx(0.5)
    assert p_rich(1000, 1000) == pytest.approx(0.0)
    assert p_rich(2000, 1000) == pytest.approx(0.0)  # clamped past the end
    values = [p_rich(s, 100) for s in range(101)]
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))


def test_per_sample_draws_follow_p_rich():
    cur = Curriculum("kinematics", "name")
    g = torch.Generator().manual_seed(0)
    frac = cur.choose_rich(250, 1000, 20000, g).float().mean().item()
    assert frac == pytest.approx(p_rich(250, 1000), abs=0.02)
    assert cur.choose_rich(0, 1000, 50, g).all() and not cur.choose_rich(1000, 1000, 50, g).any()


def test_one_definition_of_the_text_levels():
    """The levels are defined once, by the prompt banks; the curriculum and the training config reuse them."""
    from fdsm.text.prompts import LEVELS
    from fdsm.training import config

    assert curriculum.LEVELS is LEVELS and config.LEVELS is LEVELS
    assert not hasattr(Curriculum(), "levels")


def test_disabled_curriculum_always_uses_sparse_and_bad_levels_are_errors():
    assert not Curriculum("definition", "kinematics", enabled=False).choose_rich(0, 10, 100).any()
    with pytest.raises(FdsmError, match="unknown text level"):
        Curriculum("poem", "name")
