"""Checkpoint folders: round trip, and one-line errors for everything that can be wrong with one."""

from __future__ import annotations

import json

import pytest
import torch

from fdsm.checkpoint import is_trained_name, load_checkpoint, save_checkpoint
from fdsm.denoiser import Denoiser
from fdsm.errors import CheckpointError
from fdsm.presets import get_preset
from fdsm.skeleton import NORMALIZATION_VERSION
from fdsm.skeleton_encoder import SkeletonEncoder
from fdsm.text.policy import DEFAULT_POLICY
from fdsm.text.prompts import load_bank
from tests.fdsm.test_denoiser import randomize


@pytest.fixture
def saved(tmp_path):
    cfg = get_preset("tiny", temperature=0.25)
    modules = {"encoder": randomize(SkeletonEncoder(cfg), 1), "denoiser": randomize(Denoiser(cfg), 2)}
    save_checkpoint(tmp_path / "ck", cfg, modules, {"text_encoder": "fake", "metrics": {"val_top1": 0.5},
                                                    "training_data": "synthetic"})
    return tmp_path / "ck", cfg, modules


def test_round_trip(saved):
    path, cfg, modules = saved
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]
    ck = load_checkpoint(path, text_encoder="fake", text_dim=cfg.text_dim)
    assert ck.cfg == cfg and ck.cfg.temperature == 0.25
    assert (ck.text_encoder, ck.text_dim) == ("fake", cfg.text_dim)
    assert ck.meta["metrics"] == {"val_top1": 0.5} and ck.meta["training_data"] == "synthetic"
    assert ck.meta["normalization_version"] == NORMALIZATION_VERSION
    for name, module in (("encoder", ck.encoder), ("denoiser", ck.denoiser)):
        ref = modules[name].state_dict()
        for key, value in module.state_dict().items():
            assert torch.equal(value, ref[key]), key
    assert not ck.denoiser.training


def edit_config(path, **changes):
    cfg_file = path / "config.json"
    data = json.loads(cfg_file.read_text())
    data.update(changes)
    cfg_file.write_text(json.dumps(data))


@pytest.mark.parametrize("damage,message", [
    (lambda p: (p / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{bad"), "corrupt"),
    (lambda p: (p / "model.safetensors").write_bytes((p / "model.safetensors").read_bytes()[:500]), "corrupt"),
    (lambda p: (p / "model.safetensors").unlink(), "missing"),
    (lambda p: (p / "config.json").unlink(), "missing"),
    (lambda p: (p / "config.json").write_text("{not json"), "not valid JSON"),
    (lambda p: edit_config(p, normalization_version=NORMALIZATION_VERSION + 1), "normalization"),
    (lambda p: edit_config(p, model={**json.loads((p / "config.json").read_text())["model"], "width": 128}),
     "do not fit"),
    (lambda p: edit_config(p, model={"bogus_field": 1}), "bad model config"),
])
def test_damaged_checkpoints_raise_one_line_errors(saved, damage, message):
    """Everything but weights that do not fit the config is refused at load; those when the modules are built
    (the ONNX path never builds them: its graphs' stamp no longer matches, so it re-exports and meets the error)."""
    path = saved[0]
    damage(path)
    with pytest.raises(CheckpointError, match=message) as info:
        load_checkpoint(path).modules()
    assert "\n" not in str(info.value)


def test_text_encoder_mismatch_and_missing_folder(saved, tmp_path):
    path, cfg, _ = saved
    with pytest.raises(CheckpointError, match="text encoder 'fake'"):
        load_checkpoint(path, text_encoder="minilm")
    with pytest.raises(CheckpointError, match="text embeddings"):
        load_checkpoint(path, text_dim=cfg.text_dim + 1)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nowhere")


def test_saving_is_atomic_and_leaves_no_temp_files(saved):
    path, cfg, modules = saved
    save_checkpoint(path, cfg, modules, {"text_encoder": "fake"})
    assert not [p for p in path.iterdir() if p.name.startswith(".")]


def test_trained_names_match_forgivingly_in_the_checkpoints_bank_and_exactly_without_it():
    meta = {"bank": "pool", "class_names": ["walk", "run", "sprint"], "training": {"train_classes": [0, 2]}}
    for typed in ("walk", "Walking", "walks", "walk forward", "sprint", "dash", "run fast", "sprnt"):
        assert is_trained_name(meta, typed), typed
    for typed in ("run", "running", "jog in a circle", "wave"):
        assert not is_trained_name(meta, typed), typed
    no_bank = {**meta, "bank": "no-such-bank"}
    assert is_trained_name(no_bank, "Sprint") and not is_trained_name(no_bank, "dash")
    assert not is_trained_name({"bank": "pool", "class_names": ["walk"]}, "walk")  # the checkpoint does not say


def test_the_bundle_carries_policy_bank_classes_calibration_and_stamp(tmp_path):
    cfg = get_preset("tiny", temperature=0.25, error_spread=0.5, seen_bias=0.8)
    modules = {"encoder": randomize(SkeletonEncoder(cfg), 1), "denoiser": randomize(Denoiser(cfg), 2)}
    save_checkpoint(tmp_path / "ck", cfg, modules, {"text_encoder": "fake", "bank": "pool",
                                                    "training": {"train_classes": [0, 2]}})
    ck = load_checkpoint(tmp_path / "ck")
    assert ck.policy == DEFAULT_POLICY and ck.meta["text_policy"] == {"name": "typed-name", "version": 1,
                                                                      "level": "name"}
    assert ck.bank == "pool" and ck.trained_classes == {0, 2} and ck.encoder_trained
    assert (ck.calibration.temperature, ck.calibration.error_spread, ck.calibration.seen_bias) == (0.25, 0.5, 0.8)
    assert ck.prompt("Drinking water") == "Drinking water"  # the label as typed, as the default model was trained
    # the checkpoint's own bank first: pool's text for "drink water", not the demo bank's
    pool, demo = load_bank("pool")[63], load_bank("demo")[13]
    assert ck.prompt("drink water", "kinematics") == pool.kinematics != demo.kinematics
    stamp = ck.stamp
    ck.cfg = ck.cfg.replace(t_test=10)  # the exported graph bakes t_test in: another config, another stamp
    assert ck.stamp != stamp and len(stamp) == 64


def test_a_checkpoint_with_an_unknown_text_policy_is_refused_at_load(saved):
    path = saved[0]
    edit_config(path, text_policy={"name": "typed-name", "version": 99, "level": "name"})
    with pytest.raises(CheckpointError, match="text policy 'typed-name' v99 is not known") as info:
        load_checkpoint(path)
    assert "\n" not in str(info.value)
    edit_config(path, text_policy={"name": "typed-name", "version": 1, "level": "poem"})
    with pytest.raises(CheckpointError, match="unknown text level 'poem'"):
        load_checkpoint(path)


def test_a_bank_level_policy_needs_its_bank_installed(saved):
    path = saved[0]
    edit_config(path, bank="no-such-bank", text_policy={"name": "typed-name", "version": 1, "level": "kinematics"})
    with pytest.raises(CheckpointError, match="prompt bank 'no-such-bank'"):
        load_checkpoint(path)
    edit_config(path, text_policy={"name": "typed-name", "version": 1, "level": "name"})
    assert load_checkpoint(path).bank is None  # names need no bank text: trained names are then matched exactly
