"""fdsm-train + fdsm-eval end to end through their CLIs, on data the tests write in the real formats.

The text encoder is a small local fake (`AttributeText`): each class has a hidden attribute vector,
its texts embed as fixed linear maps of it, and its skeleton features are another linear map of it
plus noise. Seen classes train the denoiser; unseen classes are scored zero-shot, so accuracy above
chance means the pipeline learned the text -> feature relation. (The real MiniLM path is exercised by
the text helper's tests and by `python -m fdsm.default_model.protocol`.) Features are 32-d here: with 256-d features
the `tiny` preset (width 64) cannot pass x_t through its bottleneck, and 300 CPU steps stay near chance
(docs/training.md); the folder format and code path are the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from fdsm import evaluate, train
from fdsm.checkpoint import load_checkpoint
from fdsm.data import Sequence
from fdsm.data.corpus import Corpus, load_corpus, save_corpus
from fdsm.scorer import calibrate_temperature, error_spread
from fdsm.splits import get_split
from fdsm.text.policy import DEFAULT_POLICY
from fdsm.training import pipeline
from fdsm.training.feature_stage import train_sequence_rows
from fdsm.training.parts import ClassParts
from fdsm.training.texts import encode_synonyms
from fdsm.training.zeroshot import label_errors
from tests.conftest import standing_pose

SPLIT = get_split("ntu60-55-5")
ATTRS, DIM, TOKENS, FEAT = 6, 32, 8, 32


class AttributeText:
    """Duck-typed TextEncoder: text -> linear maps of its class's attribute vector."""

    name, dim, max_tokens = "test-attributes", DIM, TOKENS

    def __init__(self, bank: dict[str, int], attrs: np.ndarray) -> None:
        rng = np.random.default_rng(5)
        self.bank, self.attrs = bank, attrs
        self.to_pooled = rng.normal(size=(ATTRS, DIM)) / ATTRS**0.5
        self.to_tokens = rng.normal(size=(TOKENS, ATTRS, DIM)) / ATTRS**0.5

    def encode(self, texts):
        a = self.attrs[[self.bank[t] for t in texts]]
        tokens = np.einsum("na,lad->nld", a, self.to_tokens).astype(np.float32)
        return (a @ self.to_pooled).astype(np.float32), tokens, np.ones((len(texts), TOKENS), bool)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A 60-class bank, its attribute text encoder (patched in) and a Shift-GCN style feature folder."""
    rng = np.random.default_rng(0)
    attrs = rng.normal(size=(60, ATTRS))
    classes = [{"index": i, "name": f"action {i}", "definition": f"doing action {i}",
                "kinematics": f"the arms move in pattern {i}"} for i in range(60)]
    bank = tmp_path / "bank.json"
    bank.write_text(json.dumps({"dataset": "synthetic", "classes": classes}))
    lookup = {c[k]: c["index"] for c in classes for k in ("name", "definition", "kinematics")}
    encoder = AttributeText(lookup, attrs)
    monkeypatch.setattr("fdsm.training.pipeline.get_text_encoder", lambda name: encoder)
    monkeypatch.setattr("fdsm.text.encoder.get_text_encoder", lambda name: encoder)
    to_feat = rng.normal(size=(ATTRS, FEAT)) / ATTRS**0.5
    folder = tmp_path / "feats"
    folder.mkdir()

    def write(stem: str, labels_name: str, classes_: tuple[int, ...], per_class: int) -> None:
        y = np.repeat(np.array(classes_), per_class)
        x = attrs[y] @ to_feat + 0.3 * rng.normal(size=(len(y), FEAT))
        np.save(folder / f"{stem}.npy", x.astype(np.float32))
        np.save(folder / labels_name, y.astype(np.int64))

    write("train", "train_label.npy", SPLIT.seen, 12)
    write("ztest", "z_label.npy", SPLIT.unseen, 20)
    write("gtest", "g_label.npy", SPLIT.seen, 2)
    return {"bank": bank, "features": folder, "tmp": tmp_path}


FAST = ["--preset", "tiny", "model.text_stream=cached", "diffusion.iterations=300", "diffusion.batch_size=64",
        "diffusion.lr=1e-3", "diffusion.warmup=10", "diffusion.eval_every=100", "diffusion.checkpoint_every=100"]


@pytest.mark.slow
def test_train_then_eval_is_well_above_chance(world, capsys):
    out = world["tmp"] / "run"
    argv = ["--features", str(world["features"]), "--split", SPLIT.name, "--out", str(out),
            f"data.bank={world['bank']}", "data.val_classes=5", *FAST]
    assert train.main(argv) == 0
    config = json.loads((out / "checkpoint" / "config.json").read_text())
    assert config["text_encoder"] == "test-attributes" and config["metrics"]["best"]["val_top1"] > 0.4
    assert sorted(config["training"]["val_classes"]) and not set(config["training"]["val_classes"]) & set(SPLIT.unseen)
    _assert_calibrated_on_validation(out / "checkpoint", world["features"], config["training"]["val_classes"])
    report = world["tmp"] / "eval" / "report.json"
    assert evaluate.main([str(out / "checkpoint"), "--features", str(world["features"]), "--split", SPLIT.name,
                          "--seeds", "1", "2", "--json", str(report), "--confusion", str(world["tmp"] / "cm.png")]) == 0
    data = json.loads(report.read_text())
    top1 = data["summary"]["zsl_top1"]
    print("ZSL top-1 over 5 unseen classes (chance 0.20):", top1, "GZSL H:", data["summary"]["gzsl_h"])
    assert top1["mean"] > 0.5 and top1["n"] == 2
    assert 0.0 <= data["summary"]["gzsl_h"]["mean"] <= 1.0
    assert (world["tmp"] / "cm.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert evaluate.main(["report", str(world["tmp"] / "eval")]) == 0
    assert f"| {SPLIT.name} | report | 1 x 2 |" in capsys.readouterr().out


def _assert_calibrated_on_validation(checkpoint: Path, features: Path, val: list[int]) -> None:
    """The shipped temperature and error spread are those of the shipped weights' validation errors."""
    ck = load_checkpoint(checkpoint)
    x, y = np.load(features / "train.npy"), np.load(features / "train_label.npy")
    rows = np.isin(y, val)
    text = pipeline.get_text_encoder("x").encode([f"action {c}" for c in val])
    err = label_errors(ck.denoiser, ck.cfg, x[rows], *(torch.from_numpy(a) for a in text))
    truth = torch.tensor([val.index(int(c)) for c in y[rows]])
    assert ck.cfg.error_spread == pytest.approx(error_spread(err), rel=1e-5)
    assert ck.cfg.temperature == pytest.approx(calibrate_temperature(torch.from_numpy(err), truth), rel=1e-4)


def test_same_seed_gives_the_same_checkpoint(world, tmp_path):
    def run(name: str) -> bytes:
        out = tmp_path / name
        assert train.main(["--features", str(world["features"]), "--split", SPLIT.name, "--out", str(out),
                           "--preset", "tiny", f"data.bank={world['bank']}", "diffusion.iterations=4",
                           "diffusion.batch_size=16", "diffusion.eval_every=2", "diffusion.checkpoint_every=2"]) == 0
        return (out / "checkpoint" / "model.safetensors").read_bytes()

    assert run("a") == run("b")


def test_a_text_blind_denoiser_keeps_the_default_error_spread(world, tmp_path):
    """With lr 0 the zero-initialised denoiser predicts 0 for every text, so validation errors are identical across
    labels (spread 0); the checkpoint keeps the unit 1 instead of failing at the last step."""
    out = tmp_path / "run"
    assert train.main(["--features", str(world["features"]), "--split", SPLIT.name, "--out", str(out),
                       "--preset", "tiny", f"data.bank={world['bank']}", "data.val_classes=5", "diffusion.iterations=2",
                       "diffusion.lr=0",
                       "diffusion.batch_size=16", "diffusion.eval_every=2", "diffusion.checkpoint_every=2"]) == 0
    assert load_checkpoint(out / "checkpoint").cfg.error_spread == 1.0


def _one_line_error(capsys, code: int) -> str:
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_bad_inputs_are_one_line_errors(world, capsys, tmp_path):
    base = ["--split", SPLIT.name, "--out", str(tmp_path / "o")]
    err = _one_line_error(capsys, train.main(["--features", str(tmp_path / "missing"), *base]))
    assert "no such feature folder" in err
    err = _one_line_error(capsys, train.main(["--features", str(world["features"]), "--split", "ntu60-1-59"]))
    assert "unknown split" in err
    err = _one_line_error(capsys, train.main(["--features", str(world["features"]), *base, "diffusion.lrr=1"]))
    assert "unknown setting diffusion.lrr" in err
    err = _one_line_error(capsys, train.main(["--config", str(tmp_path / "none.toml"), *base]))
    assert "no such config file" in err
    err = _one_line_error(capsys, evaluate.main([str(tmp_path / "nockpt"), "--features", str(world["features"]),
                                                 "--split", SPLIT.name]))
    assert "does not exist" in err
    err = _one_line_error(capsys, evaluate.main(["report", str(tmp_path / "nothing")]))
    assert "no such folder" in err


def _corpus(path, per_class: int = 2, texts: bool = False) -> None:
    """A 60-class corpus of short synthetic sequences: class c swings the right wrist at its own rate."""
    base = standing_pose()
    seqs, labels = [], []
    for c in range(60):
        for k in range(per_class):
            t = np.arange(24)[:, None]
            seq = np.repeat(base[None], 24, axis=0).copy()
            seq[:, 10, 1] += 0.2 * np.sin(0.1 * (c + 1) * t[:, 0] + k)
            seqs.append(Sequence(seq, name=f"c{c}_k{k}"))
            labels.append(c)
    own = [("", f"doing action {c} in style {i % per_class}", "") if c % 2 == 0 else ("", "", "")
           for i, c in enumerate(labels)] if texts else None
    save_corpus(path, Corpus(seqs, np.array(labels), [f"action {c}" for c in range(60)], "synthetic", "bank",
                             texts=own))


def test_corpus_route_runs_every_stage_and_evaluates(world, tmp_path):
    corpus = tmp_path / "corpus.npz"
    _corpus(corpus)
    out = tmp_path / "run"
    argv = ["--corpus", str(corpus), "--split", SPLIT.name, "--out", str(out), "--preset", "tiny",
            f"data.bank={world['bank']}", "data.seen_test_fraction=0.3", "model.feature_dim=32",
            "encoder.iterations=3", "encoder.batch_size=8", "encoder.checkpoint_every=2", "features.windows=1",
            "diffusion.iterations=3", "diffusion.batch_size=8", "diffusion.checkpoint_every=2"]
    assert train.main(argv) == 0
    assert (out / "encoder" / "encoder.safetensors").is_file()
    train_x = np.load(out / "features" / "train.npy")
    train_y = np.load(out / "features" / "train_label.npy")
    assert train_x.shape[1] == 32 and not set(train_y.tolist()) & set(SPLIT.unseen)
    assert sorted(set(np.load(out / "features" / "z_label.npy").tolist())) == list(SPLIT.unseen)
    config = json.loads((out / "checkpoint" / "config.json").read_text())
    assert config["encoder_trained"] is True
    report = tmp_path / "r.json"
    assert evaluate.main([str(out / "checkpoint"), "--corpus", str(corpus), "--split", SPLIT.name, "--seeds", "1",
                          "--json", str(report)]) == 0
    assert 0.0 <= json.loads(report.read_text())["summary"]["zsl_top1"]["mean"] <= 1.0
    # A finished run is not silently overwritten; --resume on it is a no-op that rewrites the same checkpoint.
    assert train.main(argv) == 2
    assert train.main([*argv, "--resume"]) == 0


def test_synonym_augmentation_is_seeded_and_swaps_only_names(world, tmp_path):
    """diffusion.synonyms > 0 trains on the classes' synonyms too: deterministic, and a different model."""
    base = json.loads(world["bank"].read_text())
    for c in base["classes"]:
        c["synonyms"] = [f"other {c['index']}", f"another {c['index']}"] if c["index"] % 2 == 0 else []
    bank = tmp_path / "syn.json"
    bank.write_text(json.dumps(base))
    text = pipeline.get_text_encoder("x")  # the fixture's AttributeText
    extra = np.random.default_rng(9).normal(size=(60, ATTRS))  # synonyms embed elsewhere than their names
    for c in base["classes"]:
        for s in c["synonyms"]:
            text.bank[s] = len(text.attrs)
            text.attrs = np.vstack([text.attrs, extra[c["index"]]])
    variants = encode_synonyms(text, str(bank), 60, DEFAULT_POLICY)
    assert variants.pooled.shape == (60, 2, DIM) and variants.count.tolist() == [2, 0] * 30
    pooled, _, _ = variants.pick(torch.tensor([0, 0, 1]), torch.tensor([0.0, 0.99, 0.5]))
    want = text.encode(["other 0", "another 0"])[0]
    np.testing.assert_allclose(pooled[:2].numpy(), want, rtol=1e-6)

    def run(name: str, p: float) -> bytes:
        out = tmp_path / name
        assert train.main(["--features", str(world["features"]), "--split", SPLIT.name, "--out", str(out),
                           "--preset", "tiny", f"data.bank={bank}", "diffusion.iterations=4", f"diffusion.synonyms={p}",
                           "diffusion.sparse=name", "diffusion.batch_size=16", "diffusion.eval_every=2",
                           "diffusion.checkpoint_every=2"]) == 0
        return (out / "checkpoint" / "model.safetensors").read_bytes()

    assert run("a", 0.5) == run("b", 0.5) != run("c", 0.0)


def test_sequence_texts_follow_their_sequences_and_change_training(world, tmp_path):
    """diffusion.sequence_texts > 0: rich-level samples may use their own sequence's text (Bandai's style
    sentences); feature rows map back to the right sequences, and the run stays deterministic."""
    corpus = tmp_path / "corpus.npz"
    _corpus(corpus, texts=True)
    text = pipeline.get_text_encoder("x")  # the fixture's AttributeText: register the per-sequence texts
    own_rows = {}
    for c in range(0, 60, 2):
        for k in range(2):
            own_rows[(c, k)] = text.bank[f"doing action {c} in style {k}"] = len(text.attrs)
            text.attrs = np.vstack([text.attrs, text.attrs[c]])

    def embed_own_texts(distinct: bool) -> None:
        extra = np.random.default_rng(4).normal(size=(60, ATTRS))
        for (c, k), row in own_rows.items():  # distinct: an attribute vector of their own; else their class's
            text.attrs[row] = extra[c] * (k + 1) if distinct else text.attrs[c]

    def run(name: str) -> tuple[bytes, Path]:
        out = tmp_path / name
        assert train.main(["--corpus", str(corpus), "--split", SPLIT.name, "--out", str(out), "--preset", "tiny",
                           f"data.bank={world['bank']}", "data.seen_test_fraction=0.3", "model.feature_dim=32",
                           "encoder.iterations=2", "encoder.batch_size=8", "encoder.checkpoint_every=2",
                           "features.windows=2", "diffusion.iterations=4", "diffusion.batch_size=16",
                           "diffusion.checkpoint_every=2", "diffusion.rich=definition",
                           "diffusion.sequence_texts=0.5"]) == 0
        return (out / "checkpoint" / "model.safetensors").read_bytes(), out

    embed_own_texts(True)
    (a, out), (b, _) = run("a"), run("b")
    embed_own_texts(False)
    same_as_class, _ = run("c")
    assert a == b != same_as_class  # deterministic, and the sequences' own texts did reach the denoiser
    loaded = load_corpus(corpus)
    config = json.loads((out / "checkpoint" / "config.json").read_text())
    parts = ClassParts(60, tuple(SPLIT.unseen), tuple(config["training"]["val_classes"]),
                       tuple(config["training"]["train_classes"]))
    rows = np.repeat(train_sequence_rows(loaded, parts, 0.3), 2)
    np.testing.assert_array_equal(np.asarray(loaded.labels)[rows], np.load(out / "features" / "train_label.npy"))


def test_text_head_encoder_is_seeded_and_learns_from_the_class_texts(world, tmp_path):
    """encoder.text_head = a level: the encoder's class weights are the class texts at that level."""
    corpus = tmp_path / "corpus.npz"
    _corpus(corpus)
    text = pipeline.get_text_encoder("x")  # the fixture's AttributeText

    def run(name: str, head: str) -> bytes:
        out = tmp_path / name
        assert train.main(["--corpus", str(corpus), "--split", SPLIT.name, "--out", str(out), "--preset", "tiny",
                           f"data.bank={world['bank']}", "data.seen_test_fraction=0.3", "model.feature_dim=32",
                           "encoder.iterations=3", "encoder.batch_size=8", "encoder.checkpoint_every=3",
                           f"encoder.text_head={head}", "--stage", "encoder"]) == 0
        return (out / "encoder" / "encoder.safetensors").read_bytes()

    a, b, linear = run("a", "definition"), run("b", "definition"), run("linear", "")
    text.attrs = text.attrs[::-1].copy()  # every text now embeds as another class's did
    assert a == b != linear and run("moved", "definition") != a
    assert train.main(["--corpus", str(corpus), "--split", SPLIT.name, "--out", str(tmp_path / "bad"),
                       "encoder.text_head=verbs"]) == 2
