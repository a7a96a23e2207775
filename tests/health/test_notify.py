"""systemd notification over a real Unix datagram socket: READY, WATCHDOG while the pipeline moves,
none once it stalls (so systemd restarts it), STATUS without plates, STOPPING at the end."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from test_health_server import Service, healthy_doc, wait_for

from edge.health.notify import Watchdog, send, watchdog_seconds


class NotifySocket:
    """What systemd listens on: a datagram socket; collects every notification."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages: list[str] = []

    def drain(self, seconds: float) -> list[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
        return self.messages

    def close(self) -> None:
        self.sock.close()


def test_send_reaches_a_path_and_an_abstract_socket(tmp_path: Path) -> None:
    listener = NotifySocket(tmp_path / "notify")
    try:
        assert send("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "notify")})
        assert listener.drain(0.3) == ["READY=1"]
    finally:
        listener.close()
    name = f"edge-alpr-test-{time.monotonic_ns()}"
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    abstract.bind("\0" + name)
    try:
        assert send("WATCHDOG=1", {"NOTIFY_SOCKET": "@" + name})
        assert abstract.recv(100) == b"WATCHDOG=1"
    finally:
        abstract.close()
    assert not send("READY=1", {})  # not under systemd: nothing, no error
    assert not send("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})


def test_watchdog_interval_from_the_environment() -> None:
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, pid=2) is None  # not ours
    assert watchdog_seconds({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"}, pid=7) == 30.0
    assert watchdog_seconds({}) is None
    assert watchdog_seconds({"WATCHDOG_USEC": "0"}) is None


def test_recognition_that_stops_while_frames_arrive_withholds_the_keepalive() -> None:
    now = [0.0]
    cams = [{"camera": "lane-1", "state": "up", "up": True, "frames": 0, "processed": 0, "reads": 0}]
    dog = Watchdog(lambda: cams, stall_after=5.0, env={}, clock=lambda: now[0])
    for t in range(1, 5):  # both counters move: fine
        now[0] = float(t)
        cams[0].update(frames=t * 10, processed=t * 10)
        assert dog.check()[0] == []
    for t in range(5, 12):  # frames still arrive, none recognised
        now[0] = float(t)
        cams[0].update(frames=t * 10)
    problems, status = dog.check()
    assert problems == ["camera lane-1: recognition stalled for 7 s"]
    assert "watchdog withheld" in status
    cams[0].update(processed=999)
    now[0] = 12.0
    assert dog.check()[0] == []


def test_a_stalled_camera_stops_the_keepalive_under_systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listener = NotifySocket(tmp_path / "notify")
    monkeypatch.setenv("NOTIFY_SOCKET", str(listener.path))
    monkeypatch.setenv("WATCHDOG_USEC", "600000")  # WatchdogSec=0.6: a keep-alive every 0.3 s
    monkeypatch.setenv("WATCHDOG_PID", "")
    try:
        with Service(tmp_path, stale_after="1s") as svc:
            wait_for(lambda: healthy_doc(svc), "the camera to be up", extra=svc)
            moving = list(listener.drain(1.5))
            assert moving[0].startswith("READY=1")
            assert sum("WATCHDOG=1" in m for m in moving) >= 2
            assert any("STATUS=1/1 camera(s) up" in m for m in moving)
            svc.camera.hold.set()  # the camera stalls
            stalled = list(listener.drain(3.0))[len(moving) :]
            after = stalled[next(i for i, m in enumerate(stalled) if "watchdog withheld" in m) :]
            assert after, stalled
            assert not any("WATCHDOG=1" in m for m in after)
            assert "camera lane-1: no frame for" in after[-1]
        listener.drain(0.5)
        assert listener.messages[-1].startswith("STOPPING=1")
    finally:
        listener.close()
