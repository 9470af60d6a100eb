"""The public Recognizer, with a small deterministic fake text encoder (the real one is tested in fdsm.text)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from fdsm.checkpoint import load_checkpoint, save_checkpoint
from fdsm.denoiser import Denoiser
from fdsm.errors import AssetError, CheckpointError, FdsmError
from fdsm.presets import get_preset
from fdsm.recognizer import Recognizer
from fdsm.skeleton import rotation_y
from fdsm.skeleton_encoder import SkeletonEncoder
from tests.fdsm.test_denoiser import randomize

LABELS = ["wave", "jump up", "drink water", "sit down"]


class FakeTextEncoder:
    """Text -> vectors seeded by the text's hash: same interface as fdsm.text encoders."""

    def __init__(self, dim: int, max_tokens: int, name: str = "fake") -> None:
        self.name, self.dim, self.max_tokens = name, dim, max_tokens

    def encode(self, texts):
        rows = [np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:8], 16)) for t in texts]
        tokens = np.stack([r.standard_normal((self.max_tokens, self.dim)) for r in rows]).astype(np.float32)
        mask = np.zeros((len(texts), self.max_tokens), bool)
        for i, t in enumerate(texts):
            mask[i, : min(self.max_tokens, 2 + len(t.split()))] = True
        return tokens.mean(1), tokens * mask[..., None], mask


def tiny_checkpoint(path, encoder_scale: float = 0.05):
    """A `tiny`-preset checkpoint with seeded random weights, for the fake text encoder."""
    cfg = get_preset("tiny", text_stream="cached", temperature=0.05)
    save_checkpoint(path, cfg, {"encoder": randomize(SkeletonEncoder(cfg), 1, encoder_scale),
                                "denoiser": randomize(Denoiser(cfg), 2, 0.05)}, {"text_encoder": "fake"})
    return path


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("rec") / "ck")


def recognizer(path, backend="onnx", **cfg_changes):
    ck = load_checkpoint(path)
    if cfg_changes:
        ck.cfg = ck.cfg.replace(**cfg_changes)
    rec = Recognizer(ck, FakeTextEncoder(ck.cfg.text_dim, ck.cfg.text_tokens), backend=backend)
    rec.set_labels(LABELS)
    return rec


def test_result_fields_and_backends_agree(checkpoint, waving_sequence):
    results = {}
    for backend in ("onnx", "torch"):
        res = recognizer(checkpoint, backend).recognize(waving_sequence, fps=30.0)
        assert set(res.scores) == set(res.errors) == set(LABELS)
        assert sum(res.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert res.top == min(res.errors, key=res.errors.get)
        assert set(res.matches) == set(LABELS)
        results[backend] = res
    for lab in LABELS:
        assert results["onnx"].errors[lab] == pytest.approx(results["torch"].errors[lab], abs=1e-4)


def test_scores_invariant_to_label_order(checkpoint, waving_sequence):
    rec = recognizer(checkpoint)
    first = rec.recognize(waving_sequence)
    rec.set_labels(LABELS[::-1])
    second = rec.recognize(waving_sequence)
    for lab in LABELS:
        assert second.scores[lab] == pytest.approx(first.scores[lab], abs=1e-5)


def test_invariant_to_translation_scale_and_turning(checkpoint, waving_sequence):
    rec = recognizer(checkpoint, "torch")
    moved = (waving_sequence @ rotation_y(1.1).T) * 1.7 + np.array([3.0, 0.2, -1.0], np.float32)
    a, b = rec.recognize(waving_sequence).errors, rec.recognize(moved.astype(np.float32)).errors
    for lab in LABELS:
        assert b[lab] == pytest.approx(a[lab], abs=1e-4)


def test_rejection_gives_no_top(checkpoint, waving_sequence):
    res = recognizer(checkpoint, "torch", reject_margin=1e9).recognize(waving_sequence)
    assert res.top is None and sum(res.scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_bad_input_is_a_clear_error(checkpoint, waving_sequence):
    ck = load_checkpoint(checkpoint)
    rec = Recognizer(ck, FakeTextEncoder(ck.cfg.text_dim, ck.cfg.text_tokens), backend="torch")
    with pytest.raises(FdsmError, match="set_labels"):
        rec.recognize(waving_sequence)
    for bad in ([], ["wave", " "], "wave", ["wave", "wave"]):
        with pytest.raises(FdsmError):
            rec.set_labels(bad)
    rec.set_labels(["wave"])
    with pytest.raises(FdsmError, match="bad skeleton"):
        rec.recognize(np.zeros((10, 24, 3), np.float32))
    with pytest.raises(FdsmError, match="no visible body"):
        rec.recognize(np.full((10, 25, 3), np.nan, np.float32))
    with pytest.raises(FdsmError, match="fps"):
        rec.recognize(waving_sequence, fps=0)
    with pytest.raises(FdsmError, match="backend"):
        Recognizer(ck, FakeTextEncoder(ck.cfg.text_dim, ck.cfg.text_tokens), backend="tpu")


def test_text_encoder_mismatch_and_missing_default(checkpoint, tmp_path, monkeypatch):
    ck = load_checkpoint(checkpoint)
    with pytest.raises(CheckpointError, match="text encoder"):
        Recognizer(ck, FakeTextEncoder(ck.cfg.text_dim + 1, ck.cfg.text_tokens), backend="torch")
    with pytest.raises(CheckpointError, match="text encoder"):
        Recognizer(ck, FakeTextEncoder(ck.cfg.text_dim, ck.cfg.text_tokens, name="minilm"), backend="torch")
    monkeypatch.setenv("FDSM_ASSETS", str(tmp_path))
    with pytest.raises(AssetError, match="fdsm-train"):
        Recognizer.from_pretrained()


def test_shipped_onnx_is_used_only_when_exported_from_these_weights(tmp_path, waving_sequence):
    import shutil

    from fdsm.export import export_checkpoint

    path = tiny_checkpoint(tmp_path / "ck")
    export_checkpoint(path)
    stale = tmp_path / "stale.onnx"
    shutil.copy(path / "model.onnx", stale)
    assert recognizer(path).session.metadata  # stamped file, loaded as shipped
    # Retrain (new weights) without re-exporting: the stamp no longer matches, so the graph is rebuilt.
    cfg = load_checkpoint(path).cfg
    save_checkpoint(path, cfg, {"encoder": randomize(SkeletonEncoder(cfg), 3, 0.05),
                                "denoiser": randomize(Denoiser(cfg), 4, 0.05)}, {"text_encoder": "fake"})
    shutil.copy(stale, path / "model.onnx")
    fresh = recognizer(path).recognize(waving_sequence).errors
    torch_errors = recognizer(path, "torch").recognize(waving_sequence).errors
    assert fresh == pytest.approx(torch_errors, rel=1e-4, abs=1e-5)


def test_graphs_of_an_older_contract_or_without_labels_onnx_are_rebuilt(tmp_path, waving_sequence):
    """Same weights and config but an older graph contract (no `features` output, label preparation in torch):
    the stamp alone would accept it, the graph version does not."""
    import onnx

    from fdsm.export import export_checkpoint
    from fdsm.runtime import GRAPH_KEY, GRAPH_VERSION

    path = tiny_checkpoint(tmp_path / "ck")
    torch_errors = recognizer(path, "torch").recognize(waving_sequence).errors

    def rebuilt() -> bool:
        rec = recognizer(path)
        assert rec.recognize(waving_sequence).errors == pytest.approx(torch_errors, rel=1e-4, abs=1e-5)
        return rec.session.metadata[GRAPH_KEY] == GRAPH_VERSION and rec.onnx.labels is not None

    export_checkpoint(path)
    model = onnx.load(path / "model.onnx")
    del model.metadata_props[[p.key for p in model.metadata_props].index(GRAPH_KEY)]
    onnx.save(model, path / "model.onnx")
    assert rebuilt()
    export_checkpoint(path)
    (path / "labels.onnx").unlink()
    assert rebuilt()


NO_TORCH = """
    import sys

    import numpy as np

    from fdsm import Recognizer

    window = np.load(sys.argv[1])
    rec = Recognizer.from_pretrained()
    rec.set_labels(["wave", "jump up", "drink water"])
    first = rec.recognize(window, fps=30.0)
    rec.add_example("my wave", window, 30.0)  # teaching by prototype runs on the scoring graph's features
    taught = rec.recognize(window, fps=30.0)
    assert rec.backend == "onnx" and first.top and taught.taught == {"my wave": 1}
    loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
    assert not loaded, loaded
"""


def test_the_default_onnx_path_never_imports_torch(tmp_path, waving_sequence):
    """Loading the bundled checkpoint, setting labels, scoring and prototype teaching run on onnxruntime and NumPy:
    importing torch alone costs the live window's first answer more than a second."""
    np.save(tmp_path / "window.npy", waving_sequence)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(NO_TORCH), str(tmp_path / "window.npy")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def test_stale_onnx_without_the_onnx_package_falls_back_to_torch(checkpoint, waving_sequence, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx":
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    rec = recognizer(checkpoint)  # the fixture's folder has no model.onnx
    assert rec.backend == "torch" and rec.session is None
    assert "scoring with torch" in capsys.readouterr().err
    assert sum(rec.recognize(waving_sequence).scores.values()) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("backend", ["onnx", "torch"])
def test_seen_bias_raises_the_trained_names_errors_by_exactly_its_value(tmp_path, waving_sequence, backend):
    """Calibrated stacking: trained names ("wave", "drink water", typed in any case) lose seen_bias x error_spread
    of error (that / T in logits) against never-trained ones; raw errors and the ratios among trained names are
    untouched."""
    cfg = get_preset("tiny", text_stream="cached", temperature=0.05, error_spread=0.02)
    path = tmp_path / "ck"
    save_checkpoint(path, cfg, {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05),
                                "denoiser": randomize(Denoiser(cfg), 2, 0.05)},
                    {"text_encoder": "fake", "class_names": ["wave", "clap", "drink water"],
                     "training": {"train_classes": [0, 2]}})
    labels = ["Wave", "jump up", "drink  water", "sit down"]
    results = []
    for bias in (0.0, 0.7):
        rec = recognizer(path, backend, seen_bias=bias)
        rec.set_labels(labels)
        results.append(rec.recognize(waving_sequence))
    plain, stacked = results
    assert stacked.errors == plain.errors
    assert stacked.trained == {"Wave": True, "jump up": False, "drink  water": True, "sit down": False}
    log = {k: {lab: np.log(r.scores[lab]) for lab in labels} for k, r in (("plain", plain), ("stacked", stacked))}

    def gap(which, a, b):
        return log[which][a] - log[which][b]

    shift = 0.7 * 0.02 / 0.05  # seen_bias x error_spread / temperature
    assert gap("stacked", "Wave", "jump up") == pytest.approx(gap("plain", "Wave", "jump up") - shift, abs=1e-4)
    assert gap("stacked", "drink  water", "sit down") == pytest.approx(gap("plain", "drink  water", "sit down") - shift,
                                                                      abs=1e-4)
    assert gap("stacked", "Wave", "drink  water") == pytest.approx(gap("plain", "Wave", "drink  water"), abs=1e-4)
    assert gap("stacked", "jump up", "sit down") == pytest.approx(gap("plain", "jump up", "sit down"), abs=1e-4)


def test_a_checkpoint_whose_encoder_was_never_trained_is_refused(tmp_path):
    """The features route ships a fresh, untrained skeleton encoder: a Recognizer built on it would score every
    label the same, silently."""
    cfg = get_preset("tiny", text_stream="cached")
    path = tmp_path / "ck"
    save_checkpoint(path, cfg, {"encoder": SkeletonEncoder(cfg), "denoiser": randomize(Denoiser(cfg), 2, 0.05)},
                    {"text_encoder": "fake", "encoder_trained": False})
    with pytest.raises(CheckpointError, match="never trained .*--corpus") as info:
        recognizer(path)
    assert "\n" not in str(info.value)


def test_onnx_graph_is_rebuilt_when_the_model_config_changes(tmp_path, waving_sequence):
    """The graph bakes in t_test, the noises, the window length and the betas: same weights with another config
    must not reuse it."""
    import json

    from fdsm.export import export_checkpoint

    path = tiny_checkpoint(tmp_path / "ck")
    export_checkpoint(path)
    config = json.loads((path / "config.json").read_text())
    config["model"].update(t_test=5, noise_seed=7)
    (path / "config.json").write_text(json.dumps(config))
    onnx_errors = recognizer(path).recognize(waving_sequence).errors
    torch_errors = recognizer(path, "torch").recognize(waving_sequence).errors
    assert onnx_errors == pytest.approx(torch_errors, rel=1e-4, abs=1e-5)


def test_a_typed_label_matches_in_the_checkpoints_bank_first(tmp_path, waving_sequence):
    cfg = get_preset("tiny", text_stream="cached")
    path = tmp_path / "ck"
    save_checkpoint(path, cfg, {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05),
                                "denoiser": randomize(Denoiser(cfg), 2, 0.05)},
                    {"text_encoder": "fake", "bank": "pool"})
    rec = recognizer(path, "torch")
    rec.set_labels(["drink water", "kick someone", "summon a dragon"])
    matches = rec.recognize(waving_sequence).matches
    assert (matches["drink water"].bank, matches["drink water"].index) == ("pool", 63)  # not the demo bank's
    assert (matches["kick someone"].bank, matches["kick someone"].index) == ("pool", 43)  # its own name, not "kick"
    assert matches["summon a dragon"] is None
