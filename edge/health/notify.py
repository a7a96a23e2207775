"""systemd notification (sd_notify) from the health monitor, over a plain datagram socket.

Under ``Type=notify`` systemd passes ``$NOTIFY_SOCKET`` and, with ``WatchdogSec=``, ``$WATCHDOG_USEC``.
`Watchdog` sends ``READY=1`` once the service is up, ``WATCHDOG=1`` every half watchdog interval
*while the pipeline makes progress*, a ``STATUS=`` line (cameras, frames, reads; never a plate) and
``STOPPING=1`` at the end. When a camera stalls (no frame for ``health.stale_after``) or its
recognition stops (frames arrive, none is recognised for ``health.stale_after``) the keep-alive is
withheld, so systemd kills and restarts the service after ``WatchdogSec``: a stalled pipeline no
longer stays "active" while /healthz says 503. Without ``$NOTIFY_SOCKET`` (not under systemd) it
does nothing. The protocol is the documented one: one datagram of ``KEY=VALUE`` lines to a Unix
socket, an ``@`` prefix meaning the abstract namespace.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)


def send(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one notification; False when there is no $NOTIFY_SOCKET or it cannot be reached."""
    address = (env if env is not None else os.environ).get("NOTIFY_SOCKET", "")
    if not address or address[0] not in "/@":
        return False
    target = "\0" + address[1:] if address[0] == "@" else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(message.encode(), target)
    except OSError as exc:
        log.warning("systemd notification failed (%s): %s", address, exc)
        return False
    return True


def watchdog_seconds(env: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """The watchdog interval systemd asks for (WatchdogSec), or None when there is none for this process."""
    e = env if env is not None else os.environ
    usec = e.get("WATCHDOG_USEC", "")
    owner = e.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if owner and owner != str(pid if pid is not None else os.getpid()):
        return None
    return int(usec) / 1_000_000


class _Progress:
    """When a camera's frame and recognition counters last moved (monotonic seconds)."""

    def __init__(self, now: float) -> None:
        self.frames: int | None = None
        self.processed: int | None = None
        self.frames_at = now
        self.processed_at = now

    def update(self, frames: int, processed: int, now: float) -> None:
        if frames != self.frames:
            self.frames, self.frames_at = frames, now
        if processed != self.processed:
            self.processed, self.processed_at = processed, now


class Watchdog:
    """Keeps systemd told: ready, alive while the pipeline moves, a status line, stopping."""

    def __init__(
        self,
        cameras: Callable[[], list[dict[str, Any]]],
        *,
        stall_after: float,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._cameras = cameras
        self.stall_after = stall_after
        self.env = dict(env if env is not None else os.environ)
        self.interval = watchdog_seconds(self.env)
        self.clock = clock
        self._progress: dict[str, _Progress] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._withheld: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.env.get("NOTIFY_SOCKET"))

    def check(self) -> tuple[list[str], str]:
        """(problems that stop the keep-alive, one-line status). Counts only, never plates."""
        now = self.clock()
        problems: list[str] = []
        up = frames = reads = 0
        cams = self._cameras()
        for c in cams:
            if "frames" not in c:
                continue
            p = self._progress.setdefault(c["camera"], _Progress(now))
            p.update(int(c["frames"]), int(c.get("processed", 0)), now)
            frames += int(c["frames"])
            reads += int(c.get("reads", 0))
            up += bool(c.get("up"))
            if c.get("state") == "stalled":
                problems.append(f"camera {c['camera']}: no frame for {c.get('last_frame_age_s', 0):.0f} s")
            elif now - p.frames_at < self.stall_after and now - p.processed_at > self.stall_after:
                problems.append(f"camera {c['camera']}: recognition stalled for {now - p.processed_at:.0f} s")
        status = f"{up}/{len(cams)} camera(s) up, {frames} frames, {reads} reads"
        if problems:
            status += "; watchdog withheld: " + "; ".join(problems)
        return problems, status

    def beat(self) -> bool:
        """One round: status, and the keep-alive if nothing is stalled. True if the keep-alive was sent."""
        problems, status = self.check()
        alive = not problems
        which = ", ".join(p.split(":")[0] for p in problems)  # say it once per set of stalled cameras
        if not alive and self._withheld != which:
            log.error("watchdog: %s; keep-alive withheld, systemd restarts the service", "; ".join(problems))
        elif alive and self._withheld is not None:
            log.info("watchdog: pipeline moving again; keep-alive resumed")
        self._withheld = None if alive else which
        send(f"STATUS={status}" + ("\nWATCHDOG=1" if alive and self.interval else ""), self.env)
        return alive

    def start(self) -> None:
        if not self.active:
            return
        send("READY=1\nSTATUS=running", self.env)
        log.info(
            "systemd notified: ready%s",
            f"; watchdog every {self.interval / 2:.1f} s" if self.interval else " (no watchdog asked for)",
        )
        self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = self.interval / 2 if self.interval else 10.0
        while not self._stop.wait(period):
            try:
                self.beat()
            except Exception:
                log.exception("watchdog: status check failed; keep-alive withheld this round")

    def stop(self) -> None:
        if not self.active:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        send("STOPPING=1\nSTATUS=stopping", self.env)
