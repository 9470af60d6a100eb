"""Kinematic captions: on synthetic motions with known kinematics the caption states what was generated."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.captions import caption, class_kinematics, describe, peaks, sentence
from fdsm.default_model.synth import ARM_REST, MOTIONS, generate, march, random_body, render, rest, squat
from fdsm.skeleton import rotation_y

FPS = 30.0
TO_HEAD = (135.0, 45.0, 110.0, 165.0)  # upper-arm raise, swing; forearm raise, swing (fdsm.default_model.synth)
TO_CHEST = (20.0, 90.0, 110.0, 120.0)
FORWARD = (90.0, 90.0, 90.0, 90.0)  # the straight arm level in front
SIDEWAYS = (90.0, 0.0, 90.0, 0.0)  # the straight arm level out to the side


def body() -> dict[str, float]:
    return random_body(np.random.default_rng(0))


def place(skel: np.ndarray, yaw: float = 1.0, shift: tuple[float, float, float] = (2.0, 0.0, -1.0)) -> np.ndarray:
    """Turn about the vertical and move the body: the caption is in the body's frame, not the camera's."""
    return (skel @ rotation_y(yaw).T + np.array(shift, np.float32)).astype(np.float32)


def raise_arm(end: tuple[float, ...], cycles: int, side: str = "right", seconds: float = 3.0) -> np.ndarray:
    """The arm goes from rest to `end` and back `cycles` times (raised cosine), the rest of the body still."""
    t = int(seconds * FPS)
    c = 0.5 - 0.5 * np.cos(np.linspace(0, 2 * np.pi * cycles, t))
    a = rest(t)
    a[f"{side}_arm"] = np.stack([s + (e - s) * c for s, e in zip(ARM_REST, end, strict=True)], -1)
    return render(body(), a)


def wave(cycles: int, seconds: float = 3.0) -> np.ndarray:
    """The right hand held up and waved side to side `cycles` times (forearm swinging about the elbow)."""
    t = int(seconds * FPS)
    p = np.linspace(0, 2 * np.pi * cycles, t)
    a = rest(t)
    a["right_arm"] = np.stack([np.full(t, 140.0), np.full(t, 30.0), 155 + 25 * np.sin(p), np.full(t, 20.0)], -1)
    return render(body(), a)


def program(motion, cycles: float, seconds: float = 3.0) -> np.ndarray:
    """A synth motion program run for a known number of cycles."""
    t = int(seconds * FPS)
    return render(body(), motion(np.linspace(0, 2 * np.pi * cycles, t), 1.0, rest(t)))


def test_hand_height_is_named_by_body_landmarks():
    head = caption(place(raise_arm(TO_HEAD, 1)))
    assert "the right hand rises forward from the hip to the head and back down" in head
    chest = caption(place(raise_arm(TO_CHEST, 1)))
    assert "the right hand rises forward from the hip to the chest and back down" in chest
    assert "to the head" not in chest


def test_direction_is_relative_to_the_body_not_the_camera():
    for yaw in (0.0, 1.0, 2.5, -2.0):
        front, side = caption(place(raise_arm(FORWARD, 1), yaw)), caption(place(raise_arm(SIDEWAYS, 1), yaw))
        assert "the right hand rises forward from the hip to the shoulders" in front
        assert "the right hand rises sideways from the hip to the shoulders" in side
    left = caption(place(raise_arm(SIDEWAYS, 1, side="left")))
    assert "the left hand rises sideways" in left and "right hand" not in left


def test_caption_is_the_same_wherever_the_body_stands_and_faces():
    skel = raise_arm(TO_HEAD, 2)
    assert caption(place(skel, 0.0, (0, 0, 0))) == caption(place(skel, 2.0, (-3.0, 0.0, 4.0)))


@pytest.mark.parametrize(("cycles", "word"), [(2, "twice"), (3, "three times")])
def test_repetitions_are_counted(cycles, word):
    waving = caption(place(wave(cycles)))
    assert f"the right hand moves from side to side at the head, {word}" in waving
    raising = caption(place(raise_arm(TO_HEAD, cycles)))
    assert f"to the head and back down, {word}" in raising


def test_a_single_movement_has_no_count():
    text = caption(place(raise_arm(TO_CHEST, 1)))
    assert "twice" not in text and "times" not in text


def test_two_persons_are_both_described():
    waver, raiser = place(wave(2), 0.0, (-0.8, 0, 0)), place(raise_arm(TO_HEAD, 1, side="left"), np.pi, (0.8, 0, 0))
    text = caption(np.stack([waver, raiser], axis=1))
    first, second = text.split("the second person: ")
    assert first.startswith("the first person: ") and "the right hand moves from side to side" in first
    assert "the left hand rises" in second and "right hand" not in second


def test_an_absent_second_body_leaves_a_one_person_caption():
    one = place(wave(2))
    both = np.stack([one, np.full_like(one, np.nan)], axis=1)
    assert caption(both) == caption(one) and "person" not in caption(both)


def test_walking_translates_the_body_in_its_own_frame():
    t = int(3 * FPS)
    skel = program(march, 4)
    forward = np.stack([np.zeros(t), np.zeros(t), np.linspace(0.0, 3.0, t)], -1)[:, None].astype(np.float32)
    for yaw in (0.0, 2.0):
        ahead = caption(place(skel + forward, yaw))
        assert "the whole body moves forward" in ahead and "the feet step in turn" in ahead
        assert "the whole body moves backward" in caption(place(skel - forward, yaw))
        assert "the whole body moves to its left" in caption(place(skel + forward[..., [2, 1, 0]], yaw))
    assert "the whole body moves" not in caption(place(skel))  # marching in place


def test_squat_and_sitting_down_are_posture_changes():
    squatting = caption(place(program(squat, 2)))
    assert "the body goes from standing to crouching and back, twice" in squatting
    assert "the hips lower and rise again, twice" in squatting
    assert caption(place(raise_arm(TO_HEAD, 1))).startswith("the body stands")
    t = int(3 * FPS)
    bend = np.clip(np.linspace(-0.5, 1.5, t), 0, 1)  # stand, then thighs level and shins upright, and stay
    a = rest(t)
    for side in ("left", "right"):
        a[f"{side}_leg"] = np.stack([95 * bend, np.full(t, 8.0), 95 * bend], -1)
    sitting = caption(place(render(body(), a)))
    assert sitting.startswith("the body goes from standing to sitting; the hips lower;")


def test_hands_together_are_a_contact():
    clap, _ = MOTIONS[0]
    assert "the hands come together, three times" in caption(place(program(clap, 3)))


def test_missing_parts_are_named_and_the_rest_described():
    skel = place(raise_arm(TO_HEAD, 1))
    skel[:, [4, 5, 6, 7, 21, 22]] = np.nan  # the left arm never seen
    text = caption(skel)
    assert "the left arm is not visible" in text and "the right hand rises" in text and "left hand" not in text
    gaps = place(raise_arm(TO_HEAD, 1))
    gaps[10:25] = np.nan  # a lost stretch of frames is bridged
    assert "the right hand rises forward from the hip to the head" in caption(gaps)


@pytest.mark.parametrize("bad", [np.full((30, 25, 3), np.nan), np.zeros((0, 25, 3)), np.full((1, 2, 25, 3), np.nan)])
def test_nothing_to_see_is_said_not_raised(bad):
    assert caption(bad) == "no person is visible."


def test_a_single_frame_is_described_as_a_pose():
    held = place(raise_arm(TO_HEAD, 1))[45:46]  # the hand at the head
    text = caption(held)
    assert text.startswith("a single frame: the motion is not visible") and "the right hand is at the head" in text


def test_odd_frame_rates_and_real_sequences_never_raise():
    rng = np.random.default_rng(0)
    for label in range(len(MOTIONS)):
        skel = generate(label, rng)
        for fps in (FPS, 0.0, float("nan"), 120.0):
            assert caption(skel, fps).endswith(".")
    assert caption(skel) == caption(skel.copy())  # deterministic


def test_at_most_max_clauses_per_person():
    skel = place(program(squat, 2))
    assert len(describe(skel, FPS, 2)) == 2 and len(describe(skel, FPS)) > 2


def test_peaks_counts_swings_not_noise():
    t = np.linspace(0, 2 * np.pi * 3, 90)
    noisy = np.sin(t) + 0.05 * np.random.default_rng(0).normal(size=90)
    assert peaks(noisy) == 3 and peaks(np.zeros(90)) == 0 and peaks(np.ones(2)) == 0


def test_class_kinematics_keeps_the_shared_clauses_that_fit():
    caps = [["the body stands", "the right hand rises from the hip to the mouth and back down, twice"],
            ["the body stands", "the right hand rises from the hip to the mouth and back down", "the head nods"],
            ["the body stands", "the left hand is not visible", "the head nods"]]
    text = class_kinematics(caps, lambda s: len(s.split()) < 40, min_share=0.5)
    assert text == "The right hand rises from the hip to the mouth and back down; the head nods."
    assert class_kinematics(caps, lambda s: len(s.split()) < 3, min_share=0.5) is None
    assert class_kinematics([["the head nods", "the body stands"]] * 2, lambda s: True) is None  # nothing informative
    assert sentence(["a", "b"]) == "A; b."


def _row_texts(values: list[float], dim: int = 16, tokens: int = 8):
    """RowTexts whose row i embeds as the constant values[i] (tokens too), every row with its own text."""
    import torch

    from fdsm.training.texts import RowTexts

    pooled = torch.tensor(values, dtype=torch.float32)[:, None].repeat(1, dim)
    return RowTexts(pooled, pooled[:, None, :].repeat(1, tokens, 1), torch.ones(len(values), tokens, dtype=torch.bool),
                    torch.arange(len(values)))


def test_row_texts_replace_the_class_text_only_where_chosen_and_present():
    import torch

    from fdsm.training.sampling import use_row_texts

    rows = _row_texts([10.0, 11.0, 12.0])
    rows.index = torch.tensor([2, -1, 0])  # sample 1's window has no caption
    current = (torch.zeros(3, 16), torch.zeros(3, 8, 16), torch.zeros(3, 8, dtype=torch.bool))
    pooled, tokens, mask = use_row_texts(rows, rows.index, torch.tensor([True, True, False]), current)
    assert pooled[:, 0].tolist() == [12.0, 0.0, 0.0] and tokens[0].eq(12.0).all() and mask[0].all()
    assert not mask[1].any() and not mask[2].any()


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_a_training_batch_with_captions_on_uses_each_window_s_caption(tmp_path, monkeypatch, p):
    """diffusion.captions = 1: at the curriculum's start (all samples rich) every sample is conditioned on
    its own window's caption embedding; 0: on its class's text."""
    import torch

    from fdsm.data.features import FeatureSet
    from fdsm.denoiser import Denoiser
    from fdsm.presets import get_preset
    from fdsm.training import diffusion_stage
    from fdsm.training.config import default_config
    from fdsm.training.loop import DistInfo, batch_indices
    from fdsm.training.parts import ClassParts
    from fdsm.training.texts import LevelTexts

    seen: list[torch.Tensor] = []

    class Spy(Denoiser):
        def forward(self, x_t, t, pooled, tokens, mask):
            seen.append(pooled.detach().clone())
            return super().forward(x_t, t, pooled, tokens, mask)

    monkeypatch.setattr(diffusion_stage, "Denoiser", Spy)
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(3), 8)
    feats = FeatureSet(rng.normal(size=(24, 32)).astype(np.float32), labels, np.zeros((0, 32), np.float32),
                       np.zeros(0, np.int64))
    class_pooled = torch.arange(4, dtype=torch.float32)[None, :, None].repeat(3, 1, 16)  # class c embeds as c
    texts = LevelTexts([f"class {c}" for c in range(4)], class_pooled, class_pooled[:, :, None].repeat(1, 1, 8, 1),
                       torch.ones(3, 4, 8, dtype=torch.bool))
    captions = _row_texts([100.0 + r for r in range(24)])  # feature row r's window embeds as 100 + r
    settings = {**default_config()["diffusion"], "iterations": 1, "batch_size": 8, "checkpoint_every": 1,
                "eval_every": 0, "captions": p, "loss": default_config()["loss"]}
    diffusion_stage.train_diffusion(feats, texts, ClassParts(4, (3,), (), (0, 1, 2)), get_preset("tiny", text_dim=16),
                                    settings, 0, tmp_path, False, DistInfo(0, 1, torch.device("cpu")), None,
                                    {"text_encoder": "test"},
                                    captions=captions)
    used = seen[0][:, 0]
    if p:
        assert sorted(used.tolist()) == sorted(100.0 + batch_indices(24, 8, 0, 0))  # each sample its own window's
    else:
        assert (used < 4).all()


class HashText:
    """Duck-typed TextEncoder: any text -> a fixed pseudo-random embedding (seeded by the text)."""

    name, dim, max_tokens = "test-hash", 16, 8

    def encode(self, texts):
        import zlib

        rows = [np.random.default_rng(zlib.crc32(t.encode())).normal(size=self.dim) for t in texts]
        pooled = np.asarray(rows, np.float32).reshape(len(texts), self.dim)
        tokens = np.repeat(pooled[:, None], self.max_tokens, axis=1)
        return pooled, tokens, np.ones((len(texts), self.max_tokens), bool)


def test_fdsm_train_captions_every_training_window_of_its_own_sequence(tmp_path, monkeypatch):
    """diffusion.captions > 0 through fdsm-train: one caption per training feature row, in train.npy's order,
    and each describes its own sequence's motion (even classes wave, odd classes squat)."""
    import json

    from fdsm import train
    from fdsm.data import Sequence
    from fdsm.data.corpus import Corpus, load_corpus, save_corpus
    from fdsm.splits import get_split
    from fdsm.training import pipeline
    from fdsm.training.feature_stage import train_sequence_rows
    from fdsm.training.parts import ClassParts

    split = get_split("ntu60-55-5")
    seqs = [Sequence(place(wave(4, 4.0) if c % 2 == 0 else program(squat, 3, 4.0), yaw=0.3 * k), name=f"c{c}_k{k}")
            for c in range(60) for k in range(2)]
    labels = np.repeat(np.arange(60), 2)
    corpus = tmp_path / "corpus.npz"
    save_corpus(corpus, Corpus(seqs, labels, [f"action {c}" for c in range(60)], "synthetic", "bank"))
    bank = tmp_path / "bank.json"
    bank.write_text(json.dumps({"dataset": "synthetic", "classes": [
        {"index": c, "name": f"action {c}", "definition": f"doing action {c}.", "kinematics": f"the arms move {c}."}
        for c in range(60)]}))
    monkeypatch.setattr(pipeline, "get_text_encoder", lambda name: HashText())
    captured: list[list[str]] = []
    original = pipeline.encode_row_texts
    monkeypatch.setattr(pipeline, "encode_row_texts", lambda enc, rows: captured.append(rows) or original(enc, rows))
    out = tmp_path / "run"
    assert train.main(["--corpus", str(corpus), "--split", split.name, "--out", str(out), "--preset", "tiny",
                       f"data.bank={bank}", "data.seen_test_fraction=0.3", "model.feature_dim=32",
                       "encoder.iterations=2", "encoder.batch_size=8", "encoder.checkpoint_every=2",
                       "features.windows=2", "diffusion.iterations=2", "diffusion.batch_size=8",
                       "diffusion.checkpoint_every=2", "diffusion.captions=1.0"]) == 0
    (texts,) = captured
    config = json.loads((out / "checkpoint" / "config.json").read_text())
    parts = ClassParts(60, tuple(split.unseen), tuple(config["training"]["val_classes"]),
                       tuple(config["training"]["train_classes"]))
    rows = np.repeat(train_sequence_rows(load_corpus(corpus), parts, 0.3), 2)
    assert len(texts) == len(rows) == len(np.load(out / "features" / "train_label.npy"))
    for row, text in zip(rows, texts, strict=True):
        waves = labels[row] % 2 == 0  # a 2 s window of 4 s: where it starts decides the rest of the wording
        assert ("the right hand moves" in text and "the hips" not in text) if waves else "the hips" in text, text


def test_bank_command_rewrites_kinematics_from_the_captions_of_each_class(tmp_path, capsys):
    import json

    from fdsm.captions import main
    from fdsm.data import Sequence
    from fdsm.data.corpus import Corpus, save_corpus
    from fdsm.text.minilm import load_tokenizer
    from fdsm.text.prompts import bank_problems, load_bank

    seqs = [Sequence(place(raise_arm(TO_HEAD, 1), yaw=float(k)), name=f"raise{k}") for k in range(3)]
    seqs += [Sequence(place(program(squat, 1), yaw=float(k)), name=f"squat{k}") for k in range(3)]
    corpus = tmp_path / "corpus.npz"
    save_corpus(corpus, Corpus(seqs, np.repeat([0, 1], 3), ["touch the head", "squat"], "test", "bank"))
    bank = tmp_path / "bank.json"
    written = {"index": 0, "name": "touch the head", "definition": "Touch the head.", "kinematics": "The arm lifts."}
    bank.write_text(json.dumps({"dataset": "test", "classes": [
        written, {**written, "index": 1, "name": "squat", "definition": "Squat down."}]}))
    assert main(["bank", "--corpus", str(corpus), "--bank", str(bank)]) == 0
    assert "- The arm lifts." in capsys.readouterr().out and load_bank(bank)[0].kinematics == "The arm lifts."
    assert main(["bank", "--corpus", str(corpus), "--bank", str(bank), "--write"]) == 0
    head, low = load_bank(bank)
    assert head.kinematics == "The right hand rises forward from the hip to the head and back down."
    assert "the hips lower and rise again" in low.kinematics.lower()
    assert bank_problems([head, low], lambda s: len(load_tokenizer().encode(s).ids)) == []
    assert main(["bank", "--corpus", str(tmp_path / "missing.npz"), "--bank", str(bank)]) == 1


def test_feature_windows_are_drawn_from_a_pinned_seed():
    """A training window and its caption are both found from this generator; its seed must not drift."""
    from fdsm.training.feature_stage import feature_window_rng

    expected = np.random.default_rng([3, 7, 5, 1]).integers(1 << 30, size=4)
    np.testing.assert_array_equal(feature_window_rng(3, np.int64(5), 1).integers(1 << 30, size=4), expected)
