"""Text-embedding cache: in memory (LRU) and on disk, keyed by (encoder name, text).

Encoding is cheap but not free, and bank texts are re-encoded by every run; the disk cache makes a warm
start free. A corrupt or unreadable cache file is deleted and rebuilt, never an error: the cache only
ever saves time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

import numpy as np

from fdsm.atomic import atomic_write

log = logging.getLogger(__name__)


class TextEmbedding(NamedTuple):
    """One text's embedding: pooled (D,), tokens (L, D), mask (L,); arrays are read-only."""

    pooled: np.ndarray
    tokens: np.ndarray
    mask: np.ndarray


def default_cache_root() -> Path:
    """$FDSM_CACHE, else ~/.cache/fdsm-live."""
    env = os.environ.get("FDSM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "fdsm-live"


def _namespace(encoder_key: str) -> str:
    """A file-system-safe folder name for an encoder key (which may hold a path, e.g. clip:/x/y)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_key)[:48]
    return f"{slug}-{hashlib.sha256(encoder_key.encode()).hexdigest()[:10]}"


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


class TextCache:
    """Cache for one encoder. `root=None` keeps it in memory only."""

    def __init__(self, encoder_key: str, dim: int, max_tokens: int, root: Path | None, capacity: int = 4096) -> None:
        self.dim, self.max_tokens, self.capacity = dim, max_tokens, capacity
        self.folder = None if root is None else Path(root) / "text" / _namespace(encoder_key)
        self._memory: OrderedDict[str, TextEmbedding] = OrderedDict()

    def get(self, text: str) -> TextEmbedding | None:
        hit = self._memory.get(text)
        if hit is not None:
            self._memory.move_to_end(text)
            return hit
        hit = self._read(text)
        if hit is not None:
            self._remember(text, hit)
        return hit

    def put(self, text: str, pooled: np.ndarray, tokens: np.ndarray, mask: np.ndarray) -> TextEmbedding:
        item = TextEmbedding(_frozen(pooled.astype(np.float32)), _frozen(tokens.astype(np.float32)),
                             _frozen(mask.astype(bool)))
        self._remember(text, item)
        self._write(text, item)
        return item

    def _remember(self, text: str, item: TextEmbedding) -> None:
        self._memory[text] = item
        self._memory.move_to_end(text)
        while len(self._memory) > self.capacity:
            self._memory.popitem(last=False)

    def _file(self, text: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}.npz"

    def _read(self, text: str) -> TextEmbedding | None:
        path = self._file(text)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                item = TextEmbedding(_frozen(z["pooled"]), _frozen(z["tokens"]), _frozen(z["mask"]))
                stored = str(z["text"])
            ok = (stored == text and item.pooled.shape == (self.dim,) and item.pooled.dtype == np.float32
                  and item.tokens.shape == (self.max_tokens, self.dim) and item.tokens.dtype == np.float32
                  and item.mask.shape == (self.max_tokens,) and item.mask.dtype == bool
                  and bool(np.isfinite(item.pooled).all()) and bool(np.isfinite(item.tokens).all()))
        except Exception as exc:  # any unreadable file is just a cache miss: rebuild it
            log.info("text cache: dropping unreadable %s (%s)", path, exc)
            ok = False
        if not ok:
            path.unlink(missing_ok=True)
            return None
        return item

    def _write(self, text: str, item: TextEmbedding) -> None:
        path = self._file(text)
        if path is None:
            return
        try:
            atomic_write(path, lambda tmp: np.savez(tmp, text=np.array(text), pooled=item.pooled,
                                                    tokens=item.tokens, mask=item.mask))
        except OSError as exc:
            log.warning("text cache: cannot write %s (%s); continuing with the memory cache only", path, exc)
            self.folder = None
