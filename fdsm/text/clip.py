"""Optional backend: a CLIP text tower loaded with transformers from a local folder (extra `clip`).

The paper's encoder is the Stable Diffusion 2.1 OpenCLIP text tower; users who have such weights on
disk point `clip:<folder>` at a folder holding a CLIPTextModel and its tokenizer (save_pretrained
layout). Nothing is downloaded. As in FDSM, text is padded/truncated to 35 tokens; pooled = the
pooler output (final-layer-normed end-of-text state, no projection, not normalized), tokens = the last
hidden state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fdsm.errors import FdsmError
from fdsm.text.encoder import Encoded, TextEncoder, fit_tokens

INSTALL_HINT = "the CLIP text backend needs transformers: pip install -e .[clip]"


class ClipTextEncoder(TextEncoder):
    """CLIPTextModel + tokenizer from `folder`; dim = the model's hidden size."""

    def __init__(self, folder: Path, cache_root: Path | None = None) -> None:
        try:
            import torch
            from transformers import AutoTokenizer, CLIPTextModel
        except ImportError as exc:
            raise FdsmError(INSTALL_HINT) from exc
        folder = Path(folder).expanduser().resolve()
        if not (folder / "config.json").is_file():
            raise FdsmError(f"{folder} is not a CLIP text-model folder (no config.json); "
                            "save one with CLIPTextModel.save_pretrained and its tokenizer")
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            self.model = CLIPTextModel.from_pretrained(str(folder), local_files_only=True).eval()
        except (OSError, ValueError, KeyError) as exc:
            raise FdsmError(f"cannot load a CLIP text model from {folder}: {exc}") from exc
        self._torch = torch
        self.name = f"clip:{folder}"
        self.dim = int(self.model.config.hidden_size)
        super().__init__(cache_root)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text)["input_ids"])

    def _forward(self, texts: list[str]) -> Encoded:
        batch = self.tokenizer(texts, padding="max_length", truncation=True, max_length=self.max_tokens,
                               return_tensors="pt")
        with self._torch.inference_mode():
            out = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        hidden = out.last_hidden_state.float().numpy()
        tokens, mask = fit_tokens(hidden, batch["attention_mask"].numpy(), self.max_tokens)
        return out.pooler_output.float().numpy().astype(np.float32), tokens, mask
