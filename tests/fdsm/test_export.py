"""ONNX export of the inference path: scoring and label graphs equal to torch, CLI behaviour, runtime fallbacks."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from fdsm.checkpoint import load_checkpoint, save_checkpoint
from fdsm.denoiser import Denoiser
from fdsm.errors import FdsmError
from fdsm.export import (
    ScoringGraph,
    export_bytes,
    export_label_bytes,
    label_arrays,
    label_tensors,
    main,
    scorer_for,
)
from fdsm.presets import get_preset
from fdsm.runtime import OnnxSession, choose_providers, import_onnxruntime
from fdsm.skeleton_encoder import SkeletonEncoder
from tests.fdsm.test_denoiser import randomize

pytest.importorskip("onnxruntime")


def make_checkpoint(path, stream: str):
    cfg = get_preset("tiny", text_stream=stream)
    modules = {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05), "denoiser": randomize(Denoiser(cfg), 2, 0.05)}
    save_checkpoint(path, cfg, modules, {"text_encoder": "fake"})
    return load_checkpoint(path)


@pytest.mark.parametrize("stream", ["joint", "cached"])
def test_onnx_scores_and_features_equal_torch(tmp_path, stream):
    ck = make_checkpoint(tmp_path / "ck", stream)
    session = OnnxSession(export_bytes(ck))
    scorer = scorer_for(ck)
    cfg = ck.cfg
    g = torch.Generator().manual_seed(5)
    for k, b in ((6, 3), (1, 1)):  # label and window counts differ from the ones traced
        mask = torch.rand(k, cfg.text_tokens, generator=g) > 0.3
        labels = scorer.prepare_labels(torch.randn(k, cfg.text_dim, generator=g),
                                       torch.randn(k, cfg.text_tokens, cfg.text_dim, generator=g), mask)
        window = torch.randn(b, cfg.window_frames, 2, 25, 3, generator=g)
        with torch.no_grad():
            features = ck.encoder(window)
            errors = scorer.errors(features, labels)
        out = session.outputs({"window": window.numpy(), **label_arrays(labels)})
        assert out["errors"].shape == (b, k) and out["features"].shape == (b, cfg.feature_dim)
        np.testing.assert_allclose(out["errors"], errors.numpy(), atol=1e-4, rtol=1e-4)
        np.testing.assert_allclose(out["features"], features.numpy(), atol=1e-4, rtol=1e-4)


def test_label_graph_equals_prepare_labels(tmp_path):
    ck = make_checkpoint(tmp_path / "ck", "cached")
    session, scorer, cfg = OnnxSession(export_label_bytes(ck)), scorer_for(ck), ck.cfg
    assert session.output_names == ["xmod", "fmod", "gate", "valid", "kv"] and session.matches(ck.stamp)
    g = torch.Generator().manual_seed(6)
    for k in (1, 4, 9):  # unlike the traced label count
        text = (torch.randn(k, cfg.text_dim, generator=g), torch.randn(k, cfg.text_tokens, cfg.text_dim, generator=g),
                torch.rand(k, cfg.text_tokens, generator=g) > 0.3)
        out = session.outputs({n: x.numpy() for n, x in zip(("pooled", "tokens", "mask"), text, strict=True)})
        for name, ref in label_arrays(scorer.prepare_labels(*text)).items():
            assert out[name].shape == ref.shape, name
            np.testing.assert_allclose(out[name], ref, atol=1e-5, rtol=1e-4, err_msg=name)
    assert export_label_bytes(make_checkpoint(tmp_path / "joint", "joint")) is None  # joint graphs take the text


def test_cli_writes_model_onnx_and_labels_onnx(tmp_path, capsys):
    ck = make_checkpoint(tmp_path / "ck", "cached")
    assert main([str(tmp_path / "ck")]) == 0
    assert all(OnnxSession(tmp_path / "ck" / name).matches(ck.stamp) for name in ("model.onnx", "labels.onnx"))
    assert capsys.readouterr().out.count("wrote") == 2
    assert main([str(tmp_path / "ck"), "--out", str(tmp_path / "sub" / "m.onnx")]) == 0
    session = OnnxSession(tmp_path / "sub" / "m.onnx")
    assert session.input_names == ["window", "xmod", "fmod", "gate", "valid", "kv"]
    assert session.output_names == ["errors", "features"]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["labels.onnx", "m.onnx"]


def test_cli_bad_checkpoint_is_one_line_error(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fdsm-export: error:") and "\n" not in err and "Traceback" not in err


def test_runtime_providers_and_missing_onnxruntime(monkeypatch, tmp_path):
    assert choose_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert choose_providers(["CUDAExecutionProvider", "AzureExecutionProvider", "CPUExecutionProvider"]) == [
        "CUDAExecutionProvider", "CPUExecutionProvider"]
    with pytest.raises(FdsmError, match="does not exist"):
        OnnxSession(tmp_path / "none.onnx")
    with pytest.raises(FdsmError, match="cannot load ONNX model"):
        OnnxSession(b"not an onnx model")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(FdsmError, match=r"pip install -e \.\[cpu\]"):
        import_onnxruntime()


@pytest.mark.parametrize("noises", [2, 4])
def test_label_axis_stays_symbolic_whatever_the_noise_count(tmp_path, noises):
    """The traced label count comes from the config: with 4 noises a hard-coded 4 labels would tie the two axes."""
    from fdsm.export import example_label_count

    cfg = get_preset("tiny", text_stream="cached", num_noises=noises)
    assert example_label_count(cfg) not in (noises, 2, cfg.text_tokens)
    save_checkpoint(tmp_path / "ck", cfg, {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05),
                                           "denoiser": randomize(Denoiser(cfg), 2, 0.05)}, {"text_encoder": "fake"})
    ck = load_checkpoint(tmp_path / "ck")
    session, scorer = OnnxSession(export_bytes(ck)), scorer_for(ck)
    g = torch.Generator().manual_seed(1)
    for k in (3, 5, 7):
        labels = scorer.prepare_labels(torch.randn(k, cfg.text_dim, generator=g),
                                       torch.randn(k, cfg.text_tokens, cfg.text_dim, generator=g),
                                       torch.ones(k, cfg.text_tokens, dtype=torch.bool))
        window = torch.randn(2, cfg.window_frames, 2, 25, 3, generator=g)
        with torch.no_grad():
            ref = ScoringGraph(ck.encoder, scorer)(window, *label_tensors(labels))[0].numpy()
        np.testing.assert_allclose(session.run({"window": window.numpy(), **label_arrays(labels)}), ref,
                                   atol=1e-4, rtol=1e-4)


def test_export_refuses_an_untrained_encoder(tmp_path, capsys):
    cfg = get_preset("tiny", text_stream="cached")
    save_checkpoint(tmp_path / "ck", cfg, {"encoder": SkeletonEncoder(cfg), "denoiser": Denoiser(cfg)},
                    {"text_encoder": "fake", "encoder_trained": False})
    assert main([str(tmp_path / "ck")]) == 2
    assert "never trained" in capsys.readouterr().err
