"""The text-encoder interface every backend implements, and `get_text_encoder` to pick one by name.

A backend only maps a batch of new texts to hidden states; batching, caching, validation and the
fixed token-stream length (the paper's 35 tokens) live here once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from fdsm.errors import FdsmError
from fdsm.text.cache import TextCache, default_cache_root

MAX_TOKENS = 35  # text tokens the denoiser attends to (FDSM/TDSM pad or truncate to 35)
BATCH = 64  # texts per backend call; bounds padding memory for long bank lists

Encoded = tuple[np.ndarray, np.ndarray, np.ndarray]


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mask-aware mean over tokens, then L2 normalization (the sentence-transformers MiniLM pooling)."""
    m = mask.astype(np.float32)[..., None]
    pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def fit_tokens(hidden: np.ndarray, mask: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Truncate or zero-pad (N, S, D) hidden states and their (N, S) mask to exactly `length` tokens."""
    n, s, d = hidden.shape
    tokens = np.zeros((n, length, d), np.float32)
    out_mask = np.zeros((n, length), bool)
    k = min(s, length)
    keep = mask[:, :k].astype(bool)
    tokens[:, :k] = np.where(keep[..., None], hidden[:, :k], 0.0)
    out_mask[:, :k] = keep
    return tokens, out_mask


class TextEncoder:
    """Frozen text encoder: `encode(texts) -> (pooled (N, D), tokens (N, L, D), mask (N, L))`, cached.

    Subclasses set `name` and `dim` and implement `_forward` (uncached batch) and `count_tokens`.
    `forward_calls` counts backend calls, so tests can see a cache hit without timing anything.
    """

    name: str
    dim: int
    max_tokens: int = MAX_TOKENS

    def __init__(self, cache_root: Path | None) -> None:
        self.cache = TextCache(self.name, self.dim, self.max_tokens, cache_root)
        self.forward_calls = 0
        self._lock = threading.Lock()

    def _forward(self, texts: list[str]) -> Encoded:
        raise NotImplementedError

    def count_tokens(self, text: str) -> int:
        """Tokens the backend's tokenizer makes of `text`, special tokens included."""
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Embed texts; repeated texts come from the memory or disk cache."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise FdsmError("encode() takes a list of strings")
        with self._lock:
            found = {t: self.cache.get(t) for t in dict.fromkeys(texts)}
            missing = [t for t, hit in found.items() if hit is None]
            chunks = range(0, len(missing), BATCH)
            for start in tqdm(chunks, desc=f"encoding texts ({self.name})", unit="batch",
                              disable=len(missing) < 4 * BATCH):
                batch = missing[start:start + BATCH]
                self.forward_calls += 1
                pooled, tokens, mask = self._forward(batch)
                for i, t in enumerate(batch):
                    found[t] = self.cache.put(t, pooled[i], tokens[i], mask[i])
        if not texts:
            return (np.zeros((0, self.dim), np.float32), np.zeros((0, self.max_tokens, self.dim), np.float32),
                    np.zeros((0, self.max_tokens), bool))
        rows = [found[t] for t in texts]
        return (np.stack([r.pooled for r in rows]), np.stack([r.tokens for r in rows]),
                np.stack([r.mask for r in rows]))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim}, max_tokens={self.max_tokens})"


ENCODER_NAMES = ("minilm", "sentence-transformers", "clip:<folder>")


def get_text_encoder(name: str = "minilm", cache_root: Path | None | bool = True) -> TextEncoder:
    """Build a text encoder by name: "minilm" (default), "sentence-transformers" or "clip:<folder>".

    `cache_root`: True = the default disk cache ($FDSM_CACHE or ~/.cache/fdsm-live), a path = that
    folder, None or False = memory only.
    """
    root = default_cache_root() if cache_root is True else (cache_root or None)
    if name == "minilm":
        from fdsm.text.minilm import MiniLMEncoder

        return MiniLMEncoder(cache_root=root)
    if name == "sentence-transformers":
        from fdsm.text.st import SentenceTransformerEncoder

        return SentenceTransformerEncoder(cache_root=root)
    if name.startswith("clip:") and name[5:].strip():
        from fdsm.text.clip import ClipTextEncoder

        return ClipTextEncoder(Path(name[5:].strip()), cache_root=root)
    raise FdsmError(f"unknown text encoder {name!r}; choose one of: {', '.join(ENCODER_NAMES)}")
