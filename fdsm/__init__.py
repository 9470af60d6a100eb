"""FDSM: frequency-enhanced diffusion for zero-shot skeleton action recognition.

`Recognizer` is imported lazily so that NumPy-only modules (`fdsm.skeleton`, `fdsm.data`) stay light for
`pose/`. The Recognizer itself loads no torch on its default ONNX backend (`fdsm.recognizer`).
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Recognizer", "__version__"]


def __getattr__(name: str):
    if name == "Recognizer":
        from fdsm.recognizer import Recognizer

        return Recognizer
    raise AttributeError(f"module 'fdsm' has no attribute {name!r}")
