"""The default zero-shot protocol and its ablation table: held-out split, NW-UCLA kept out, scoring, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from fdsm.checkpoint import load_checkpoint, read_config, save_checkpoint
from fdsm.data import Sequence
from fdsm.data.corpus import Corpus, save_corpus
from fdsm.default_model import ablation, protocol
from fdsm.denoiser import Denoiser
from fdsm.diffusion import NoiseSchedule
from fdsm.errors import FdsmError
from fdsm.presets import get_preset
from fdsm.scorer import Scorer
from fdsm.skeleton import rotation_y
from fdsm.skeleton_encoder import SkeletonEncoder
from fdsm.text.prompts import load_bank, normalize_name
from fdsm.training.parts import held_out, sequence_names
from tests.conftest import standing_pose
from tests.fdsm.test_denoiser import randomize
from tests.fdsm.test_recognizer import FakeTextEncoder

NWUCLA_NAMES = [c.name for c in load_bank("nwucla")]
POOL_NAMES = [c.name for c in load_bank("pool")]


def test_heldout_split_is_fixed_and_disjoint():
    split = protocol.heldout_split()
    assert split.num_classes == len(POOL_NAMES)
    assert sorted(POOL_NAMES[i] for i in split.unseen) == sorted(protocol.HELDOUT)
    assert set(split.unseen).isdisjoint(split.seen) and len(split.seen) + len(split.unseen) == split.num_classes
    # No seen class carries a held-out name; NW-UCLA names in the pool are only the written "concept in the pool".
    seen_names = {normalize_name(POOL_NAMES[i]) for i in split.seen}
    assert not seen_names & {normalize_name(n) for n in protocol.HELDOUT}
    in_pool = {normalize_name(n) for n in NWUCLA_NAMES} & {normalize_name(n) for n in POOL_NAMES}
    assert in_pool <= set(protocol.NWUCLA_IN_POOL)
    assert sorted(protocol.NWUCLA_IN_POOL + protocol.NWUCLA_NOT_IN_POOL) == sorted(NWUCLA_NAMES)
    assert len(set(protocol.HELDOUT) & {c.name for c in load_bank("utdmhad")}) == 2


def test_group_top1_scores_a_group_against_all_names():
    errors = np.array([[0.1, 0.5, 0.9], [0.2, 0.1, 0.9], [0.9, 0.1, 0.2], [0.3, 0.2, 0.1]])
    labels = np.array([0, 1, 2, 2])
    names = ["a", "b", "c"]
    assert protocol.group_top1(errors, labels, names, ["a", "b"]) == 100.0
    assert protocol.group_top1(errors, labels, names, ["c"]) == 50.0  # row 2 picks "b", a name outside the group


def _motion(label: int, t: int, rng: np.random.Generator) -> np.ndarray:
    """A standing body whose right hand circles at a class-dependent speed, turned and moved at random."""
    seq = np.repeat(standing_pose()[None], t, 0).copy()
    phase = np.linspace(0, (1 + label) * np.pi, t)
    for j in (10, 11, 23, 24):
        seq[:, j, 0] += 0.2 * np.sin(phase)
        seq[:, j, 1] += 0.2 * np.cos(phase)
    return seq @ rotation_y(rng.uniform(-np.pi, np.pi)).T + rng.normal(0, 0.01, seq.shape).astype(np.float32)


def _corpus(dataset: str, classes: list[str], labels: list[int], seed: int = 0) -> Corpus:
    rng = np.random.default_rng(seed)
    seqs = [Sequence(_motion(lab, int(rng.integers(20, 50)), rng), 30.0, lab, f"{dataset}_{i}")
            for i, lab in enumerate(labels)]
    return Corpus(seqs, np.array(labels), classes, dataset, dataset)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    """nwucla.npz (every class twice) and pool.npz (a few seen classes and every held-out class) in a folder."""
    folder = tmp_path_factory.mktemp("corpora")
    save_corpus(folder / "nwucla.npz", _corpus("nwucla", NWUCLA_NAMES, list(range(10)) * 2))
    split = protocol.heldout_split()
    save_corpus(folder / "pool.npz", _corpus("pool", POOL_NAMES, [*split.seen[:4], *split.unseen, *split.unseen], 1))
    return folder


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    cfg = get_preset("tiny", temperature=0.05)
    path = tmp_path_factory.mktemp("ck") / "checkpoint"
    modules = {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05), "denoiser": randomize(Denoiser(cfg), 2, 0.05)}
    save_checkpoint(path, cfg, modules, {"text_encoder": "fake", "bank": "pool"})
    return path


@pytest.fixture
def fake_text(monkeypatch):
    cfg = get_preset("tiny")
    monkeypatch.setattr("fdsm.text.get_text_encoder", lambda name: FakeTextEncoder(cfg.text_dim, cfg.text_tokens))


def test_load_pool_refuses_nwucla_and_non_corpus_files(corpora, tmp_path):
    with pytest.raises(FdsmError, match="never trained on"):
        protocol.load_pool(corpora / "nwucla.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(FdsmError, match="junk.npz: not a corpus file"):
        protocol.check_pool(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError, match="build it with fdsm-prepare"):
        protocol.check_pool(tmp_path / "absent.npz")
    assert protocol.load_pool(corpora / "pool.npz").dataset == "pool"


def test_heldout_test_keeps_only_heldout_sequences(corpora):
    split = protocol.heldout_split()
    test = protocol.heldout_test(protocol.load_pool(corpora / "pool.npz"), split)
    assert test.names == [POOL_NAMES[c] for c in split.unseen]
    assert len(test.sequences) == 2 * len(split.unseen)
    assert sorted(test.labels.tolist()) == sorted(list(range(len(split.unseen))) * 2)


def test_score_test_matches_a_direct_scorer_loop(checkpoint, corpora):
    """The protocol's numbers equal argmin over errors computed one label and one noise at a time."""
    ck = load_checkpoint(checkpoint)
    text = FakeTextEncoder(ck.cfg.text_dim, ck.cfg.text_tokens)
    test = protocol.nwucla_test(protocol.load_corpus(corpora / "nwucla.npz"))
    cache: dict = {}
    part = protocol.score_test(ck, text, test, [7, 8], cache)
    feats = protocol.test_features_of(ck, test, cache)
    assert len(cache) == 1 and feats.shape == (20, ck.cfg.feature_dim)
    pooled, tokens, mask = (torch.from_numpy(a) for a in text.encode(test.names))
    top1 = []
    for seed in (7, 8):
        cfg = ck.cfg.replace(noise_seed=seed)
        scorer = Scorer(ck.denoiser, NoiseSchedule(cfg.timesteps, cfg.beta_start, cfg.beta_end), cfg)
        with torch.no_grad():
            err = np.stack([scorer.errors(torch.from_numpy(feats), scorer.prepare_labels(
                pooled[k:k + 1], tokens[k:k + 1], mask[k:k + 1]))[:, 0].numpy() for k in range(10)], axis=1)
        top1.append(100.0 * float((err.argmin(1) == test.labels).mean()))
    assert part["top1"]["values"] == pytest.approx(top1, abs=1e-6)
    assert part["top1"]["mean"] == pytest.approx(np.mean(top1)) and part["top1"]["std"] == pytest.approx(np.std(top1))
    assert np.asarray(part["confusion"]).sum() == 2 * len(test.labels)
    assert part["top3"]["mean"] >= part["top1"]["mean"] and part["chance"] == pytest.approx(10.0)
    assert "subset_top1" not in part
    sized = protocol.score_test(ck, text, test, [7, 8], cache, subsets=(1, 10, 40))  # 10 and 40: not fewer names
    assert sized["subset_top1"] == {"1": {"mean": 100.0, "std": 0.0, "n": 2}}


def test_subset_top1_types_the_true_name_and_random_others():
    rng = np.random.default_rng(3)
    errors = rng.random((200, 12))
    labels = rng.integers(0, 12, 200)
    full = float((errors.argmin(1) == labels).mean())
    assert protocol.subset_top1(errors, labels, 12, 3, 0) == pytest.approx(full)  # all names typed: plain top-1
    assert protocol.subset_top1(errors, labels, 1, 3, 0) == 1.0  # only the true name
    best = errors.copy()
    best[np.arange(200), labels] = -1.0
    worst = errors.copy()
    worst[np.arange(200), labels] = 2.0
    assert protocol.subset_top1(best, labels, 4, 5, 0) == 1.0 and protocol.subset_top1(worst, labels, 4, 5, 0) == 0.0
    # errors unrelated to the labels: about 1/k right, and fewer names typed is easier
    assert protocol.subset_top1(errors, labels, 4, 50, 1) == pytest.approx(0.25, abs=0.03)
    assert protocol.subset_top1(errors, labels, 2, 50, 1) == pytest.approx(0.5, abs=0.03)


def test_cli_prints_writes_json_and_pngs(checkpoint, corpora, tmp_path, fake_text, capsys):
    code = protocol.main(["--protocol", "default", str(checkpoint), "--corpora", str(corpora), "--seeds", "1", "2",
                          "--json", str(tmp_path / "r.json"), "--confusion", str(tmp_path / "cm.png")])
    out = capsys.readouterr().out
    assert code == 0
    assert "NW-UCLA, 10 unseen classes, names only" in out and "pool held-out split, 8 unseen classes" in out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["nwucla"]["seeds"] == [1, 2] and report["heldout"]["samples"] == 16
    assert set(report["nwucla"]["per_class_top1"]) == set(NWUCLA_NAMES)
    assert set(report["nwucla"]["groups"]) == {"concept in the pool", "concept not in the pool"}
    assert (tmp_path / "cm.png").stat().st_size > 0 and (tmp_path / "cm-heldout.png").stat().st_size > 0



def test_trained_part_scores_held_back_training_sequences_against_all_training_names(corpora, tmp_path, fake_text):
    split = protocol.heldout_split()
    train = list(split.seen[:4])
    pool = protocol.load_pool(corpora / "pool.npz")
    part = protocol.trained_test(pool, train, 0.5)
    share = held_out(sequence_names(pool), 0.5)
    expected = [i for i, lab in enumerate(pool.labels) if lab in train and share[i]]
    assert 0 < len(expected) < 4  # half of the four training-class sequences are held back
    assert [s.name for s in part.sequences] == [pool.sequences[i].name for i in expected]
    assert part.names == [POOL_NAMES[c] for c in train]
    assert [part.names[k] for k in part.labels] == [POOL_NAMES[pool.labels[i]] for i in expected]

    cfg = get_preset("tiny", temperature=0.05)
    ck = tmp_path / "ck"
    modules = {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05), "denoiser": randomize(Denoiser(cfg), 2, 0.05)}
    save_checkpoint(ck, cfg, modules, {"text_encoder": "fake", "bank": "pool", "seen_test_fraction": 1.0,
                                       "training": {"train_classes": train}})
    report = protocol.evaluate(ck, corpora / "nwucla.npz", corpora / "pool.npz", [1])
    assert report["trained"]["samples"] == 4 and report["trained"]["classes"] == part.names  # fraction 1: all held back
    assert "trained classes, held-back sequences, 4 names" in protocol.format_report(report)
    assert "trained" not in protocol.evaluate(ck, corpora / "nwucla.npz", corpora / "pool.npz", [1], trained=False)


@pytest.mark.parametrize("bias", [0.0, 1e6])
def test_mixed_part_scores_both_shares_against_all_names_with_the_seen_name_correction(corpora, tmp_path, fake_text,
                                                                                        bias):
    """(d): training + held-out names at once. No correction: both rows equal. An overwhelming one: trained names
    never win (S = 0) and the held-out sequences are ranked among the held-out names alone, i.e. U = part (b)."""
    split = protocol.heldout_split()
    train = list(split.seen[:4])
    pool = protocol.load_pool(corpora / "pool.npz")
    seen, unseen = protocol.mixed_tests(protocol.trained_test(pool, train, 1.0), protocol.heldout_test(pool, split))
    assert seen.names == unseen.names == [POOL_NAMES[c] for c in train + list(split.unseen)]
    assert [unseen.names[k] for k in unseen.labels] == [POOL_NAMES[pool.labels[i]] for i in range(len(pool.labels))
                                                         if pool.labels[i] in split.unseen]

    cfg = get_preset("tiny", temperature=0.05, seen_bias=bias)
    ck = tmp_path / "ck"
    modules = {"encoder": randomize(SkeletonEncoder(cfg), 1, 0.05), "denoiser": randomize(Denoiser(cfg), 2, 0.05)}
    save_checkpoint(ck, cfg, modules, {"text_encoder": "fake", "bank": "pool", "seen_test_fraction": 1.0,
                                       "training": {"train_classes": train}})
    report = protocol.evaluate(ck, corpora / "nwucla.npz", corpora / "pool.npz", [1, 2])
    mixed = report["mixed"]
    assert mixed["samples"] == [4, 16] and mixed["seen_bias"] == bias
    assert "4 training + 8 held-out names" in protocol.format_report(report)
    card = protocol.model_card(read_config(ck), report, 1000, "a note")
    assert f"marked down by seen_bias {bias:g} (in units of the checkpoint's error_spread)" in card
    assert "mixed label set | S:" in card
    if bias == 0.0:
        assert mixed["corrected"] == mixed["uncorrected"]
    else:
        assert mixed["corrected"]["S"]["mean"] == 0.0
        assert mixed["corrected"]["U"]["mean"] == pytest.approx(report["heldout"]["top1"]["mean"])
    assert "mixed" not in protocol.evaluate(ck, corpora / "nwucla.npz", corpora / "pool.npz", [1], trained=False)

def test_cli_bad_input_is_one_line(checkpoint, tmp_path, capsys):
    assert protocol.main([str(checkpoint), "--corpora", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fdsm-eval --protocol default: error: missing corpus") and "\n" not in err


def test_train_refuses_anything_but_the_pool(corpora, capsys):
    assert protocol.train_main(["--preset", "tiny", "--corpus", str(corpora / "nwucla.npz"), "--stage", "encoder",
                                "--out", str(corpora / "never")]) == 2
    assert "never trained on" in capsys.readouterr().err
    assert not (corpora / "never").exists()


def _result(variant: str, seed: int, nw: float, held: float) -> dict:
    return {"variant": variant, "seed": seed, "nwucla": {"top1": nw, "top3": nw + 20},
            "heldout": {"top1": held, "top3": held + 10}}


def test_ablation_table_says_when_the_full_model_leads_by_more_than_one_std():
    results = {"full": [_result("full", s, v, 50) for s, v in zip((1, 2, 3), (40, 42, 44), strict=True)],
               "no-tasl": [_result("no-tasl", s, v, 40) for s, v in zip((1, 2, 3), (30, 31, 32), strict=True)],
               "no-sgsrm": [_result("no-sgsrm", s, v, 40) for s, v in zip((1, 2, 3), (40, 41, 42), strict=True)]}
    summary = ablation.summarize(results)
    assert summary["full"]["nwucla.top1"]["mean"] == pytest.approx(42.0)
    assert summary["full"]["nwucla.top1"]["std"] == pytest.approx(np.std([40, 42, 44]))
    text = ablation.table(summary, "test budget")
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in text.splitlines() if line.startswith("| ")}
    assert rows["without TASL"][4:] == ["+11.0*", "+10.0*"]
    assert rows["without SG-SRM"][4:] == ["+1.0", "+10.0*"]  # +1.0 < std 1.63: no star
    assert rows["full model (recipe settings)"] == ["42.0 +- 1.6", "62.0 +- 1.6", "50.0 +- 0.0", "60.0 +- 0.0", "-",
                                                    "-"]
    assert "Budget: test budget. Each row: 3 training seeds" in text


def test_ablation_reuses_finished_runs_and_refuses_a_base_without_encoder(tmp_path):
    out = tmp_path / "full" / "1"
    out.mkdir(parents=True)
    done = _result("full", 1, 33.0, 44.0)
    (out / "result.json").write_text(json.dumps(done))
    variant = ablation.VARIANTS[0]
    assert ablation.run_one(variant, 1, tmp_path / "nowhere", tmp_path, tmp_path, out, 10, [], {}) == done
    with pytest.raises(FdsmError, match="no encoder/ folder"):
        ablation.run_one(variant, 2, tmp_path / "nowhere", tmp_path, tmp_path, tmp_path / "full" / "2", 10, [], {})


def test_ablation_rows_with_their_own_encoder_say_which_base_they_need(tmp_path, capsys):
    assert ablation.main(["--base", str(tmp_path), "--corpora", str(tmp_path), "--out", str(tmp_path / "o"),
                          "--variants", "text-head", "no-synth"]) == 0
    out = capsys.readouterr().out
    assert "skipping text-head: give --base-text-head" in out
    assert "skipping no-synth: give --base-nosynth and --corpora-nosynth" in out
    assert {v.base for v in ablation.VARIANTS} == {"recipe", "nosynth", "text-head"}


@pytest.mark.slow
def test_train_is_deterministic_and_never_touches_heldout_classes(corpora, tmp_path, monkeypatch):
    cfg = get_preset("tiny")
    monkeypatch.setattr("fdsm.training.pipeline.get_text_encoder",
                        lambda name: FakeTextEncoder(cfg.text_dim, cfg.text_tokens, "minilm"))
    def train(out):
        return protocol.train_main(["--preset", "tiny", "--corpus", str(corpora / "pool.npz"), "--out", str(out),
                                    "run.device=cpu", "data.val_classes=0", "encoder.iterations=2",
                                    "encoder.batch_size=4", "features.windows=1", "diffusion.iterations=2",
                                    "diffusion.batch_size=8", "diffusion.rich=kinematics", "diffusion.sparse=name"])

    out, again = tmp_path / "run", tmp_path / "again"
    assert train(out) == 0 and train(again) == 0
    weights = "checkpoint/model.safetensors"
    assert (out / weights).read_bytes() == (again / weights).read_bytes()  # deterministic for a seed
    ck = load_checkpoint(out / "checkpoint")
    split = protocol.heldout_split()
    assert ck.meta["split"] == protocol.SPLIT_NAME and ck.meta["text_level"] == "name"
    assert set(ck.meta["training"]["train_classes"]).isdisjoint(split.unseen)
    assert json.loads((out / "train_config.json").read_text())["run"]["split"] == protocol.SPLIT_NAME


def test_ship_installs_weights_onnx_and_a_card_with_the_licence(checkpoint, corpora, tmp_path, fake_text):
    report_file = tmp_path / "report.json"
    assert protocol.main([str(checkpoint), "--corpora", str(corpora), "--seeds", "3", "--json", str(report_file)]) == 0
    target = tmp_path / "assets" / "default"
    target.mkdir(parents=True)
    (target / "stale.txt").write_text("replaced as a whole")
    protocol.ship(checkpoint, report_file, target, "2 steps on a test machine")
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "model.onnx", "model.safetensors",
                                                        "model_card.md"]
    assert not list(tmp_path.joinpath("assets").glob(".default*"))  # staging and old copies are gone
    card = (target / "model_card.md").read_text()
    for needle in ("CC BY-NC 4.0", "no commercial use", "research use only", "arXiv:2306.08861",
                   "obtained from HDM05", "NSF EIA-0196217", "Yun", "Cross-view Action Modeling",
                   "fdsm-prepare pool", "2 steps on a test machine", *protocol.HELDOUT):
        assert needle in card
    report = json.loads(report_file.read_text())
    assert f"{report['nwucla']['top1']['mean']:.1f} +- " in card
    from fdsm.runtime import OnnxSession

    OnnxSession(target / "model.onnx")  # loads


def test_shipped_config_names_no_path_of_the_training_machine():
    config = {"text_encoder": "minilm", "training": {"train_classes": [1], "config": {
        "data": {"corpus": ["/home/me/corpora/pool.npz"], "bank": ""}, "run": {"out": "/scratch/run7", "seed": 3}}}}
    portable = protocol.portable_config(config)
    assert portable["training"]["config"]["data"]["corpus"] == ["CORPORA/pool.npz"]
    assert portable["training"]["config"]["run"] == {"out": "runs/default", "seed": 3}
    assert config["training"]["config"]["run"]["out"] == "/scratch/run7"  # the input is left as it was
    assert protocol.portable_config({"text_encoder": "minilm"}) == {"text_encoder": "minilm"}


def test_model_card_says_whose_weights_were_shipped_and_the_fewer_names_score(checkpoint, corpora, fake_text):
    report = protocol.evaluate(checkpoint, corpora / "nwucla.npz", None, [1])
    metrics = {"best": {"step": 2, "val_top1": 0.5}, "last": {"step": 4, "val_top1": 0.25}, "selected": "last"}
    report["trained"] = report["nwucla"] | {"subset_top1": {"5": {"mean": 91.25, "std": 0.5, "n": 1}}}
    card = protocol.model_card(read_config(checkpoint) | {"metrics": metrics}, report, 1000, "a note")
    assert ("shipped: the last step's weights): best {\"step\": 2, \"val_top1\": 0.5}, "
            "last {\"step\": 4, \"val_top1\": 0.25}") in card
    assert "with fewer typed: 5 names 91.2 +- 0.5 % (the true name and random others, 20 draws" in card
    assert "top-1 with fewer names typed: 5 names 91.2 +- 0.5 %" in protocol.format_report(report)


def test_registered_default_pool_split_equals_the_protocol_held_out_names():
    from fdsm.splits import get_split

    registered = get_split("default-pool")
    assert registered.unseen == protocol.heldout_split().unseen
    assert registered.num_classes == protocol.heldout_split().num_classes


@pytest.mark.parametrize("train_on_val", [True, False])
def test_encoder_learns_validation_classes_only_when_asked(corpora, tmp_path, monkeypatch, train_on_val):
    """encoder.train_on_val=false keeps the validation classes out of the encoder: validation is then zero-shot."""
    from fdsm.skeleton_encoder import SkeletonEncoder as Encoder
    from fdsm.training.parts import class_parts

    heads = []
    real = Encoder.classifier
    monkeypatch.setattr(Encoder, "classifier", lambda self, n, *a, **k: heads.append(n) or real(self, n, *a, **k))
    code = protocol.train_main(["--preset", "tiny", "--corpus", str(corpora / "pool.npz"), "--out", str(tmp_path),
                                "--stage", "encoder", "run.device=cpu", "data.val_classes=2", "encoder.iterations=1",
                                "encoder.batch_size=4", f"encoder.train_on_val={str(train_on_val).lower()}"])
    split = protocol.heldout_split()
    parts = class_parts(split.num_classes, list(split.unseen), 2, 2025)
    assert code == 0 and heads == [len(parts.seen) if train_on_val else len(parts.train)]
    assert len(parts.seen) == len(parts.train) + 2


def test_written_validation_classes_reach_the_trainer(corpora, tmp_path, monkeypatch):
    """data.val_names holds exactly those classes out of the encoder (train_on_val=false), not a seeded draw."""
    from fdsm.skeleton_encoder import SkeletonEncoder as Encoder

    heads = []
    real = Encoder.classifier
    monkeypatch.setattr(Encoder, "classifier", lambda self, n, *a, **k: heads.append(n) or real(self, n, *a, **k))
    code = protocol.train_main(["--preset", "tiny", "--corpus", str(corpora / "pool.npz"), "--out", str(tmp_path),
                                "--stage", "encoder", "run.device=cpu", "data.val_classes=0",
                                "data.val_names=show the way,fan yourself", "encoder.iterations=1",
                                "encoder.batch_size=4", "encoder.train_on_val=false"])
    split = protocol.heldout_split()
    assert code == 0 and heads == [split.num_classes - len(split.unseen) - 2]
    assert protocol.train_main(["--preset", "tiny", "--corpus", str(corpora / "pool.npz"), "--out",
                                str(tmp_path / "bad"), "--stage", "encoder", "data.val_names=fly,swim"]) != 0


def test_text_level_scores_matched_names_by_their_bank_text(checkpoint, corpora, monkeypatch, capsys):
    """--text-level definition: every NW-UCLA name matches a bank class, so the model reads its definition."""
    from fdsm.text.policy import match_for

    cfg = get_preset("tiny")
    seen: list[str] = []

    class Recording(FakeTextEncoder):
        def encode(self, texts):
            seen.extend(texts)
            return super().encode(texts)

    monkeypatch.setattr("fdsm.text.get_text_encoder", lambda name: Recording(cfg.text_dim, cfg.text_tokens))
    assert protocol.main([str(checkpoint), "--corpora", str(corpora), "--seeds", "1", "--no-heldout",
                          "--text-level", "definition", "--json", str(corpora.parent / "level.json")]) == 0
    assert "scored by their bank's definition text" in capsys.readouterr().out
    wanted = [match_for(n, "pool").entry.text("definition") for n in NWUCLA_NAMES]
    assert seen == wanted and wanted != NWUCLA_NAMES
    assert json.loads((corpora.parent / "level.json").read_text())["text_level"] == "definition"
