"""One training run: resolves the model config, class parts and inputs once, and runs the stages.

Layout of `--out`: `encoder/` (state.pt, encoder.safetensors), `features/` (the feature folder),
`diffusion/` (state.pt, best.pt), `checkpoint/` (the final fdsm.checkpoint folder), train_config.json.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from fdsm.data.corpus import Corpus
from fdsm.data.features import FeatureSet, load_features
from fdsm.errors import FdsmError
from fdsm.presets import ModelConfig, get_preset
from fdsm.splits import Split
from fdsm.text.encoder import TextEncoder, get_text_encoder
from fdsm.text.policy import DEFAULT_POLICY, TextPolicy, get_policy
from fdsm.text.prompts import LEVELS, load_bank
from fdsm.training.config import preset_overrides, scored_level
from fdsm.training.encoder_stage import WEIGHTS, load_encoder, train_encoder
from fdsm.training.feature_stage import build_features, train_sequence_rows, train_window_captions
from fdsm.training.loop import DistInfo
from fdsm.training.parts import ClassParts, class_parts, load_corpora, val_indices
from fdsm.training.texts import LevelTexts, RowTexts, encode_bank, encode_row_texts, encode_synonyms


class Run:
    """The stages of one `fdsm-train` invocation, sharing their resolved inputs."""

    def __init__(self, cfg: dict[str, dict[str, Any]], split: Split, out: Path, resume: bool, dist: DistInfo,
                 default_bank: str) -> None:
        self.cfg, self.split, self.out, self.resume, self.dist = cfg, split, out, resume, dist
        self.seed = cfg["run"]["seed"]
        self.default_bank = default_bank

    @cached_property
    def text_encoder(self) -> TextEncoder:
        return get_text_encoder(self.cfg["diffusion"]["text_encoder"])

    @cached_property
    def corpus(self) -> Corpus:
        corpus = load_corpora(self.cfg["data"]["corpus"])
        if len(corpus.classes) != self.split.num_classes:
            raise FdsmError(f"the corpus has {len(corpus.classes)} classes but split {self.split.name} has "
                            f"{self.split.num_classes}")
        return corpus

    @cached_property
    def feature_set(self) -> FeatureSet:
        folder = self.cfg["data"]["features"] or self.out / "features"
        return load_features(folder, self.split)

    def model_config(self, feature_dim: int | None = None) -> ModelConfig:
        """The preset with the config's overrides; text sizes always follow the text encoder."""
        overrides = preset_overrides(self.cfg)
        overrides.update(text_dim=self.text_encoder.dim, text_tokens=self.text_encoder.max_tokens)
        if feature_dim is not None:
            overrides["feature_dim"] = feature_dim
        return get_preset(self.cfg["run"]["preset"], **overrides)

    @cached_property
    def parts(self) -> ClassParts:
        data = self.cfg["data"]
        chosen = val_indices(data["val_names"], [c.name for c in load_bank(self.bank)]) if data["val_names"] else ()
        return class_parts(self.split.num_classes, list(self.split.unseen), data["val_classes"], self.seed, chosen)

    @property
    def policy(self) -> TextPolicy:
        """The text policy the checkpoint is trained and scored with, at its scored level (`diffusion.test_level`)."""
        return get_policy(DEFAULT_POLICY.name, DEFAULT_POLICY.version, scored_level(self.cfg["diffusion"]))

    @cached_property
    def class_texts(self) -> LevelTexts:
        """The bank's classes encoded at every level, once per run (the encoder and diffusion stages share them)."""
        return encode_bank(self.text_encoder, self.bank, self.split.num_classes, self.policy)

    @property
    def bank(self) -> str:
        if self.cfg["data"]["bank"]:
            return self.cfg["data"]["bank"]
        return self.corpus.bank if self.cfg["data"]["corpus"] else self.default_bank

    def encoder(self) -> None:
        level = self.cfg["encoder"]["text_head"]
        class_texts = self.class_texts.pooled[LEVELS.index(level)] if level else None
        train_encoder(self.corpus, self.parts, self.model_config(), self.cfg["encoder"], self.seed,
                      self.cfg["data"]["seen_test_fraction"], self.out, self.resume, self.dist, class_texts)

    def features(self) -> None:
        cfg = self.model_config()
        encoder = load_encoder(cfg, self.out / "encoder" / WEIGHTS).to(self.dist.device)
        if self.dist.is_main:
            s = self.cfg["features"]
            build_features(self.corpus, self.parts, cfg, encoder, s["windows"], s["batch_size"], self.seed,
                           self.cfg["data"]["seen_test_fraction"], self.cfg["encoder"]["augment"],
                           self.out / "features", camera_noise=self.cfg["encoder"]["camera_noise"])
        if self.dist.world > 1:
            import torch.distributed

            torch.distributed.barrier()

    def sequence_texts(self) -> RowTexts | None:
        """Each training feature's own sequence text at the curriculum's rich level (None: the corpus has none)."""
        corpus = self.corpus
        if corpus.texts is None:
            return None
        rows = np.repeat(train_sequence_rows(corpus, self.parts, self.cfg["data"]["seen_test_fraction"]),
                         self.cfg["features"]["windows"])
        if len(rows) != len(self.feature_set.train):
            raise FdsmError(f"{len(self.feature_set.train)} training features do not match the corpus's "
                            f"{len(rows)} training windows: rebuild the features (--stage features)")
        level = LEVELS.index(self.cfg["diffusion"]["rich"])
        return encode_row_texts(self.text_encoder, [corpus.texts[r][level] for r in rows])

    def window_captions(self) -> RowTexts:
        """Each training feature's window captioned (fdsm.captions) and encoded, distinct captions once."""
        s = self.cfg["features"]
        texts = train_window_captions(self.corpus, self.parts, self.model_config(), s["windows"], self.seed,
                                      self.cfg["data"]["seen_test_fraction"])
        if len(texts) != len(self.feature_set.train):
            raise FdsmError(f"{len(self.feature_set.train)} training features do not match the corpus's "
                            f"{len(texts)} training windows: rebuild the features (--stage features)")
        return encode_row_texts(self.text_encoder, texts)

    def diffusion(self) -> Path:
        from_corpus = bool(self.cfg["data"]["corpus"])
        cfg = self.model_config(None if from_corpus else self.feature_set.dim)
        if self.feature_set.dim != cfg.feature_dim:
            raise FdsmError(f"the features are {self.feature_set.dim}-d but the model expects {cfg.feature_dim}-d")
        encoder = load_encoder(cfg, self.out / "encoder" / WEIGHTS) if from_corpus else None
        texts = self.class_texts
        synonyms = (encode_synonyms(self.text_encoder, self.bank, self.split.num_classes, self.policy)
                    if self.cfg["diffusion"]["synonyms"] > 0 else None)
        own = self.sequence_texts() if from_corpus and self.cfg["diffusion"]["sequence_texts"] > 0 else None
        captions = self.window_captions() if from_corpus and self.cfg["diffusion"]["captions"] > 0 else None
        meta = {"text_encoder": self.text_encoder.name, "text_dim": self.text_encoder.dim,
                "text_policy": self.policy.record(), "bank": self.bank, "split": self.split.name,
                "class_names": texts.names, "seen_test_fraction": self.cfg["data"]["seen_test_fraction"],
                "training": {"config": self.cfg, "val_classes": list(self.parts.val),
                             "train_classes": list(self.parts.train)}}
        from fdsm.training.diffusion_stage import train_diffusion

        settings = {**self.cfg["diffusion"], "loss": self.cfg["loss"]}
        return train_diffusion(self.feature_set, texts, self.parts, cfg, settings, self.seed, self.out,
                               self.resume, self.dist, encoder, meta, synonyms, own, captions)
