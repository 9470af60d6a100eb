"""Video files: checked up front with one clear error each; replay at the file's rate drops, pauses, seeks, loops."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from app.sources import Replay, VideoFile
from fdsm.errors import FdsmError

EXPECTED = {
    "empty.mp4": "empty (0 bytes)",
    "notes.mp4": "not a video",
    "truncated.mp4": "not a video",
    "photo.png": "still image",
    "photo_named.mp4": "still image",
    "missing.mp4": "not found",
    "folder": "is a folder",
}


def test_demo_clip_opens_with_its_real_rate_and_size(demo_clip: Path) -> None:
    video = VideoFile(demo_clip, max_side=640)
    assert video.fps == pytest.approx(60.0) and video.frame_count == 100
    assert video.size == (360, 640)  # portrait 1080x1920 shrunk to a 640 long side
    frames = []
    while (f := video.read()) is not None:
        frames.append(f)
    video.close()
    assert [f.index for f in frames] == list(range(100))
    assert frames[30].t == pytest.approx(0.5)
    assert frames[0].image.shape == (640, 360, 3) and frames[0].image.dtype == np.uint8
    assert video.truncation_note() is None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_video_gives_one_clear_line(bad_videos: dict[str, Path], name: str) -> None:
    with pytest.raises(FdsmError) as exc:
        VideoFile(bad_videos[name])
    message = str(exc.value)
    assert EXPECTED[name] in message and "\n" not in message


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_replay_drops_missed_frames_instead_of_queueing(demo_clip: Path) -> None:
    clock = FakeClock()
    replay = Replay(VideoFile(demo_clip, max_side=160), loop=False, clock=clock)
    assert replay.next_frame(0).index == 0
    assert replay.next_frame(0) is None  # frame 1 is not due yet at t = 0
    clock.now += 0.5  # the consumer was busy for half a second: 30 frames at 60 fps
    assert replay.next_frame(0).index == 30
    assert replay.dropped == 29
    replay.close()


def test_replay_pause_seek_and_loop(demo_clip: Path) -> None:
    clock = FakeClock()
    replay = Replay(VideoFile(demo_clip, max_side=160), loop=True, clock=clock)
    replay.next_frame(0)
    replay.set_paused(True)
    clock.now += 1.0
    assert replay.next_frame(0) is None  # paused: nothing is due
    replay.seek(80)
    assert replay.next_frame(0).index == 80  # a seek shows its frame even while paused
    assert replay.next_frame(0) is None
    replay.set_paused(False)
    clock.now += 19 / 60
    assert replay.next_frame(0).index == 99
    clock.now += 1 / 60
    first = replay.next_frame(0)
    assert first.index == 0 and first.t == pytest.approx(100 / 60)  # looped back; time runs on
    assert not replay.finished
    replay.close()


def test_replay_without_loop_finishes(demo_clip: Path) -> None:
    clock = FakeClock()
    replay = Replay(VideoFile(demo_clip, max_side=160), loop=False, clock=clock)
    clock.now += 10.0
    assert replay.next_frame(0).index == 99
    assert replay.next_frame(0) is None and replay.finished
    replay.close()


def test_decoding_ahead_on_its_own_thread_keeps_the_replay_rules(demo_clip: Path) -> None:
    clock = FakeClock()
    replay = Replay(VideoFile(demo_clip, max_side=160), loop=False, clock=clock)
    replay.decode_ahead()
    assert replay.next_frame(5.0).index == 0
    assert replay.next_frame(0.05) is None  # frame 1 is not due yet
    clock.now += 0.5
    assert replay.next_frame(5.0).index == 30  # late: the missed frames are skipped on the decoder thread
    assert replay.dropped == 29
    clock.now += 0.1
    with replay._slot_changed:  # once the decoder holds the frame due at 0.6 s, a seek must discard it
        assert replay._slot_changed.wait_for(lambda: replay._slot is not None, timeout=5.0)
    replay.seek(80)
    assert replay.next_frame(5.0).index == 80
    clock.now += 10.0
    assert replay.next_frame(5.0).index == 99
    assert replay.next_frame(5.0) is None and replay.finished
    replay.close()
    assert not any(t.name == "replay-decoder" for t in threading.enumerate())
