"""The camera never hangs the app: newest frame only, a watchdog on frame age, reconnect with back-off."""

from __future__ import annotations

import time

import pytest

from app.camera import CameraSource, camera_available
from fdsm.errors import FdsmError
from tests.app.fakes import FakeCapture


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def wait_for(condition, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.005)


class Opener:
    """Hands out captures (or raises) in order, counting the calls."""

    def __init__(self, *results: FakeCapture | Exception) -> None:
        self.results = list(results)
        self.calls = 0

    def __call__(self, index: int) -> FakeCapture:
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


def test_only_the_newest_frame_is_handed_out() -> None:
    first = FakeCapture(stop_after=5)
    cam = CameraSource(0, Opener(first), clock=FakeClock(), watchdog_interval=None)
    wait_for(lambda: first.calls == 6)  # frame 5 is stored and the reader is blocked in the next read()
    frame = cam.next_frame(0.5)
    assert frame.index == 4 and int(frame.image[0, 0, 0]) == 5  # frames 0-3 were overwritten, not queued
    assert cam.next_frame(0.01) is None
    cam.close()


def test_watchdog_detects_a_stalled_camera_and_reconnects() -> None:
    clock = FakeClock()
    first, second = FakeCapture(stop_after=3), FakeCapture()
    opener = Opener(first, second)
    statuses: list[str] = []
    cam = CameraSource(0, opener, clock=clock, stall_after=2.0, backoff=(0.5, 1.0), watchdog_interval=None,
                       on_status=statuses.append)
    wait_for(lambda: first.calls == 4)  # the reader is now blocked inside read(), as with an unplugged webcam
    clock.now += 1.0
    cam.check()
    assert statuses == [] and opener.calls == 1
    clock.now += 1.5
    cam.check()
    assert "no frame for 2.5 s" in cam.status and "reconnecting in 0.5 s" in cam.status
    assert opener.calls == 1  # waits for the back-off delay first
    clock.now += 0.5
    cam.check()
    assert opener.calls == 2 and cam.reconnects == 1 and cam.status == "camera 0: reconnected"
    wait_for(lambda: second.reads > 0)
    frame = cam.next_frame(1.0)
    assert frame is not None and frame.index >= 3  # numbering continues across the reconnect
    first.release()  # unblock the abandoned reader so it can exit
    cam.close()


def test_reconnect_backs_off_while_the_camera_stays_away() -> None:
    clock = FakeClock()
    gone = FdsmError("camera 0 cannot be opened (no such device, or it is in use)")
    opener = Opener(FakeCapture(stop_after=1), gone, gone, FakeCapture())
    cam = CameraSource(0, opener, clock=clock, stall_after=1.0, backoff=(0.5, 1.0, 2.0), watchdog_interval=None)
    wait_for(lambda: opener.calls == 1)
    clock.now += 1.5
    cam.check()  # stall noticed
    clock.now += 0.5
    cam.check()  # first retry fails
    assert opener.calls == 2 and "retrying in 1.0 s" in cam.status
    clock.now += 0.9
    cam.check()
    assert opener.calls == 2  # not yet: 1.0 s back-off
    clock.now += 0.1
    cam.check()
    assert opener.calls == 3 and "retrying in 2.0 s" in cam.status
    clock.now += 2.0
    cam.check()
    assert opener.calls == 4 and cam.reconnects == 1
    cam.close()


def test_watchdog_thread_runs_on_its_own() -> None:
    first, second = FakeCapture(stop_after=2), FakeCapture()
    opener = Opener(first, second)
    cam = CameraSource(0, opener, stall_after=0.1, backoff=(0.05,), watchdog_interval=0.01)
    wait_for(lambda: cam.reconnects == 1)
    assert cam.next_frame(1.0) is not None
    first.release()
    cam.close()


def test_a_camera_index_that_does_not_exist_is_one_clear_error() -> None:
    assert not camera_available(57)
    with pytest.raises(FdsmError, match="camera 57") as exc:
        CameraSource(57, watchdog_interval=None)
    assert "\n" not in str(exc.value)
