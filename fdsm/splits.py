"""The zero-shot split registry: which classes of a dataset are unseen in each published protocol.

Indices are 0-based class indices (NTU: A-number - 1). Sources, in fdsm_method.md section 5: SynSE
(NTU-60 55/5, 48/12; NTU-120 110/10, 96/24), PURLS (NTU-60 40/20, 30/30; NTU-120 80/40, 60/60;
Kinetics-200/400), SMIE random splits 1-9 (NTU-60, NTU-120, PKU-MMD). "pku51-46-5" is the PKU-MMD
46/5 protocol; its published numbers average the three SMIE PKU-MMD splits, and the name picks split 7.
Splits whose unseen lists exist only in PURLS `.npy` files we could not read are registered as
unavailable and raise a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fdsm.assets import asset_path
from fdsm.errors import AssetError, FdsmError

# dataset -> (number of classes, prompt bank)
DATASETS: dict[str, tuple[int, str]] = {
    "ntu60": (60, "ntu120"),
    "ntu120": (120, "ntu120"),
    "pku51": (51, "pku_mmd"),
    "kinetics200": (200, "kinetics400"),
    "kinetics400": (400, "kinetics400"),
    "pool": (113, "pool"),  # the default model's training pool (fdsm-prepare pool)
}


@dataclass(frozen=True)
class Split:
    """A seen/unseen partition of one dataset's classes."""

    name: str
    dataset: str
    num_classes: int
    unseen: tuple[int, ...]
    seen: tuple[int, ...]
    source: str = ""


_UNSEEN: dict[str, tuple[str, str, tuple[int, ...]]] = {
    "ntu60-55-5": ("ntu60", "SynSE", (10, 11, 19, 26, 56)),
    "ntu60-48-12": ("ntu60", "SynSE", (3, 5, 9, 12, 15, 40, 42, 47, 51, 56, 58, 59)),
    "ntu60-40-20": ("ntu60", "PURLS", (0, 12, 13, 14, 15, 16, 17, 22, 23, 26, 29, 30, 31, 35, 36, 42, 43, 48, 56,
                                       57)),
    "ntu60-30-30": ("ntu60", "PURLS", (0, 1, 2, 6, 7, 8, 10, 12, 13, 15, 16, 18, 20, 21, 25, 26, 27, 31, 32, 33, 39,
                                       42, 45, 47, 48, 51, 52, 55, 58, 59)),
    "ntu120-110-10": ("ntu120", "SynSE", (4, 13, 37, 43, 49, 65, 88, 95, 99, 106)),
    "ntu120-96-24": ("ntu120", "SynSE", (5, 9, 11, 16, 18, 20, 22, 29, 35, 39, 45, 49, 59, 68, 70, 81, 84, 87, 93, 94,
                                         104, 113, 114, 119)),
    "ntu120-80-40": ("ntu120", "PURLS", (11, 12, 18, 22, 23, 26, 28, 34, 37, 38, 42, 44, 46, 47, 48, 57, 59, 64, 66,
                                         70, 73, 74, 75, 83, 86, 90, 92, 93, 95, 96, 102, 104, 107, 108, 110, 112, 115,
                                         116, 118, 119)),
    "ntu120-60-60": ("ntu120", "PURLS", (0, 1, 4, 6, 7, 8, 9, 17, 18, 21, 23, 25, 26, 28, 30, 32, 33, 34, 37, 38, 39,
                                         40, 41, 42, 44, 45, 50, 51, 52, 53, 56, 61, 62, 65, 67, 68, 69, 70, 74, 77, 78,
                                         81, 83, 87, 89, 90, 91, 92, 94, 95, 96, 97, 100, 101, 109, 111, 114, 115, 116,
                                         118)),
    "smie-ntu60-1": ("ntu60", "SMIE", (4, 19, 31, 47, 51)),
    "smie-ntu60-2": ("ntu60", "SMIE", (12, 29, 32, 44, 59)),
    "smie-ntu60-3": ("ntu60", "SMIE", (7, 20, 28, 39, 58)),
    "smie-ntu120-4": ("ntu120", "SMIE", (3, 18, 26, 38, 41, 60, 87, 99, 102, 110)),
    "smie-ntu120-5": ("ntu120", "SMIE", (5, 12, 14, 15, 17, 42, 67, 82, 100, 119)),
    "smie-ntu120-6": ("ntu120", "SMIE", (6, 20, 27, 33, 42, 55, 71, 97, 104, 118)),
    "smie-pku51-7": ("pku51", "SMIE", (1, 9, 20, 34, 50)),
    "smie-pku51-8": ("pku51", "SMIE", (3, 14, 29, 31, 49)),
    "smie-pku51-9": ("pku51", "SMIE", (2, 15, 39, 41, 43)),
    "pku51-46-5": ("pku51", "SMIE split 7", (1, 9, 20, 34, 50)),
    "kinetics200-180-20": ("kinetics200", "PURLS", (29, 34, 59, 65, 66, 78, 91, 92, 102, 107, 109, 112, 115, 122, 124,
                                                    132, 136, 138, 164, 174)),
    "kinetics200-160-40": ("kinetics200", "PURLS", (3, 11, 13, 14, 17, 20, 26, 29, 34, 35, 41, 44, 50, 63, 70, 74, 80,
                                                    90, 92, 94, 96, 99, 121, 131, 134, 135, 142, 145, 148, 157, 158,
                                                    161, 164, 170, 183, 187, 192, 195, 196, 197)),
    "kinetics400-360-40": ("kinetics400", "PURLS", (0, 61, 66, 67, 100, 106, 109, 123, 134, 135, 142, 161, 166, 180,
                                                    187, 193, 219, 230, 240, 242, 252, 271, 273, 280, 285, 288, 290,
                                                    300, 303, 315, 321, 323, 331, 333, 343, 353, 366, 367, 380, 391)),
    # The default model's held-out classes (fdsm.default_model.protocol.HELDOUT, by name; a test keeps the two equal).
    "default-pool": ("pool", "fdsm.default_model.protocol.HELDOUT", (3, 25, 30, 40, 45, 46, 101, 106)),
}  # fmt: skip

# Published splits whose unseen lists are only in PURLS supplements/label_splits/<dataset>/ru<K>.npy.
UNAVAILABLE: dict[str, str] = {
    "kinetics200-140-60": "kinetic200/ru60.npy",
    "kinetics200-120-80": "kinetic200/ru80.npy",
    "kinetics400-320-80": "kinetic400/ru80.npy",
    "kinetics400-300-100": "kinetic400/ru100.npy",
    "kinetics400-280-120": "kinetic400/ru120.npy",
}


def list_splits(dataset: str | None = None) -> list[str]:
    """Names of every available split (of one dataset, if given)."""
    return [n for n, (d, _, _) in _UNSEEN.items() if dataset in (None, d)]


def get_split(name: str) -> Split:
    """The split called `name` (e.g. "ntu60-55-5"); FdsmError listing the valid names otherwise."""
    key = name.strip().lower()
    if key in UNAVAILABLE:
        raise FdsmError(f"split {name!r} is not available: its unseen classes are published only in the PURLS "
                        f"repository's supplements/label_splits/{UNAVAILABLE[key]}")
    if key not in _UNSEEN:
        raise FdsmError(f"unknown split {name!r}; valid splits: {', '.join(list_splits())}")
    dataset, source, unseen = _UNSEEN[key]
    n = DATASETS[dataset][0]
    return Split(key, dataset, n, tuple(sorted(unseen)), tuple(c for c in range(n) if c not in set(unseen)), source)


def class_names(dataset: str) -> list[str]:
    """The dataset's class names in index order, from its prompt bank (NTU-60: the first 60 of NTU-120's)."""
    if dataset not in DATASETS:
        raise FdsmError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    n, bank = DATASETS[dataset]
    if dataset == "kinetics200":
        raise FdsmError("Kinetics-200 class names are not available: PURLS defines that 200-class subset in its own "
                        "files; use kinetics400 names with its index list")
    path = asset_path("prompts", f"{bank}.json")
    if not path.is_file():
        raise AssetError(f"missing prompt bank {path} (it lists the {dataset} class names)")
    data = json.loads(path.read_text(encoding="utf-8"))
    return [c["name"] for c in sorted(data["classes"], key=lambda c: c["index"])][:n]
