"""Build `pose_landmarker_full.task` for the MediaPipe Tasks API from the BlazePose tflite files.

mediapipe >= 0.10.30 ships no pose model and none is on PyPI, but the mediapipe 0.10.21 wheel bundles the
BlazePose detector and the "full" landmark model as bare tflite files. A `.task` is a stored zip of the two,
each carrying TFLite metadata that states its input normalisation (detector: [-1, 1], landmarks: [0, 1]).
The output is byte-for-byte deterministic (sha256 in `pose.model.TASK_SHA256`).

    pip download --no-deps --only-binary=:all: --python-version 3.11 \\
        --platform manylinux_2_28_x86_64 -d ~/.cache/fdsm-live/wheels mediapipe==0.10.21
    python -m pose.build_task ~/.cache/fdsm-live/wheels/mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl
"""

from __future__ import annotations

import argparse
import gc
import sys
import types
import zipfile
from collections.abc import Sequence
from pathlib import Path

from fdsm.assets import sha256_file
from fdsm.atomic import atomic_write
from fdsm.cli import run_cli
from fdsm.errors import AssetError

DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKS_MEMBER = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
# (name inside the .task, source member, input mean, input std)
PARTS = (
    ("pose_detector.tflite", DETECTOR_MEMBER, 127.5, 127.5),
    ("pose_landmarks_detector.tflite", LANDMARKS_MEMBER, 0.0, 255.0),
)
_METADATA_EXT = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"


def _metadata_writer():
    """Import mediapipe's metadata writer; its parser-version C extension is absent from the new wheels.

    For this metadata the real extension answers "1.0.0" (checked against mediapipe 0.10.21), so a
    stand-in module that answers the same lets the pure-Python writer run.
    """
    if _METADATA_EXT not in sys.modules:
        for pkg in ("mediapipe.tasks.cc", "mediapipe.tasks.cc.metadata", "mediapipe.tasks.cc.metadata.python"):
            sys.modules.setdefault(pkg, types.ModuleType(pkg))
        ext = types.ModuleType(_METADATA_EXT)
        ext.GetMinimumMetadataParserVersion = lambda _buffer: "1.0.0"
        sys.modules[_METADATA_EXT] = ext
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    return metadata_writer


def with_normalization(model: bytes, name: str, mean: float, std: float) -> bytes:
    """Return the tflite model with image-input metadata saying how pixels are normalised."""
    writer = _metadata_writer().MetadataWriter.create(bytearray(model))
    data = bytes(writer.add_general_info(name).add_image_input([mean], [std]).populate()[0])
    # The writer sits in a reference cycle; collect it now, or its __del__ fails noisily at exit.
    del writer
    gc.collect()
    return data


def build_task(wheel: Path, out: Path) -> str:
    """Write the .task built from `wheel` to `out` atomically; return its sha256."""
    try:
        with zipfile.ZipFile(wheel) as src:
            models = {member: src.read(member) for _, member, _, _ in PARTS}
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise AssetError(f"{wheel}: not a mediapipe 0.10.21 wheel with the BlazePose tflite files ({exc})") from None

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as dst:
            for name, member, mean, std in PARTS:
                data = with_normalization(models[member], Path(name).stem, mean, std)
                dst.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)

    return sha256_file(atomic_write(out, write))


def _main(argv: Sequence[str] | None) -> int:
    from pose.model import TASK_SHA256, default_task_path

    parser = argparse.ArgumentParser(prog="python -m pose.build_task", description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="mediapipe-0.10.21 wheel (pip download --no-deps mediapipe==0.10.21)")
    parser.add_argument("out", type=Path, nargs="?", default=default_task_path(), help="output .task path")
    args = parser.parse_args(argv)
    digest = build_task(args.wheel, args.out)
    status = "matches" if digest == TASK_SHA256 else f"DIFFERS from the expected {TASK_SHA256}"
    print(f"wrote {args.out} sha256 {digest} ({status})")
    return 0 if digest == TASK_SHA256 else 1


def main(argv: Sequence[str] | None = None) -> int:
    return run_cli("build_task", _main, argv)


if __name__ == "__main__":
    sys.exit(main())
