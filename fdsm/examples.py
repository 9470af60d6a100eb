"""Teach by example: labels backed by a few recorded skeletons, scored in one ranking with typed labels.

A `Teacher` keeps each taught label's raw examples and its fit (`fdsm.example_methods`), applies the fit when
the recognizer scores, and saves everything to one pickle-free `.npz` (arrays + a JSON header) stamped with the
checkpoint's stamp. The raw skeletons are stored, so a file made with another checkpoint is refitted.

Window features come from the recognizer (its scoring graph's `features` output, or the torch encoder), so
prototype teaching runs without torch; only the inversion method fits with the torch scorer.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fdsm.atomic import atomic_write_bytes
from fdsm.checkpoint import Checkpoint
from fdsm.errors import FdsmError
from fdsm.example_methods import METHODS, TextFit, fit_texts, prototype_distance, prototype_errors, unit
from fdsm.presets import ModelConfig
from fdsm.skeleton import as_bodies, body_valid, normalize

if TYPE_CHECKING:
    import torch

    from fdsm.scorer import Scorer

DEFAULT_METHOD = "prototype"  # chosen on `fdsm-bench fewshot` (docs/teach.md)
FILE_FORMAT = "fdsm-examples"
FILE_VERSION = 1
MIN_SECONDS = 0.5
MIN_PRESENT = 0.5  # an example needs a person in at least this fraction of its frames
MAX_NAN_FRAMES = 0.2  # ... and complete joints in all but this fraction of those frames
CROP_STRIDE_S = 0.25  # sliding crops over an example, so a live window at any phase meets a similar crop
EXAMPLE_BIAS = 1.0  # inversion: taught labels' errors raised by this many error spreads (a fitted text over-fits)


class ExampleError(FdsmError):
    """A bad example (too short, no person, broken joints), a bad label, or an unreadable examples file."""


@dataclass
class Example:
    """One recorded example as given: `(T, M, 25, 3)` float32 metres, y up, NaN = missing."""

    skeleton: np.ndarray
    fps: float


def check_example(skeleton: np.ndarray, fps: float) -> np.ndarray:
    """The example as `(T, M, 25, 3)` float32, or ExampleError with the one reason it cannot teach anything."""
    if not (isinstance(fps, int | float) and math.isfinite(fps) and fps > 0):
        raise ExampleError(f"fps must be a positive number, got {fps!r}")
    try:
        arr = as_bodies(skeleton)
    except ValueError as exc:
        raise ExampleError(f"bad example: {exc}") from None
    seconds = arr.shape[0] / fps
    if seconds < MIN_SECONDS:
        raise ExampleError(f"the example is {seconds:.2f} s long; show the action for at least {MIN_SECONDS} s")
    if np.isinf(arr).any():
        raise ExampleError("the example has infinite joint positions")
    valid = body_valid(arr)
    present = valid[:, int(valid.sum(axis=0).argmax())] if valid.size else np.zeros(len(arr), bool)
    if present.mean() < MIN_PRESENT:
        raise ExampleError(f"no person in most of the example ({int(present.sum())} of {len(arr)} frames have one)")
    main = arr[:, int(valid.sum(axis=0).argmax())]
    broken = present & ~np.isfinite(main).all(axis=(1, 2))
    if broken.sum() > MAX_NAN_FRAMES * present.sum():
        raise ExampleError(f"the example has NaN joints in {int(broken.sum())} of its {int(present.sum())} frames "
                           "with a person")
    return arr


def crops(skeleton: np.ndarray, fps: float, cfg: ModelConfig, stride_s: float = CROP_STRIDE_S) -> np.ndarray:
    """Normalized model windows over an example: `window_seconds` long every `stride_s` (the whole example when it
    is shorter), keeping those with a person in at least MIN_PRESENT of their frames (the whole example if none)."""
    span, n = max(2, round(cfg.window_seconds * fps)), len(skeleton)
    present = body_valid(skeleton).any(axis=1)
    starts = list(range(0, max(n - span, 0) + 1, max(1, round(stride_s * fps))))
    if starts[-1] != max(n - span, 0):
        starts.append(n - span)
    kept = [a for a in starts if present[a:a + span].mean() >= MIN_PRESENT]
    if not kept:
        return normalize(skeleton, cfg.window_frames)[None]
    return np.stack([normalize(skeleton[a:a + span], cfg.window_frames) for a in kept])


Fit = TextFit | list[np.ndarray]  # inversion: fitted text; prototype: per example, (n_i, F) unit crop features


class Teacher:
    """Taught labels of one recognizer: their examples, fits, and how they enter the ranking."""

    def __init__(self, checkpoint: Checkpoint, encode_text: Callable[[list[str]], Any],
                 window_features: Callable[[np.ndarray], np.ndarray], scorer: Callable[[], Scorer],
                 method: str = DEFAULT_METHOD) -> None:
        """`window_features`: normalized windows -> (B, F) encoder features; `scorer`: the torch scorer, asked for
        only when a label is fitted by inversion."""
        if method not in METHODS:
            raise FdsmError(f"unknown teaching method {method!r}; choose from {', '.join(METHODS)}")
        self.cfg, self.encode_text, self.window_features = checkpoint.cfg, encode_text, window_features
        self.checkpoint_id, self.method, self._scorer = checkpoint.stamp, method, scorer
        self.examples: dict[str, list[Example]] = {}
        self.fits: dict[str, Fit] = {}

    # -- examples -------------------------------------------------------------------------------------------

    def add(self, label: str, skeleton: np.ndarray, fps: float) -> int:
        """Check and store one example of `label` (added to its earlier ones), refit the label; its count."""
        label = clean_label(label)
        example = Example(check_example(skeleton, fps), float(fps))
        self.examples.setdefault(label, []).append(example)
        try:
            self._fit(label)
        except Exception:
            self.examples[label].pop()
            if not self.examples[label]:
                del self.examples[label]
            raise
        return len(self.examples[label])

    def remove(self, label: str, index: int) -> None:
        """Drop example `index` of `label`; a label left without examples is typed again."""
        have = self.examples.get(label, [])
        if not -len(have) <= index < len(have):
            raise ExampleError(f"{label!r} has {len(have)} example(s); there is no example {index}")
        del have[index]
        if have:
            self._fit(label)
        else:
            del self.examples[label], self.fits[label]

    def clear(self) -> None:
        """Forget every taught label."""
        self.examples, self.fits = {}, {}

    def counts(self) -> dict[str, int]:
        return {label: len(ex) for label, ex in self.examples.items()}

    def set_method(self, method: str) -> None:
        """Switch method; every taught label is refitted."""
        if method not in METHODS:
            raise FdsmError(f"unknown teaching method {method!r}; choose from {', '.join(METHODS)}")
        self.method = method
        for label in self.examples:
            self._fit(label)

    def features(self, windows: np.ndarray) -> torch.Tensor:
        """(B, window_frames, 2, 25, 3) normalized windows -> (B, F) encoder features as a torch tensor (for torch
        research code; scoring and prototype fits use `window_features`)."""
        import torch

        return torch.from_numpy(self.window_features(windows))

    def _fit(self, label: str) -> None:
        feats = [self.window_features(crops(e.skeleton, e.fps, self.cfg)) for e in self.examples[label]]
        if self.method == "prototype":
            self.fits[label] = [unit(f) for f in feats]
            return
        pooled, tokens, mask = (np.asarray(x) for x in self.encode_text([label]))
        self.fits[label] = fit_texts(self._scorer(), [np.concatenate(feats)], pooled[:1], tokens[:1], mask[:1])[0]

    # -- scoring --------------------------------------------------------------------------------------------

    def taught(self, labels: list[str]) -> np.ndarray:
        """(K,) bool: which labels have examples."""
        return np.asarray([lab in self.fits for lab in labels], bool)

    def label_text(self, labels: list[str], pooled: np.ndarray, tokens: np.ndarray,
                   mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The typed labels' text tensors with each inverted label's row replaced by its fit."""
        pooled, tokens, mask = (np.array(x) for x in (pooled, tokens, mask))
        for i, lab in enumerate(labels):
            fit = self.fits.get(lab)
            if isinstance(fit, TextFit):
                pooled[i], tokens[i], mask[i] = fit.pooled, fit.tokens, fit.mask
        return pooled.astype(np.float32), tokens.astype(np.float32), mask.astype(bool)

    def offsets(self, labels: list[str], typed_offsets: np.ndarray) -> np.ndarray:
        """(K,) error offsets: the typed ones (seen-name correction), taught labels' replaced by their own."""
        taught = self.taught(labels)
        bias = EXAMPLE_BIAS * self.cfg.error_spread if self.method == "inversion" else 0.0
        return np.where(taught, bias, typed_offsets).astype(np.float32)

    def uses_features(self, labels: list[str]) -> bool:
        """Scoring `labels` needs the window's encoder features (prototype labels are among them)."""
        return any(isinstance(self.fits.get(lab), list) for lab in labels)

    def feature_errors(self, labels: list[str], features: np.ndarray, errors: np.ndarray) -> np.ndarray:
        """(B, K) denoiser errors of windows with each prototype label's column replaced by its mapped distance
        from the windows' (B, F) encoder features to the examples (`fdsm.example_methods.prototype_errors`)."""
        cols = [i for i, lab in enumerate(labels) if isinstance(self.fits.get(lab), list)]
        typed = [i for i in range(len(labels)) if i not in cols]
        dist = np.stack([prototype_distance(features, self.fits[labels[i]]) for i in cols], axis=1)
        out = np.array(errors, np.float32)
        out[:, cols] = prototype_errors(dist, out[:, typed], self.cfg.error_spread)
        return out

    # -- file -----------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write every label's raw examples and fit to `path` (.npz + JSON header, no pickle), atomically."""
        arrays: dict[str, np.ndarray] = {}
        labels = []
        for i, (label, examples) in enumerate(self.examples.items()):
            for j, ex in enumerate(examples):
                arrays[f"x{i}_{j}"] = ex.skeleton
            fit = self.fits[label]
            if isinstance(fit, TextFit):
                arrays.update({f"pooled{i}": fit.pooled, f"tokens{i}": fit.tokens, f"mask{i}": fit.mask})
            else:
                arrays.update({f"features{i}_{j}": f for j, f in enumerate(fit)})
            labels.append({"label": label, "fps": [ex.fps for ex in examples]})
        header = {"format": FILE_FORMAT, "version": FILE_VERSION, "checkpoint_sha256": self.checkpoint_id,
                  "method": self.method, "labels": labels}
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return atomic_write_bytes(Path(path), buf.getvalue())

    def load(self, path: str | Path) -> bool:
        """Replace the examples with those in `path`; True when they were refitted (another checkpoint or method).

        Anything unreadable raises ExampleError with one line and leaves the current examples untouched.
        """
        path = Path(path)
        try:
            if path.is_file() and not zipfile.is_zipfile(path):
                raise ValueError("not an .npz archive")
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            header = json.loads(arrays["header"].tobytes().decode())
            if header.get("format") != FILE_FORMAT:
                raise ValueError("not an fdsm examples file")
            if header.get("version") != FILE_VERSION:
                raise ValueError(f"version {header.get('version')}; this code reads version {FILE_VERSION}")
            examples = {str(e["label"]): [Example(check_example(arrays[f"x{i}_{j}"], float(fps)), float(fps))
                                          for j, fps in enumerate(e["fps"])]
                        for i, e in enumerate(header["labels"])}
        except FileNotFoundError:
            raise ExampleError(f"{path}: no such examples file") from None
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, ExampleError) as exc:
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ExampleError(f"{path}: not a readable examples file ({reason})") from None
        refit = header["checkpoint_sha256"] != self.checkpoint_id or header.get("method") != self.method
        fits: dict[str, Fit] = {}
        if not refit:
            for i, label in enumerate(examples):
                fits[label] = (TextFit(arrays[f"pooled{i}"], arrays[f"tokens{i}"], arrays[f"mask{i}"].astype(bool))
                               if self.method == "inversion" else
                               [arrays[f"features{i}_{j}"] for j in range(len(examples[label]))])
        self.examples, self.fits = examples, fits
        if refit:
            for label in examples:
                self._fit(label)
        return refit


def clean_label(label: object) -> str:
    """A label name as taught: stripped, non-empty text."""
    if not isinstance(label, str) or not label.strip():
        raise ExampleError("a taught label needs a name (got an empty one)")
    return label.strip()
