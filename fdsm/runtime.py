"""onnxruntime sessions for a checkpoint's exported graphs: CUDA when available, CPU as the last fallback.

The graph contract (file names, input/output names, the stamp and version keys) lives here, not in
`fdsm.export`, so the live path can check and run the graphs without importing torch. onnxruntime is an
optional extra (`.[cpu]` or `.[gpu]`, never both), so it is imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np

from fdsm.errors import FdsmError

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")
SCORING_FILE = "model.onnx"  # window + per-label tensors -> errors, features
LABELS_FILE = "labels.onnx"  # text tensors -> the cached text stream (text_stream="cached" only)
STAMP_KEY = "fdsm.stamp"  # ONNX metadata: the Checkpoint.stamp (weights + model config) a graph was built from
GRAPH_KEY = "fdsm.graph"  # ONNX metadata: GRAPH_VERSION of the graph contract it was exported with
GRAPH_VERSION = "2"  # 2: the scoring graph also outputs `features`; label preparation is labels.onnx
CACHED_INPUTS = ("xmod", "fmod", "gate", "valid", "kv")  # per-label inputs of a cached-text-stream scoring graph
JOINT_INPUTS = ("pooled", "tokens", "mask")  # ... of a joint one (the text tensors themselves)


def import_onnxruntime() -> ModuleType:
    """The onnxruntime module, or an FdsmError saying which extra to install."""
    try:
        import onnxruntime
    except ImportError:
        raise FdsmError("onnxruntime is not installed: run `pip install -e .[cpu]` "
                        "(or `pip install -e .[gpu]` on a CUDA machine), or use backend='torch'") from None
    return onnxruntime


def choose_providers(available: list[str]) -> list[str]:
    """Preferred providers that this onnxruntime build offers, CPU always last."""
    chosen = [p for p in PREFERRED_PROVIDERS if p in available and p != "CPUExecutionProvider"]
    return [*chosen, "CPUExecutionProvider"]


class OnnxSession:
    """A scoring graph (file path or serialized bytes) ready to run on numpy inputs."""

    def __init__(self, model: str | Path | bytes, threads: int | None = None) -> None:
        ort = import_onnxruntime()
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        # No busy-waiting between ops: the live path shares 2 cores with MediaPipe and the UI.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        source = model if isinstance(model, bytes) else str(model)
        if not isinstance(model, bytes) and not Path(model).is_file():
            raise FdsmError(f"ONNX model {model} does not exist; run `fdsm-export CHECKPOINT_DIR`")
        try:
            self.session = ort.InferenceSession(source, opts, providers=choose_providers(ort.get_available_providers()))
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise FdsmError(f"cannot load ONNX model: {str(exc).splitlines()[0]}") from None
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]
        self.providers = self.session.get_providers()
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)

    def run(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """First output of the graph for the named inputs (extra names are an error)."""
        return self.session.run(None, self._checked(inputs))[0]

    def outputs(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every output of the graph by name."""
        return dict(zip(self.output_names, self.session.run(None, self._checked(inputs)), strict=True))

    def matches(self, stamp: str) -> bool:
        """Whether the graph was exported from the checkpoint with this stamp under the current graph contract."""
        return self.metadata.get(STAMP_KEY) == stamp and self.metadata.get(GRAPH_KEY) == GRAPH_VERSION

    def _checked(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        missing = sorted(set(self.input_names) - set(inputs))
        extra = sorted(set(inputs) - set(self.input_names))
        if missing or extra:
            raise FdsmError(f"ONNX inputs mismatch: missing {missing}, unexpected {extra}")
        return inputs


class OnnxModel:
    """A checkpoint's scoring path in onnxruntime: label preparation once per label set, scoring per window."""

    def __init__(self, scoring: OnnxSession, labels: OnnxSession | None) -> None:
        self.scoring, self.labels = scoring, labels
        self.cached = labels is not None
        shapes = {i.name: i for i in scoring.session.get_inputs()}
        # ORT needs every input on every run, so features alone are computed beside one filler label
        self._filler = {n: np.ones([d if isinstance(d, int) else 1 for d in shapes[n].shape],
                                   bool if "bool" in shapes[n].type else np.float32)
                        for n in (CACHED_INPUTS if self.cached else JOINT_INPUTS)}

    def label_arrays(self, pooled: np.ndarray, tokens: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The scoring graph's per-label inputs for K labels' text tensors (pooled (K, Dt), tokens (K, L, Dt),
        mask (K, L))."""
        text = {"pooled": np.ascontiguousarray(pooled, np.float32), "tokens": np.ascontiguousarray(tokens, np.float32),
                "mask": np.ascontiguousarray(mask, bool)}
        return self.labels.outputs(text) if self.labels is not None else text

    def score(self, windows: np.ndarray, labels: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(B, T, M, 25, 3) normalized windows -> (B, K) errors and (B, F) skeleton-encoder features."""
        out = self.scoring.outputs({"window": np.ascontiguousarray(windows, np.float32), **labels})
        return out["errors"], out["features"]

    def features(self, windows: np.ndarray) -> np.ndarray:
        """(B, F) skeleton-encoder features of normalized windows."""
        return self.score(windows, self._filler)[1]
