"""Dataset sources: unpack a dataset's `.tar.xz` archives once into a cache, never into the repo.

`fdsm-prepare DATASET --src DIR` accepts the dataset folder as published (archives plus README), one
archive, or an already unpacked folder. Extraction goes to `$FDSM_CACHE/extracted/<archive stem>`
(default cache: ~/.cache/fdsm-live) through a temporary folder and a rename, so an interrupted run
never leaves a half-unpacked tree that a later run would trust.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from fdsm.errors import FdsmError

ARCHIVE_SUFFIXES = (".tar.xz", ".tar.gz", ".tgz", ".tar")
_DONE = ".complete"


def cache_dir() -> Path:
    """$FDSM_CACHE, else ~/.cache/fdsm-live."""
    env = os.environ.get("FDSM_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "fdsm-live"


def _stem(archive: Path) -> str:
    name = archive.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return archive.stem


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.endswith(ARCHIVE_SUFFIXES)


def extract(archive: Path) -> Path:
    """Unpack `archive` into the cache once (atomic rename) and return the unpacked folder."""
    root = cache_dir() / "extracted"
    dest = root / _stem(archive)
    if (dest / _DONE).is_file():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{dest.name}-"))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        (tmp / _DONE).touch()
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise FdsmError(f"{archive}: cannot unpack ({exc})") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dest


def source_roots(src: Path) -> list[Path]:
    """Folders to search for a dataset's files: unpacked archives in `src`, or `src` itself."""
    src = Path(src)
    if is_archive(src):
        return [extract(src)]
    if not src.is_dir():
        raise FdsmError(f"{src}: neither a folder nor a .tar.xz archive")
    archives = sorted(p for p in src.iterdir() if is_archive(p))
    return [extract(a) for a in archives] if archives else [src]


def find_files(src: Path, suffix: str) -> list[Path]:
    """Every file under the source roots whose name ends with `suffix` (any letter case), sorted."""
    found = []
    for root in source_roots(src):
        found.extend(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(suffix.lower()))
    found.sort()
    return found
