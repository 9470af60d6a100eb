"""The CLIP text-tower backend, on a tiny randomly initialised model saved to disk (no download)."""

from __future__ import annotations

import numpy as np
import pytest

from fdsm.errors import FdsmError
from fdsm.text import get_text_encoder

pytestmark = pytest.mark.slow  # importing transformers takes several seconds on a 2-core machine

WORDS = ["a", "person", "wave", "drink", "water", "kick", "jump", "clap", "hand"]


@pytest.fixture(scope="module")
def clip_dir(tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    folder = tmp_path_factory.mktemp("tiny-clip")
    vocab = {"<pad>": 0, "<unk>": 1, "<bos>": 2, "<eos>": 3, **{w: i + 4 for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<bos> $A <eos>",
                                                       special_tokens=[("<bos>", 2), ("<eos>", 3)])
    transformers.PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<bos>", eos_token="<eos>",
                                         pad_token="<pad>", unk_token="<unk>").save_pretrained(folder)
    config = transformers.CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=40,
                                         pad_token_id=0, bos_token_id=2, eos_token_id=3, projection_dim=16)
    transformers.CLIPTextModel(config).save_pretrained(folder)
    return folder


def test_clip_backend_shapes_and_pooler_identity(clip_dir, tmp_path):
    enc = get_text_encoder(f"clip:{clip_dir}", cache_root=tmp_path)
    assert enc.name == f"clip:{clip_dir.resolve()}" and enc.dim == 32 and enc.max_tokens == 35
    texts = ["a person wave", "drink water", " ".join(["clap"] * 50)]
    pooled, tokens, mask = enc.encode(texts)
    assert pooled.shape == (3, 32) and tokens.shape == (3, 35, 32) and mask.shape == (3, 35)
    assert pooled.dtype == tokens.dtype == np.float32 and mask.dtype == bool
    assert mask.sum(axis=1).tolist() == [5, 4, 35]  # <bos> + words + <eos>; the long text is cut at 35
    for i, n in enumerate(mask.sum(axis=1)):
        # CLIP's pooler output is the final-layer-normed hidden state at the end-of-text token
        np.testing.assert_allclose(pooled[i], tokens[i, n - 1], atol=1e-5)
        assert np.all(tokens[i, n:] == 0)
    assert enc.count_tokens("a person wave") == 5
    again = get_text_encoder(f"clip:{clip_dir}", cache_root=tmp_path)
    np.testing.assert_array_equal(again.encode(texts[:1])[0], pooled[:1])
    assert again.forward_calls == 0


def test_clip_folder_errors(tmp_path):
    with pytest.raises(FdsmError, match="no config.json"):
        get_text_encoder(f"clip:{tmp_path}", cache_root=None)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(FdsmError, match="cannot load a CLIP text model"):
        get_text_encoder(f"clip:{tmp_path}", cache_root=None)
    with pytest.raises(FdsmError, match="unknown text encoder"):
        get_text_encoder("clip:", cache_root=None)
