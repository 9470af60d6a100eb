"""Text side of FDSM: a frozen text encoder behind one small interface, and the prompt banks.

    enc = get_text_encoder("minilm")            # or "sentence-transformers", "clip:<folder>"
    pooled, tokens, mask = enc.encode(["wave"])  # (N, D), (N, 35, D), (N, 35)
    labels = validate_labels(["wave", "drink water"])
    text = prompt_for("waving", DEFAULT_POLICY, level="kinematics")  # bank text when the label matches a class

Backends load lazily (onnxruntime, torch, transformers are imported only by the one in use).
"""

from fdsm.text.encoder import MAX_TOKENS, TextEncoder, get_text_encoder
from fdsm.text.labels import validate_labels
from fdsm.text.matcher import LabelMatch, match_label
from fdsm.text.policy import DEFAULT_POLICY, TextPolicy, get_policy, prompt_for
from fdsm.text.prompts import LEVELS, ClassText, bank_names, load_bank

__all__ = [
    "DEFAULT_POLICY", "LEVELS", "MAX_TOKENS", "ClassText", "LabelMatch", "TextEncoder", "TextPolicy", "bank_names",
    "get_policy", "get_text_encoder", "load_bank", "match_label", "prompt_for", "validate_labels",
]
