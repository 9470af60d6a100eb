"""onnxruntime session for the exported scoring graph: CUDA when available, CPU as the last fallback.

onnxruntime is an optional extra (`.[cpu]` or `.[gpu]`, never both), so it is imported lazily.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np

from fdsm.errors import FdsmError

PREFERRED_PROVIDERS = ("CUDAExecutionProvider", "CPUExecutionProvider")


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
        self.providers = self.session.get_providers()
        self.metadata: dict[str, str] = dict(self.session.get_modelmeta().custom_metadata_map)

    def run(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """First output of the graph for the named inputs (extra names are an error)."""
        missing = sorted(set(self.input_names) - set(inputs))
        extra = sorted(set(inputs) - set(self.input_names))
        if missing or extra:
            raise FdsmError(f"ONNX inputs mismatch: missing {missing}, unexpected {extra}")
        return self.session.run(None, inputs)[0]
