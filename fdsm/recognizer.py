"""The public zero-shot recognizer: typed action names + a skeleton window -> scores per name.

    rec = Recognizer.from_pretrained()          # assets/checkpoints/default
    rec.set_labels(["wave", "jump up"])
    res = rec.recognize(skeleton, fps=30.0)     # (T, M, 25, 3) or (T, 25, 3), metres, y up

The window is the last `window_seconds` of the input, normalized by `fdsm.skeleton.normalize`; the
skeleton encoder and one-step scorer run through onnxruntime (default) or torch. The ONNX backend with
up-to-date exported graphs (`fdsm.export`) never imports torch: the checkpoint's torch modules are built
only for the torch backend, a re-export of stale graphs, or textual-inversion teaching.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fdsm import ranking
from fdsm.assets import asset_path
from fdsm.checkpoint import CONFIG, Checkpoint, load_checkpoint
from fdsm.errors import AssetError, CheckpointError, FdsmError
from fdsm.examples import Teacher
from fdsm.runtime import LABELS_FILE, SCORING_FILE, OnnxModel, OnnxSession
from fdsm.skeleton import as_bodies, normalize
from fdsm.text.policy import match_for

if TYPE_CHECKING:
    from fdsm.scorer import Scorer

BACKENDS = ("onnx", "torch")


@dataclass
class Result:
    """One window's answer: best label (None = nothing matches), probabilities, raw errors, label matches.

    `top` and `scores` include the checkpoint's seen-name correction (`ModelConfig.seen_bias`); `errors` do not.
    """

    top: str | None
    scores: dict[str, float]
    errors: dict[str, float]
    matches: dict[str, Any]  # label -> fdsm.text LabelMatch of the known class (checkpoint's bank first), or None
    trained: dict[str, bool]  # label -> the checkpoint was trained on this action (Checkpoint.is_trained)
    taught: dict[str, int] = field(default_factory=dict)  # label -> its number of examples (taught labels only)


def _default_text_encoder(name: str) -> Any:
    from fdsm.text import get_text_encoder

    return get_text_encoder(name)


class Recognizer:
    """Zero-shot action recognizer over labels typed at run time."""

    def __init__(self, checkpoint: Checkpoint, text_encoder: Any = None, backend: str = "onnx",
                 threads: int | None = None) -> None:
        if backend not in BACKENDS:
            raise FdsmError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
        checkpoint.require_trained_encoder("the Recognizer")
        self.checkpoint, self.cfg, self.backend = checkpoint, checkpoint.cfg, backend
        self.text_encoder = text_encoder if text_encoder is not None else _default_text_encoder(checkpoint.text_encoder)
        te = self.text_encoder
        if (te.name, te.dim) != (checkpoint.text_encoder, checkpoint.text_dim):
            raise CheckpointError(f"{checkpoint.path} was trained with text encoder {checkpoint.text_encoder!r} "
                                  f"({checkpoint.text_dim}-d), not {te.name!r} ({te.dim}-d)")
        if te.max_tokens != self.cfg.text_tokens:
            raise CheckpointError(f"{checkpoint.path} expects {self.cfg.text_tokens} text tokens, "
                                  f"the text encoder gives {te.max_tokens}")
        self.onnx = self._onnx_model(threads) if backend == "onnx" else None
        if self.onnx is None:  # the torch backend: weights that do not fit fail here, not at the first labels
            checkpoint.modules()
        self.teacher = Teacher(checkpoint, lambda names: te.encode([checkpoint.prompt(x) for x in names]),
                               self.features, lambda: self.scorer)
        self._labels: list[str] = []
        self._label_state: Any = None  # onnx: the scoring graph's per-label inputs; torch: Scorer.prepare_labels
        self._matches: dict[str, Any] = {}
        self._trained: dict[str, bool] = {}
        self._trained_mask = np.zeros(0, bool)
        self._offsets = np.zeros(0, np.float32)

    @classmethod
    def from_pretrained(cls, path: str | Path | None = None, backend: str = "onnx", text_encoder: Any = None,
                        threads: int | None = None) -> Recognizer:
        """Load a checkpoint folder (default: the bundled assets/checkpoints/default)."""
        if path is None:
            path = asset_path("checkpoints", "default")
            if not (Path(path) / CONFIG).is_file():
                raise AssetError(f"no default checkpoint at {path}: train one with `fdsm-train` and copy its "
                                 "checkpoint folder there (see docs/model.md), or pass a checkpoint path")
        return cls(load_checkpoint(path), text_encoder, backend, threads)

    @cached_property
    def scorer(self) -> Scorer:
        """The torch scorer (built on first use: torch backend, textual inversion, research tools)."""
        from fdsm.export import scorer_for

        return scorer_for(self.checkpoint)

    @property
    def encoder(self) -> Any:
        """The torch skeleton encoder (built on first use)."""
        return self.checkpoint.encoder

    @property
    def session(self) -> OnnxSession | None:
        """The scoring graph's session; None on the torch backend."""
        return self.onnx.scoring if self.onnx is not None else None

    def _onnx_model(self, threads: int | None) -> OnnxModel | None:
        """The checkpoint's exported graphs if their stamp is the checkpoint's (same weights and model config) and
        their graph version the current one, else a fresh export (which builds the torch modules).

        Without the `onnx` package (only in the dev extra) stale or missing graphs cannot be re-exported: the
        recognizer then says so once and scores with torch, which gives the same numbers.
        """
        ckpt = self.checkpoint
        cached = self.cfg.text_stream == "cached"
        files = [SCORING_FILE, LABELS_FILE] if cached else [SCORING_FILE]
        if ckpt.path is not None and all((ckpt.path / f).is_file() for f in files):
            scoring = OnnxSession(ckpt.path / SCORING_FILE, threads)
            labels = OnnxSession(ckpt.path / LABELS_FILE, threads) if cached else None
            if all(s.matches(ckpt.stamp) for s in (scoring, labels) if s is not None):
                return OnnxModel(scoring, labels)
        try:
            from fdsm.export import export_bytes, export_label_bytes

            label_graph = export_label_bytes(ckpt)
            return OnnxModel(OnnxSession(export_bytes(ckpt), threads),
                             None if label_graph is None else OnnxSession(label_graph, threads))
        except ImportError:
            print(f"fdsm: the ONNX graphs in {ckpt.path} are missing or stale and the onnx package is not installed "
                  f"to re-export them (run `fdsm-export {ckpt.path}`); scoring with torch", file=sys.stderr)
            self.backend = "torch"
            return None

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def set_labels(self, labels: list[str]) -> None:
        """Fix the candidate action names (free text); each is encoded once here, not per window."""
        if isinstance(labels, str) or not isinstance(labels, list | tuple):
            raise FdsmError("labels must be a list of strings")
        clean = [lab.strip() if isinstance(lab, str) else None for lab in labels]
        if not clean:
            raise FdsmError("give at least one label")
        if any(not lab for lab in clean):
            raise FdsmError("labels must be non-empty strings")
        dupes = sorted({lab for lab in clean if clean.count(lab) > 1})
        if dupes:
            raise FdsmError(f"duplicate label(s): {', '.join(dupes)}")
        texts = [self.checkpoint.prompt(lab) for lab in clean]
        text = self.teacher.label_text(clean, *self.text_encoder.encode(texts))  # taught: fitted
        if self.onnx is not None:
            self._label_state = self.onnx.label_arrays(*text)
        else:
            import torch

            self._label_state = self.scorer.prepare_labels(*(torch.from_numpy(x) for x in text))
        self._labels = clean
        self._trained = {lab: self.checkpoint.is_trained(lab) for lab in clean}
        self._trained_mask = np.array(list(self._trained.values()), bool)
        self._offsets = self.teacher.offsets(clean, self.checkpoint.stack(np.zeros(len(clean)), self._trained_mask))
        self._matches = {lab: match_for(lab, self.checkpoint.bank) for lab in clean}

    def window(self, skeleton: np.ndarray, fps: float = 30.0) -> np.ndarray:
        """The model input for the last `window_seconds` of `skeleton`: (window_frames, 2, 25, 3)."""
        if not (isinstance(fps, int | float) and math.isfinite(fps) and fps > 0):
            raise FdsmError(f"fps must be a positive number, got {fps!r}")
        try:
            arr = as_bodies(skeleton)
            span = max(2, round(self.cfg.window_seconds * fps))
            return normalize(arr[-span:], self.cfg.window_frames)
        except ValueError as exc:
            raise FdsmError(f"bad skeleton: {exc}") from None

    def errors(self, windows: np.ndarray) -> np.ndarray:
        """(B, window_frames, 2, 25, 3) normalized windows -> (B, K) denoising errors."""
        if not self._labels:
            raise FdsmError("no labels set: call set_labels([...]) first")
        windows = np.ascontiguousarray(windows, np.float32)
        if self.onnx is not None:
            errors, features = self.onnx.score(windows, self._label_state)
        else:
            import torch

            features = self.features(windows)
            with torch.no_grad():
                errors = self.scorer.errors(torch.from_numpy(features), self._label_state).numpy()
        if self.teacher.uses_features(self._labels):  # prototype-taught labels: distances to their examples
            return self.teacher.feature_errors(self._labels, features, errors)
        return errors

    def features(self, windows: np.ndarray) -> np.ndarray:
        """(B, window_frames, 2, 25, 3) normalized windows -> (B, F) skeleton-encoder features."""
        windows = np.ascontiguousarray(windows, np.float32)
        if self.onnx is not None:
            return self.onnx.features(windows)
        import torch

        with torch.no_grad():
            return self.encoder(torch.from_numpy(windows)).numpy()

    def recognize(self, skeleton: np.ndarray, fps: float = 30.0) -> Result:
        """Score the current window against the labels."""
        err = np.asarray(self.errors(self.window(skeleton, fps)[None]), np.float32)
        stacked = err + self._offsets  # seen-name correction; taught labels: their own offset
        probs = ranking.probabilities(stacked, self.cfg.temperature)[0]
        best = int(ranking.decide(stacked, self.cfg.temperature, self.cfg.reject_margin)[0])
        return Result(top=self._labels[best] if best >= 0 else None,
                      scores={lab: float(p) for lab, p in zip(self._labels, probs, strict=True)},
                      errors={lab: float(e) for lab, e in zip(self._labels, err[0], strict=True)},
                      matches=dict(self._matches), trained=dict(self._trained),
                      taught={lab: n for lab, n in self.teacher.counts().items() if lab in self._trained})

    def add_example(self, label: str, skeleton: np.ndarray, fps: float = 30.0) -> int:
        """Teach `label` by one example (`fdsm.examples`); the label joins the scored set. Returns its count."""
        count = self.teacher.add(label, skeleton, fps)
        self._rescore(label.strip())
        return count

    def remove_example(self, label: str, index: int) -> None:
        """Forget example `index` of `label`; without examples left the label is scored from its name again."""
        self.teacher.remove(label, index)
        self._rescore()

    def examples(self) -> dict[str, int]:
        """Taught labels and their number of examples."""
        return self.teacher.counts()

    def save_examples(self, path: str | Path) -> Path:
        """Write every taught label's examples to `path` (fdsm.examples file format)."""
        return self.teacher.save(path)

    def load_examples(self, path: str | Path) -> bool:
        """Replace the examples with `path`'s; their labels join the scored set. True when they were refitted."""
        refit = self.teacher.load(path)
        self._rescore(*self.teacher.counts())
        return refit

    def _rescore(self, *extra: str) -> None:
        """Re-encode the label set (taught fits changed), adding `extra` labels not in it yet."""
        labels = self._labels + [lab for lab in extra if lab not in self._labels]
        if labels:
            self.set_labels(labels)
