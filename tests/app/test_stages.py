"""The window's model loading (`app.stages`): the bundled checkpoint loads, takes labels and scores without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

LOAD_WITHOUT_TORCH = """
    import sys

    import numpy as np

    from app import stages

    recognizer = stages.load_recognizer(None)
    recognizer.set_labels(["wave", "squat"])
    result = recognizer.recognize(np.zeros((60, 25, 3), np.float32) + np.arange(25)[:, None] * 0.05, fps=30.0)
    assert set(result.scores) == {"wave", "squat"} and stages.model_description(recognizer).endswith("onnx)")
    loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
    assert not loaded, loaded
"""


def test_the_window_loads_the_default_model_without_torch():
    """torch's import alone would cost the first answer after launch more than a second."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(LOAD_WITHOUT_TORCH)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
