"""What the window remembers between runs (QSettings): the label list, the window geometry, and where the labels
taught by example are kept (a file beside the settings)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "FDSM Live"
APPLICATION = "fdsm-live"
EXAMPLES_FILE = "examples.npz"


class Settings:
    """Typed access to a QSettings store (the user's by default; tests pass an .ini file's)."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings(ORGANIZATION, APPLICATION)

    def labels(self) -> list[str] | None:
        value = self.store.value("labels")
        if isinstance(value, str):  # QSettings returns a one-element list as a plain string
            value = [value]
        return [str(v) for v in value] if value else None

    def set_labels(self, labels: list[str]) -> None:
        self.store.setValue("labels", list(labels))
        self.store.sync()

    def geometry(self) -> QByteArray | None:
        value = self.store.value("geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, geometry: QByteArray) -> None:
        self.store.setValue("geometry", geometry)
        self.store.sync()

    def examples_path(self) -> Path:
        """The user's examples file: beside the settings file, in the same per-user folder."""
        return Path(self.store.fileName()).with_name(EXAMPLES_FILE)
