"""Teaching by example (fdsm.examples, fdsm.example_methods) through the public Recognizer, on a tiny random model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fdsm import example_methods as em
from fdsm.checkpoint import load_checkpoint, save_checkpoint
from fdsm.denoiser import Denoiser
from fdsm.examples import EXAMPLE_BIAS, ExampleError, check_example
from fdsm.presets import get_preset
from fdsm.recognizer import Recognizer
from fdsm.skeleton_encoder import SkeletonEncoder
from tests.conftest import standing_pose
from tests.fdsm.test_denoiser import randomize
from tests.fdsm.test_recognizer import FakeTextEncoder, tiny_checkpoint

TYPED = ["wave", "jump up"]


def motion(kind: str, seconds: float = 3.0, fps: float = 30.0, phase: float = 0.0, seed: int = 0) -> np.ndarray:
    """(T, 25, 3) synthetic take: "wave" (right hand overhead, side to side), "squat" (body bobs down) or
    "punch" (right fist at shoulder height thrusts forward), with a little joint noise."""
    n = round(seconds * fps)
    seq = np.repeat(standing_pose()[None], n, axis=0).copy()
    s = np.sin(2 * np.pi * np.arange(n) / fps + phase)
    if kind == "wave":
        seq[:, [10, 11, 23, 24], 1] = 1.75
        seq[:, [10, 11, 23, 24], 0] = (-0.3 + 0.15 * s)[:, None]
    elif kind == "squat":
        upper = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 20, 21, 22, 23, 24]
        seq[:, upper, 1] -= (0.2 * (1 + s))[:, None]
    else:
        seq[:, [10, 11, 23, 24], 1] = 1.4
        seq[:, [10, 11, 23, 24], 2] += (0.3 * (1 + s))[:, None]
    return (seq + np.random.default_rng(seed).normal(0, 0.004, seq.shape)).astype(np.float32)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("teach") / "ck", encoder_scale=0.5)


def recognizer(path, method: str = "prototype", backend: str = "torch") -> Recognizer:
    ck = load_checkpoint(path)
    rec = Recognizer(ck, FakeTextEncoder(ck.cfg.text_dim, ck.cfg.text_tokens), backend=backend)
    rec.teacher.set_method(method)
    rec.set_labels(TYPED)
    return rec


@pytest.mark.parametrize("bad, fps, reason", [
    (motion("wave", seconds=0.4), 30.0, "at least 0.5 s"),
    (np.full((30, 25, 3), np.nan, np.float32), 30.0, "no person in most"),
    (np.where(np.arange(45)[:, None, None] % 2 == 0, np.nan, motion("wave", 1.5)), 30.0, "no person in most"),
    (np.where(np.arange(25)[None, :, None] == 7, np.nan, motion("wave")), 30.0, "NaN joints"),
    (np.where(np.arange(25)[None, :, None] == 7, np.inf, motion("wave")), 30.0, "infinite"),
    (motion("wave"), 0.0, "fps"),
    (np.zeros((30, 17, 3), np.float32), 30.0, "bad example"),
])
def test_bad_examples_are_refused_with_one_line_and_nothing_saved(checkpoint, bad, fps, reason):
    rec = recognizer(checkpoint)
    with pytest.raises(ExampleError, match=reason) as err:
        rec.add_example("pick up", bad, fps)
    assert "\n" not in str(err.value)
    assert rec.examples() == {} and rec.labels == TYPED


def test_a_few_missing_joints_are_tolerated():
    take = motion("wave")
    take[3, 7] = np.nan  # one flicker of one joint, as the live tracker reports it
    assert check_example(take, 30.0).shape == (90, 1, 25, 3)


def test_an_example_whose_person_leaves_keeps_the_crops_with_them(checkpoint):
    take = motion("squat", seconds=4.0)
    take[66:] = np.nan  # the person walks out after 2.2 s
    rec = recognizer(checkpoint)
    assert rec.add_example("squat", take, 30.0) == 1
    assert len(rec.teacher.fits["squat"][0]) == 5  # of the 9 crops (every 8 frames), those starting at <= 32


def test_empty_label_is_refused(checkpoint):
    rec = recognizer(checkpoint)
    with pytest.raises(ExampleError, match="needs a name"):
        rec.add_example("  ", motion("wave"), 30.0)


def test_teaching_adds_the_label_counts_and_removes(checkpoint):
    rec = recognizer(checkpoint)
    assert rec.add_example(" squat ", motion("squat"), 30.0) == 1
    assert rec.add_example("squat", motion("squat", phase=1.0), 30.0) == 2  # an existing label: added to it
    assert rec.labels == [*TYPED, "squat"] and rec.examples() == {"squat": 2}
    res = rec.recognize(motion("squat", phase=0.5))
    assert res.taught == {"squat": 2} and sum(res.scores.values()) == pytest.approx(1.0, abs=1e-5)
    rec.remove_example("squat", 0)
    assert rec.examples() == {"squat": 1}
    with pytest.raises(ExampleError, match="no example 3"):
        rec.remove_example("squat", 3)
    rec.remove_example("squat", 0)
    assert rec.examples() == {} and rec.recognize(motion("squat")).taught == {}


def test_a_taught_label_wins_on_held_out_takes_of_its_action(checkpoint):
    """The default method on distinct synthetic actions (inversion needs a trained denoiser to separate them)."""
    rec = recognizer(checkpoint)
    rec.set_labels(["first", "second", "third"])
    for seed in (1, 2):
        rec.add_example("first", motion("squat", seed=seed, phase=seed), 30.0)
        rec.add_example("second", motion("punch", seed=seed, phase=seed), 30.0)
        rec.add_example("third", motion("wave", seed=seed, phase=seed), 30.0)
    for seed in (5, 6, 7):
        for kind, label in (("squat", "first"), ("punch", "second"), ("wave", "third")):
            assert rec.recognize(motion(kind, 2.0, seed=seed, phase=0.3 * seed)).top == label


@pytest.mark.parametrize("method", em.METHODS)
def test_taught_and_typed_backends_agree(checkpoint, method):
    take = motion("punch", 2.0, seed=9)
    errors = []
    for backend in ("onnx", "torch"):
        rec = recognizer(checkpoint, method, backend)
        rec.add_example("punch", motion("punch"), 30.0)
        errors.append(rec.recognize(take).errors)
    for label in [*TYPED, "punch"]:
        assert errors[0][label] == pytest.approx(errors[1][label], abs=1e-4)


def test_inverted_labels_carry_their_own_offset(checkpoint):
    rec = recognizer(checkpoint, "inversion")
    rec.add_example("punch", motion("punch"), 30.0)
    assert rec._offsets[-1] == pytest.approx(EXAMPLE_BIAS * rec.cfg.error_spread)


def test_inversion_lowers_the_error_on_its_examples(checkpoint):
    rec = recognizer(checkpoint, "inversion")
    before = rec.recognize(motion("punch")).errors["wave"]
    rec.add_example("wave", motion("punch"), 30.0)  # teach "wave" by a punch: the fit must follow the examples
    assert rec.recognize(motion("punch")).errors["wave"] < before


def test_fitting_labels_together_equals_one_by_one(checkpoint):
    rec = recognizer(checkpoint, "inversion")
    feats = [torch.randn(3, rec.cfg.feature_dim, generator=torch.Generator().manual_seed(k)) for k in range(2)]
    pooled, tokens, mask = rec.teacher.encode_text(["a b", "c d e"])
    together = em.fit_texts(rec.scorer, feats, pooled, tokens, mask, steps=5)
    for k in range(2):
        alone = em.fit_texts(rec.scorer, feats[k:k + 1], pooled[k:k + 1], tokens[k:k + 1], mask[k:k + 1], steps=5)[0]
        np.testing.assert_allclose(together[k].pooled, alone.pooled, atol=1e-5)
        np.testing.assert_allclose(together[k].tokens, alone.tokens, atol=1e-5)


@pytest.mark.parametrize("method", em.METHODS)
def test_examples_file_round_trip(checkpoint, tmp_path, method):
    rec = recognizer(checkpoint, method)
    rec.add_example("squat", motion("squat"), 30.0)
    rec.add_example("punch", motion("punch"), 25.0)
    rec.save_examples(tmp_path / "ex.npz")
    take = motion("squat", 2.0, seed=4)
    other = recognizer(checkpoint, method)
    assert other.load_examples(tmp_path / "ex.npz") is False  # same checkpoint and method: no refit
    assert other.examples() == {"squat": 1, "punch": 1} and other.labels == [*TYPED, "squat", "punch"]
    a, b = rec.recognize(take).errors, other.recognize(take).errors
    assert a == pytest.approx(b, abs=1e-5)


def test_examples_from_another_checkpoint_are_refitted(checkpoint, tmp_path):
    cfg = get_preset("tiny", text_stream="cached", temperature=0.05)
    other_ck = tmp_path / "other"
    save_checkpoint(other_ck, cfg, {"encoder": randomize(SkeletonEncoder(cfg), 3, 0.5),
                                    "denoiser": randomize(Denoiser(cfg), 4, 0.05)}, {"text_encoder": "fake"})
    rec = recognizer(other_ck)
    rec.add_example("squat", motion("squat"), 30.0)
    rec.save_examples(tmp_path / "ex.npz")
    mine = recognizer(checkpoint)
    assert mine.load_examples(tmp_path / "ex.npz") is True
    fresh = recognizer(checkpoint)
    fresh.add_example("squat", motion("squat"), 30.0)
    take = motion("squat", 2.0, seed=3)
    assert mine.recognize(take).errors == pytest.approx(fresh.recognize(take).errors, abs=1e-5)


@pytest.mark.parametrize("content", [b"not a zip at all", b""])
def test_corrupt_file_is_one_line_and_keeps_the_examples(checkpoint, tmp_path, content):
    rec = recognizer(checkpoint)
    rec.add_example("squat", motion("squat"), 30.0)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(content)
    with pytest.raises(ExampleError, match="not a readable examples file") as err:
        rec.load_examples(bad)
    assert "\n" not in str(err.value) and rec.examples() == {"squat": 1}


def test_foreign_npz_is_refused(checkpoint, tmp_path):
    np.savez(tmp_path / "foreign.npz", x=np.zeros(3))
    with pytest.raises(ExampleError, match="not a readable examples file"):
        recognizer(checkpoint).load_examples(tmp_path / "foreign.npz")
    with pytest.raises(ExampleError, match="no such examples file"):
        recognizer(checkpoint).load_examples(tmp_path / "missing.npz")


@pytest.mark.needs_data
def test_fewshot_bench_on_real_utdmhad_takes(shared_data, capsys):
    """The benchmark end to end on the real data (one draw, the default method), over the UTD-MHAD classes the
    shipped checkpoint did not train on: well above chance (at most 10 ways: >= 10 %)."""
    import json

    from fdsm.bench_fewshot import main

    assert main(["--utdmhad", str(shared_data / "utdmhad"), "--methods", "prototype", "--draws", "1",
                 "--shots", "1", "--repeats", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["methods"]["prototype"]
    (top1,) = out["fewshot"].values()
    assert top1["1-shot"]["mean"] > 30.0
    assert set(out["mixed"]["1-shot"]) == {"typed", "taught"} and out["costs"]["add_example_s"] > 0
