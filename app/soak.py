"""`fdsm-bench soak`: the real fdsm-live window on a looping clip under Xvfb for N minutes: alive and updating?

The window is started as a child process (`fdsm-live --video CLIP --quit-after N*60 --heartbeat FILE`) on a
virtual X server (xvfb-run), exactly as a user would run it. Every `check` seconds the monitor reads the heartbeat
file (frames shown, windows scored) and records whether the process is alive and the frame count rose since the
last look. It passes when the window never died, never stalled, scored windows and closed itself with exit code
0 without a "Fatal Python error" on stderr (the PySide6 6.12.0 Signal.emit abort came after about two minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fdsm.errors import FdsmError

PROG = "fdsm-bench soak"
WARMUP_S = 30.0  # MediaPipe and the model load first: the frame count may stand still this long
SCREEN = "-screen 0 1280x800x24"


@dataclass
class SoakResult:
    """What the monitor saw: one sample per check, the exit code and the verdict."""

    seconds: float
    samples: list[dict] = field(default_factory=list)  # {"at_s", "alive", "frames", "scored"} per check
    returncode: int | None = None
    fatal: str = ""  # the "Fatal Python error" line, if the child printed one
    stalls: int = 0  # checks after the warm-up at which the frame count had not risen
    stderr_tail: str = ""

    @property
    def frames(self) -> int:
        return max((s["frames"] for s in self.samples), default=0)

    @property
    def scored(self) -> int:
        return max((s["scored"] for s in self.samples), default=0)

    @property
    def passed(self) -> bool:
        alive = all(s["alive"] for s in self.samples[:-1])
        return alive and self.returncode == 0 and not self.fatal and self.stalls == 0 and self.scored > 0

    def summary(self) -> dict:
        return {**asdict(self), "frames": self.frames, "scored": self.scored, "passed": self.passed}


def window_command(video: Path, seconds: float, heartbeat: Path, labels: str, checkpoint: str | None) -> list[str]:
    """The fdsm-live command line, run on a fresh virtual X server."""
    if shutil.which("xvfb-run") is None:
        raise FdsmError("xvfb-run not found: install the xvfb package (apt-get install xvfb xauth)")
    cmd = ["xvfb-run", "-a", "-s", SCREEN, sys.executable, "-c",
           "import sys; from app.main import main; sys.exit(main(sys.argv[1:]))",
           "--video", str(video), "--labels", labels, "--quit-after", f"{seconds:g}", "--heartbeat", str(heartbeat)]
    return cmd + (["--checkpoint", checkpoint] if checkpoint else [])


def soak(video: Path, seconds: float, labels: str = "wave, clap, jump up, sit down, drink water",
         checkpoint: str | None = None, check: float = 10.0, progress: bool = False) -> SoakResult:
    """Run the window for `seconds` and watch it every `check` seconds (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="fdsm-soak-") as tmp:
        beat = Path(tmp) / "heartbeat.json"
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")  # the user's remembered labels stay untouched
        err_path = Path(tmp) / "stderr.txt"
        result = SoakResult(seconds)
        with open(err_path, "w") as err:
            proc = subprocess.Popen(window_command(video, seconds, beat, labels, checkpoint), env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)
            start, last_frames = time.monotonic(), -1
            try:
                while True:
                    done = proc.poll() is not None or _sleep_until_exit(proc, check)
                    at = time.monotonic() - start
                    state = _read(beat)
                    sample = {"at_s": round(at, 1), "alive": not done, "frames": state.get("frames", 0),
                              "scored": state.get("scored", 0)}
                    result.samples.append(sample)
                    if not done and at > WARMUP_S and sample["frames"] <= last_frames:
                        result.stalls += 1
                    last_frames = sample["frames"]
                    if progress:
                        print(f"{PROG}: {at:6.0f} s  alive={not done}  frames={sample['frames']}  "
                              f"scored={sample['scored']}  top={state.get('top', '')!r}", file=sys.stderr)
                    if done:
                        break
                    if at > seconds + 120:  # --quit-after did not close it: a hang
                        proc.kill()
            finally:
                if proc.poll() is None:
                    proc.kill()
                result.returncode = proc.wait()
        text = err_path.read_text(errors="replace")
        result.fatal = next((line for line in text.splitlines() if "Fatal Python error" in line), "")
        result.stderr_tail = text[-2000:]
    return result


def _sleep_until_exit(proc: subprocess.Popen, seconds: float) -> bool:
    """Wait up to `seconds`; True when the process ended meanwhile."""
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def main(argv: Sequence[str] | None = None) -> int:
    from app.main import demo_clip

    p = argparse.ArgumentParser(prog=PROG, description="Run the real fdsm-live window on a looping clip under Xvfb "
                                "and check every few seconds that it is alive and still updating.")
    p.add_argument("--minutes", type=float, default=10.0, help="how long to run the window (default 10)")
    p.add_argument("--video", metavar="FILE", help="clip to loop (default: the bundled demo clip)")
    p.add_argument("--checkpoint", metavar="DIR", help="model folder (default: the bundled checkpoint)")
    p.add_argument("--check", type=float, default=10.0, metavar="S", help="seconds between checks (default 10)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.check <= 0:
        raise FdsmError("--minutes and --check must be positive")
    video = Path(args.video) if args.video else demo_clip()
    if not video.is_file():
        raise FdsmError(f"{video}: no such video file")
    result = soak(video, 60.0 * args.minutes, checkpoint=args.checkpoint, check=args.check, progress=not args.json)
    if args.json:
        print(json.dumps(result.summary()))
    else:
        last = result.samples[-1]["at_s"] if result.samples else 0.0
        print(f"soak {args.minutes:g} min on {video.name}: {'PASS' if result.passed else 'FAIL'}; ran {last:.0f} s, "
              f"exit code {result.returncode}, {result.frames} frames shown, {result.scored} windows scored, "
              f"{result.stalls} stalls{', ' + result.fatal if result.fatal else ''}")
        if not result.passed:
            print(result.stderr_tail, file=sys.stderr)
    return 0 if result.passed else 1
