"""Text side of FDSM: a frozen text encoder behind one small interface, and the prompt banks.

    enc = get_text_encoder("minilm")            # or "sentence-transformers", "clip:<folder>"
    pooled, tokens, mask = enc.encode(["wave"])  # (N, D), (N, 35, D), (N, 35)
    labels = validate_labels(["wave", "drink water"])
    text = label_text("waving", "kinematics")   # bank text when the label matches a known class

Backends load lazily (onnxruntime, torch, transformers are imported only by the one in use).
"""

from fdsm.text.encoder import MAX_TOKENS, TextEncoder, get_text_encoder
from fdsm.text.labels import NAME_TEMPLATE, label_text, validate_labels
from fdsm.text.matcher import LabelMatch, match_label
from fdsm.text.prompts import LEVELS, ClassText, bank_names, load_bank

__all__ = [
    "LEVELS", "MAX_TOKENS", "NAME_TEMPLATE", "ClassText", "LabelMatch", "TextEncoder", "bank_names",
    "get_text_encoder", "label_text", "load_bank", "match_label", "validate_labels",
]
