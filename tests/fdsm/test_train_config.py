"""fdsm-train settings: defaults <- TOML <- flags <- key=value overrides, each checked against its default's type."""

from __future__ import annotations

import pytest

from fdsm.errors import FdsmError
from fdsm.presets import ModelConfig
from fdsm.train import build_parser, plan, resolve_config
from fdsm.training.config import DEFAULTS, apply_overrides, apply_toml, default_config, set_value

FIELDS = ModelConfig().to_dict()


def test_diffusion_defaults_are_the_paper_hyperparameters():
    d = DEFAULTS["diffusion"]
    assert (d["lr"], d["weight_decay"], d["warmup"], d["iterations"], d["batch_size"]) == (1e-4, 0.01, 100, 50000, 256)
    assert (ModelConfig().timesteps, ModelConfig().t_test, ModelConfig().num_noises) == (50, 25, 3)


def test_overrides_are_typed_and_resolve_bare_keys():
    cfg = default_config()
    apply_overrides(cfg, ["diffusion.lr=3e-4", "eval_every=50", "tasl=false", "model.depth=2",
                          "encoder_channels=8,16", "corpus=a.npz,b.npz"], FIELDS)
    assert cfg["diffusion"]["lr"] == 3e-4 and cfg["diffusion"]["eval_every"] == 50
    assert cfg["loss"]["tasl"] is False
    assert cfg["model"] == {"depth": 2} and cfg["encoder"]["encoder_channels"] == [8, 16]
    assert cfg["data"]["corpus"] == ["a.npz", "b.npz"]
    assert DEFAULTS["diffusion"]["lr"] == 1e-4  # the defaults themselves are untouched


@pytest.mark.parametrize("override, message", [
    ("diffusion.lrr=1", "unknown setting diffusion.lrr"),
    ("iterations=5", "ambiguous"),
    ("nonsense=1", "unknown setting"),
    ("diffusion.lr=fast", "cannot read 'fast' as float"),
    ("diffusion.tasl=maybe", "expected true or false"),
    ("diffusion.sparse=verbs", "not one of"),
    ("model.depht=2", "unknown model setting"),
    ("no_equals_sign", "must look like key=value"),
])
def test_bad_overrides_are_one_line_errors(override, message):
    with pytest.raises(FdsmError, match=message) as info:
        apply_overrides(default_config(), [override], FIELDS)
    assert "\n" not in str(info.value)


def test_toml_file_then_flags_then_overrides(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('[run]\npreset = "tiny"\nsplit = "ntu60-55-5"\n[diffusion]\nlr = 1\niterations = 7\n'
                    '[model]\ndepth = 3\n')
    args = build_parser().parse_args(["--config", str(path), "--split", "ntu60-48-12", "diffusion.iterations=9"])
    cfg = resolve_config(args)
    assert cfg["run"]["preset"] == "tiny"
    assert cfg["run"]["split"] == "ntu60-48-12"  # the flag beats the file
    assert cfg["diffusion"]["lr"] == 1.0 and isinstance(cfg["diffusion"]["lr"], float)  # int accepted for a float
    assert cfg["diffusion"]["iterations"] == 9  # the override beats the file
    assert cfg["model"]["depth"] == 3


@pytest.mark.parametrize("text, message", [
    ('[diffusion]\nlr = "high"\n', "cannot read 'high' as float"),
    ("[diffusion]\nlr = [1]\n", "expected float, got list"),
    ("[diffusion]\nwarmpu = 3\n", "unknown setting diffusion.warmpu"),
    ("[training]\nlr = 3\n", "unknown section"),
    ("lr = 3\n", "must be a \\[section\\] table"),
    ("[run\n", "not a valid TOML file"),
])
def test_bad_toml_names_the_file(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(FdsmError, match=message) as info:
        apply_toml(default_config(), path, FIELDS)
    assert str(path) in str(info.value)


def test_every_shipped_config_parses():
    from pathlib import Path

    import fdsm
    from fdsm.splits import get_split

    folder = Path(fdsm.__file__).parent / "configs"
    paper = sorted(p for p in folder.glob("*.toml") if p.stem != "default_live")
    assert len(paper) >= 8
    for path in paper:
        cfg = default_config()
        apply_toml(cfg, path, FIELDS)
        assert get_split(cfg["run"]["split"]).name == cfg["run"]["split"]
        assert cfg["run"]["preset"] == "paper" and cfg["diffusion"]["iterations"] == 50000


# Seen / unseen class counts of the published protocols (research/fdsm_method.md section 5; SMIE splits 1 and 4
# are NTU-60 55/5 and NTU-120 110/10, PKU-MMD 46/5 is SMIE split 7).
PUBLISHED = {"ntu60-55-5": (55, 5), "ntu60-48-12": (48, 12), "ntu60-40-20": (40, 20), "ntu60-30-30": (30, 30),
             "ntu120-110-10": (110, 10), "ntu120-96-24": (96, 24), "ntu120-80-40": (80, 40), "ntu120-60-60": (60, 60),
             "smie-ntu60-1": (55, 5), "smie-ntu120-4": (110, 10), "pku51-46-5": (46, 5),
             "kinetics400-360-40": (360, 40)}


def test_every_paper_config_trains_on_all_its_seen_classes():
    """Dry-resolve each shipped paper config to its class parts: the denoiser trains on every seen class of the
    published split (no validation classes carved out unless a config asks), and the unseen count is the paper's."""
    from pathlib import Path

    import fdsm
    from fdsm.splits import get_split
    from fdsm.training.parts import class_parts

    folder = Path(fdsm.__file__).parent / "configs"
    paper = sorted(p for p in folder.glob("*.toml") if p.stem != "default_live")
    assert sorted(p.stem for p in paper) == sorted(PUBLISHED)
    for path in paper:
        cfg = default_config()
        apply_toml(cfg, path, FIELDS)
        split = get_split(cfg["run"]["split"])
        parts = class_parts(split.num_classes, list(split.unseen), cfg["data"]["val_classes"], cfg["run"]["seed"])
        assert (len(parts.train), len(parts.unseen), parts.val) == (*PUBLISHED[path.stem], ()), path.name


def test_the_default_recipe_carves_its_validation_classes_explicitly():
    from fdsm.default_model import protocol
    from fdsm.splits import get_split
    from fdsm.text.prompts import load_bank
    from fdsm.training.parts import class_parts, val_indices

    cfg = default_config()
    apply_toml(cfg, protocol.RECIPE, FIELDS)
    split = get_split(protocol.SPLIT_NAME)
    names = [c.name for c in load_bank(protocol.POOL_BANK)]
    chosen = val_indices(cfg["data"]["val_names"], names)
    parts = class_parts(split.num_classes, list(split.unseen), cfg["data"]["val_classes"], cfg["run"]["seed"], chosen)
    assert len(parts.val) == cfg["data"]["val_classes"] == 6
    assert len(parts.train) == split.num_classes - len(split.unseen) - 6
    assert {names[c] for c in parts.val} == set(cfg["data"]["val_names"])
    assert "jumping jacks" not in {names[c] for c in parts.val}  # everyday names a user types are trained on


def test_written_validation_classes_are_checked():
    from fdsm.training.parts import class_parts, val_indices

    assert class_parts(10, [0, 1], 0, 0, [4, 2]).val == (2, 4)
    assert class_parts(10, [0, 1], 2, 0, [4, 2]).train == (3, 5, 6, 7, 8, 9)
    with pytest.raises(FdsmError, match="val_classes is 3 but data.val_names names 2"):
        class_parts(10, [0, 1], 3, 0, [4, 2])
    with pytest.raises(FdsmError, match="unseen"):
        class_parts(10, [0, 1], 0, 0, [1, 2])
    with pytest.raises(FdsmError, match="at least 2 different"):
        class_parts(10, [0, 1], 0, 0, [2, 2])
    assert val_indices(["Wave", "jump "], ["run", "wave", "jump"]) == [1, 2]
    with pytest.raises(FdsmError, match="no class named 'fly'"):
        val_indices(["fly"], ["run", "wave"])


def test_validation_classes_are_never_negative():
    from fdsm.training.parts import class_parts

    assert DEFAULTS["data"]["val_classes"] == 0
    with pytest.raises(FdsmError, match="val_classes must be >= 0"):
        class_parts(10, [0, 1], -1, 0)


def test_plan_picks_stages_from_the_inputs():
    cfg = default_config()
    with pytest.raises(FdsmError, match="nothing to train on"):
        plan("all", cfg)
    cfg["data"]["features"] = "feats"
    assert plan("all", cfg) == ["diffusion"]
    with pytest.raises(FdsmError, match="needs a corpus"):
        plan("encoder", cfg)
    cfg["data"]["features"], cfg["data"]["corpus"] = "", ["c.npz"]
    assert plan("all", cfg) == ["encoder", "features", "diffusion"]


def test_tasl_settings_live_in_one_place():
    """TASL's numbers are training settings beside its switch; the model config (stored in every checkpoint and
    stamped into its ONNX graph) no longer carries them, and older checkpoints that did still load."""
    from fdsm.training.diffusion_stage import loss_config

    assert "tasl_gamma" not in FIELDS and "tasl_low_bands" not in FIELDS
    cfg = default_config()
    apply_overrides(cfg, ["diffusion.tasl_gamma=0.5", "tasl_low_bands=3"], FIELDS)
    losses = loss_config(cfg["loss"])
    assert (losses.tasl, losses.tasl_low_bands, losses.tasl_gamma) == (True, 3, 0.5)
    assert ModelConfig.from_dict({**FIELDS, "tasl_low_bands": 5, "tasl_gamma": 1.0}) == ModelConfig()


def test_model_encoder_scorer_and_loss_sections_hold_each_setting_once(tmp_path):
    from fdsm.presets import ENCODER_FIELDS, SCORER_FIELDS, field_section
    from fdsm.training.config import PRESET_SECTIONS, preset_overrides

    assert set(DEFAULTS) >= {"model", "encoder", "scorer", "loss"}
    assert set(ENCODER_FIELDS) | set(SCORER_FIELDS) < set(FIELDS)
    assert {field_section(f) for f in FIELDS} == set(PRESET_SECTIONS)
    assert not set(DEFAULTS["loss"]) & set(DEFAULTS["diffusion"]) and not set(FIELDS) & set(DEFAULTS["encoder"])
    cfg = default_config()
    apply_overrides(cfg, ["seen_bias=0.5", "window_frames=48", "depth=2", "triplet=true"], FIELDS)
    assert (cfg["scorer"], cfg["model"], cfg["encoder"]["window_frames"], cfg["loss"]["triplet"]) == (
        {"seen_bias": 0.5}, {"depth": 2}, 48, True)
    assert preset_overrides(cfg) == {"depth": 2, "window_frames": 48, "seen_bias": 0.5}
    with pytest.raises(FdsmError, match="unknown encoder setting 't_test'"):
        apply_overrides(cfg, ["encoder.t_test=3"], FIELDS)


def test_files_from_before_the_split_still_load(tmp_path):
    """A scorer or encoder field under [model] and a loss setting under [diffusion] are read into their sections."""
    old = tmp_path / "old.toml"
    old.write_text('[model]\nseen_bias = 0.85\nwindow_frames = 48\ndepth = 2\n'
                   '[diffusion]\ntasl = false\ntriplet = true\ntasl_gamma = 0.5\nlr = 3e-4\n')
    cfg = default_config()
    apply_toml(cfg, old, FIELDS)
    assert cfg["scorer"] == {"seen_bias": 0.85} and cfg["model"] == {"depth": 2}
    assert cfg["encoder"]["window_frames"] == 48 and cfg["diffusion"]["lr"] == 3e-4
    assert (cfg["loss"]["tasl"], cfg["loss"]["triplet"], cfg["loss"]["tasl_gamma"]) == (False, True, 0.5)
    assert "tasl" not in cfg["diffusion"]


def test_the_scored_level_defaults_to_the_sparse_level():
    from fdsm.training.config import scored_level

    cfg = default_config()
    assert scored_level(cfg["diffusion"]) == cfg["diffusion"]["sparse"]
    set_value(cfg, "diffusion", "test_level", "definition", "test")
    assert scored_level(cfg["diffusion"]) == "definition"
    with pytest.raises(FdsmError, match="is not one of"):
        set_value(cfg, "diffusion", "test_level", "poem", "test")
