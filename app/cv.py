"""OpenCV import for the app: cv2 points Qt at its own bundled Qt5 plugins, which must not leak into PySide6."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType


def import_cv2() -> ModuleType:
    """cv2 with its Qt plugin path dropped (when it points into cv2's folder) and its own logging silenced.

    OpenCV's warnings (V4L probing, FFmpeg demuxer noise) would otherwise reach the user's terminal next to
    our one-line errors; the app reports every failure itself.
    """
    import cv2

    plugin_path = os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if plugin_path and Path(cv2.__file__).resolve().parent in Path(plugin_path).resolve().parents:
        os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH")
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    return cv2
