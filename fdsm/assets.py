"""Where shipped assets live: `assets/` beside the packages, or $FDSM_ASSETS when set."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fdsm.errors import AssetError


def assets_dir() -> Path:
    """The assets folder: $FDSM_ASSETS, else the `assets/` folder next to the installed packages."""
    env = os.environ.get("FDSM_ASSETS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "assets"


def asset_path(*parts: str) -> Path:
    """Path of a shipped asset (not checked for existence)."""
    return assets_dir().joinpath(*parts)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def verified_asset(path: Path, sha256: str, how_to_fix: str) -> Path:
    """Return `path` if it exists with the expected sha256, else raise AssetError saying what to run."""
    if not path.is_file():
        raise AssetError(f"missing {path}; {how_to_fix}")
    actual = sha256_file(path)
    if actual != sha256:
        raise AssetError(f"{path} has sha256 {actual[:12]}..., expected {sha256[:12]}...; {how_to_fix}")
    return path
