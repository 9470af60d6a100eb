"""The shipped default checkpoint: loads through the public Recognizer, scores real and synthetic motion."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fdsm import Recognizer
from fdsm.assets import asset_path
from fdsm.checkpoint import load_checkpoint
from fdsm.data import load_sequence
from fdsm.data.sources import extract
from fdsm.default_model import protocol
from fdsm.export import STAMP_KEY
from fdsm.presets import ModelConfig, get_preset
from fdsm.runtime import OnnxSession
from fdsm.skeleton import NORMALIZATION_VERSION, rotation_y
from fdsm.text.prompts import load_bank
from fdsm.training.config import apply_dict, apply_toml, default_config, preset_overrides

DEFAULT = asset_path("checkpoints", "default")
NWUCLA_NAMES = [c.name for c in load_bank("nwucla")]
MAX_BYTES = 30 * 1024 * 1024


@pytest.fixture(scope="module")
def recognizers():
    """The default checkpoint through both backends, with the NW-UCLA class names as typed labels."""
    recs = {backend: Recognizer.from_pretrained(backend=backend) for backend in ("onnx", "torch")}
    for rec in recs.values():
        rec.set_labels(NWUCLA_NAMES)
    return recs


def test_files_size_and_recorded_training():
    names = {p.name for p in DEFAULT.iterdir()}
    assert {"model.safetensors", "config.json", "model.onnx", "labels.onnx", "model_card.md"} <= names
    assert sum(p.stat().st_size for p in DEFAULT.iterdir()) < MAX_BYTES
    config = json.loads((DEFAULT / "config.json").read_text())
    assert config["text_encoder"] == "minilm" and config["normalization_version"] == NORMALIZATION_VERSION
    assert config["split"] == protocol.SPLIT_NAME and config["text_level"] == "definition"
    trained = {config["class_names"][i] for i in config["training"]["train_classes"]}
    # NW-UCLA's data is never pooled (test_data_pool); its names trained on are the report's "concept in the pool"
    assert not trained & set(protocol.HELDOUT) and trained & set(NWUCLA_NAMES) <= set(protocol.NWUCLA_IN_POOL)
    card = (DEFAULT / "model_card.md").read_text()
    assert "CC BY-NC 4.0" in card and "no commercial use" in card
    # The shipped graphs were exported from these very weights and model config under the current graph contract,
    # so loading never re-exports them (nor imports torch).
    stamp = load_checkpoint(DEFAULT).stamp
    assert OnnxSession(DEFAULT / "model.onnx").metadata.get(STAMP_KEY) == stamp
    assert all(OnnxSession(DEFAULT / name).matches(stamp) for name in ("model.onnx", "labels.onnx"))
    assert "/tmp" not in (DEFAULT / "config.json").read_text()


def test_default_checkpoint_is_the_live_preset():
    """What `fdsm-bench scorer` measures as `live` is what the app ships (all but the calibrated temperature and
    error spread and the recipe's scoring-time settings)."""
    recipe = default_config()
    apply_toml(recipe, protocol.RECIPE, ModelConfig().to_dict())
    shipped = ModelConfig.from_dict(json.loads((DEFAULT / "config.json").read_text())["model"])
    assert shipped == get_preset("live", temperature=shipped.temperature, error_spread=shipped.error_spread,
                                 **preset_overrides(recipe))


def test_default_checkpoint_was_trained_with_the_current_recipe():
    """A recipe change without a re-trained, re-shipped checkpoint fails here (settings added since the
    checkpoint was trained count with their default, which reproduces the old behaviour)."""
    fields = ModelConfig().to_dict()
    recipe, trained = default_config(), default_config()
    apply_toml(recipe, protocol.RECIPE, fields)
    # the record is read as an old TOML file is: settings from before the loss/scorer sections find their place
    apply_dict(trained, json.loads((DEFAULT / "config.json").read_text())["training"]["config"], "record", fields)
    for section in ("model", "encoder", "features", "diffusion", "loss", "scorer"):
        for key, value in recipe[section].items():
            assert trained[section].get(key) == value, f"{section}.{key}"


def _check(result, labels):
    assert set(result.scores) == set(result.errors) == set(labels)
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert all(np.isfinite(v) for v in result.errors.values())
    assert result.top is None or result.top in labels


def test_scores_a_real_nwucla_sequence(recognizers, shared_data):
    folder = extract(shared_data / "nwucla" / "nwucla.tar.xz")
    seq = load_sequence(next(folder.rglob("a01_s01_e00_v01.json")))
    results = {b: rec.recognize(seq.skeleton, fps=seq.fps) for b, rec in recognizers.items()}
    for res in results.values():
        _check(res, NWUCLA_NAMES)
    onnx, torch_ = (np.array([results[b].errors[n] for n in NWUCLA_NAMES]) for b in ("onnx", "torch"))
    np.testing.assert_allclose(onnx, torch_, rtol=1e-4, atol=1e-5)


def test_scores_a_synthetic_sequence_onnx_equals_torch(recognizers, waving_sequence):
    results = {b: rec.recognize(waving_sequence, fps=30.0) for b, rec in recognizers.items()}
    for res in results.values():
        _check(res, NWUCLA_NAMES)
    for name in NWUCLA_NAMES:
        assert results["onnx"].errors[name] == pytest.approx(results["torch"].errors[name], rel=1e-4, abs=1e-5)
        assert results["onnx"].scores[name] == pytest.approx(results["torch"].scores[name], abs=1e-4)


def test_label_graph_and_features_output_equal_torch(recognizers, waving_sequence):
    """The shipped labels.onnx is `Scorer.prepare_labels` and model.onnx's `features` the torch encoder's."""
    import torch

    from fdsm.export import label_arrays

    onnx, torch_ = recognizers["onnx"], recognizers["torch"]
    text = onnx.text_encoder.encode(NWUCLA_NAMES)
    graph = onnx.onnx.label_arrays(*text)
    state = torch_.scorer.prepare_labels(*(torch.from_numpy(np.asarray(x)) for x in text))
    for name, ref in label_arrays(state).items():
        np.testing.assert_allclose(graph[name], ref, rtol=1e-4, atol=1e-5, err_msg=name)
    windows = np.stack([onnx.window(waving_sequence[:n]) for n in (30, 45, 60)])
    np.testing.assert_allclose(onnx.features(windows), torch_.features(windows), rtol=1e-4, atol=1e-5)


def test_answer_does_not_depend_on_where_the_person_stands_or_faces(recognizers, waving_sequence):
    rec = recognizers["torch"]
    moved = waving_sequence @ rotation_y(1.2).T * 1.3 + np.array([0.7, 0.1, -2.0], np.float32)
    a, b = rec.recognize(waving_sequence), rec.recognize(moved)
    for name in NWUCLA_NAMES:
        assert a.errors[name] == pytest.approx(b.errors[name], rel=1e-3, abs=1e-4)


# Errors and probabilities of the shipped checkpoint on the `waving_sequence` window, pinned when it shipped: a
# change of the text policy, the normalization or the scorer moves them (re-pin only with a newly shipped checkpoint).
# The trained "wave right hand" wins narrowly over "waving" (the demo bank's "wave", read by its definition): the
# seen-name offset lets a new name come close to a trained one without starving it.
PINNED_ERRORS = {"wave right hand": 0.616815, "drinking water": 2.695515, "Jumping jacks": 3.026958,
                 "summon a dragon": 2.171393, "waving": 1.127546, "sit down": 3.098437, "clap hands": 2.380217,
                 "squat": 3.075628}
PINNED_SCORES = {"wave right hand": 0.394658, "drinking water": 0.026884, "Jumping jacks": 0.017517,
                 "summon a dragon": 0.100563, "waving": 0.387548, "sit down": 0.015972, "clap hands": 0.040408,
                 "squat": 0.016449}


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_recorded_text_policy_reproduces_the_shipped_scores(backend, waving_sequence):
    rec = Recognizer.from_pretrained(backend=backend)
    assert rec.checkpoint.policy.record() == {"name": "typed-name", "version": 1, "level": "definition"}
    assert rec.checkpoint.prompt("drinking water") == "Drink water from a cup or bottle held in the right hand."
    assert rec.checkpoint.prompt("summon a dragon") == "summon a dragon"  # no bank class: scored as typed
    rec.set_labels(list(PINNED_ERRORS))
    res = rec.recognize(waving_sequence, fps=30.0)
    assert res.errors == pytest.approx(PINNED_ERRORS, abs=2e-6)
    assert res.scores == pytest.approx(PINNED_SCORES, abs=2e-6)
    assert res.top == "wave right hand"
