"""The public zero-shot recognizer: typed action names + a skeleton window -> scores per name.

    rec = Recognizer.from_pretrained()          # assets/checkpoints/default
    rec.set_labels(["wave", "jump up"])
    res = rec.recognize(skeleton, fps=30.0)     # (T, M, 25, 3) or (T, 25, 3), metres, y up

The window is the last `window_seconds` of the input, normalized by `fdsm.skeleton.normalize`; the
skeleton encoder and one-step scorer run through onnxruntime (default) or torch.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from fdsm.assets import asset_path
from fdsm.checkpoint import CONFIG, Checkpoint, load_checkpoint
from fdsm.errors import AssetError, CheckpointError, FdsmError
from fdsm.examples import Teacher
from fdsm.export import STAMP_KEY, export_bytes, label_arrays, scorer_for
from fdsm.skeleton import as_bodies, normalize
from fdsm.text.policy import match_for

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
        self.scorer = scorer_for(checkpoint)
        self.encoder = checkpoint.encoder.eval()
        self.session = self._onnx_session(threads) if backend == "onnx" else None
        self.teacher = Teacher(checkpoint, self.scorer, lambda names: te.encode([checkpoint.prompt(x) for x in names]),
                               onnx_threads=threads if self.session is not None else False)
        self._labels: list[str] = []
        self._label_state: Any = None
        self._label_arrays: dict[str, np.ndarray] = {}
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

    def _onnx_session(self, threads: int | None) -> Any:
        """The checkpoint's model.onnx if its stamp is the checkpoint's (same weights and model config), else a
        fresh export.

        Without the `onnx` package (only in the dev extra) a stale or missing model.onnx cannot be
        re-exported: the recognizer then says so once and scores with torch, which gives the same numbers.
        """
        from fdsm.runtime import OnnxSession

        onnx_file = self.checkpoint.path / "model.onnx"
        if onnx_file.is_file():
            session = OnnxSession(onnx_file, threads)
            if session.metadata.get(STAMP_KEY) == self.checkpoint.stamp:
                return session
        try:
            return OnnxSession(export_bytes(self.checkpoint), threads)
        except ImportError:
            print(f"fdsm: {onnx_file} is missing or stale and the onnx package is not installed to re-export it "
                  f"(run `fdsm-export {self.checkpoint.path}`); scoring with torch", file=sys.stderr)
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
        pooled, tokens, mask = self.teacher.label_text(clean, *self.text_encoder.encode(texts))  # taught: fitted
        state = self.scorer.prepare_labels(torch.from_numpy(np.asarray(pooled, np.float32)),
                                           torch.from_numpy(np.asarray(tokens, np.float32)),
                                           torch.from_numpy(np.asarray(mask, bool)))
        self._labels, self._label_state = clean, state
        self._trained = {lab: self.checkpoint.is_trained(lab) for lab in clean}
        self._trained_mask = np.array(list(self._trained.values()), bool)
        self._offsets = self.teacher.offsets(clean, self.checkpoint.stack(np.zeros(len(clean)), self._trained_mask))
        self._label_arrays = label_arrays(state) if self.session is not None else {}
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
        if self.session is not None:
            errors = self.session.run({"window": np.ascontiguousarray(windows, np.float32), **self._label_arrays})
        else:
            with torch.no_grad():
                feats = self.encoder(torch.from_numpy(np.ascontiguousarray(windows, np.float32)))
                errors = self.scorer.errors(feats, self._label_state).numpy()
        if self.teacher.uses_features(self._labels):  # prototype-taught labels: distances to their examples
            return self.teacher.feature_errors(self._labels, windows, errors)
        return errors

    def recognize(self, skeleton: np.ndarray, fps: float = 30.0) -> Result:
        """Score the current window against the labels."""
        err = torch.from_numpy(np.asarray(self.errors(self.window(skeleton, fps)[None]), np.float32))
        stacked = err + torch.from_numpy(self._offsets)  # seen-name correction; taught labels: their own offset
        probs = self.scorer.probabilities(stacked)[0]
        best = int(self.scorer.decide(stacked)[0])
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
