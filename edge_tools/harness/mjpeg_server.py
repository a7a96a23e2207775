"""A small multipart HTTP MJPEG server on 127.0.0.1 for tests: the kind of stream an IP camera serves.

In a test: ``with MjpegServer(frames) as srv: url = srv.url``. Faults, planned per connection so a
test needs no sleeps: ``stall_after={1: 5}`` makes stream connection 1 go silent after 5 frames (kept
open, no bytes: a stalled camera); ``close_after={1: 5}`` closes connection 1 after 5 frames (a
camera reboot); ``refuse_first=N`` answers the first N stream requests with 503 (a camera that is
gone). ``srv.stall.set()`` freezes every stream; ``srv.drop()`` closes the open ones.
``srv.connections`` counts stream connections served, ``srv.refused`` the requests refused.

As a script it serves a video file (looping) until killed, printing its URL on the first line:
``python edge_tools/harness/mjpeg_server.py clip.mp4 [--fps 30]``.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np

BOUNDARY = "frameboundary"


def encode(image: np.ndarray, quality: int = 85) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return bytes(buf.tobytes())


def numbered_frames(n: int = 30, size: tuple[int, int] = (160, 120)) -> list[bytes]:
    """JPEG frames whose mean grey level encodes their number (i * 8 % 256)."""
    w, h = size
    return [encode(np.full((h, w, 3), (i * 8) % 256, np.uint8)) for i in range(n)]


def clip_frames(path: Path, limit: int | None = None) -> list[bytes]:
    cap = cv2.VideoCapture(str(path))
    out: list[bytes] = []
    while limit is None or len(out) < limit:
        ok, img = cap.read()
        if not ok:
            break
        out.append(encode(img))
    cap.release()
    if not out:
        raise SystemExit(f"{path}: no frames")
    return out


class MjpegServer:
    def __init__(
        self,
        frames: Sequence[bytes],
        fps: float = 30.0,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        stall_after: dict[int, int] | None = None,
        close_after: dict[int, int] | None = None,
        refuse_first: int = 0,
    ) -> None:
        self.frames = list(frames)
        self.fps = fps
        self.stall = threading.Event()
        self.stall_after = dict(stall_after or {})
        self.close_after = dict(close_after or {})
        self.refuse_first = refuse_first
        self.refuse = False
        self.refused = 0
        self.connections = 0
        self.sent = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/stream.mjpg":
                    self.send_error(404)
                    return
                with server._lock:
                    refuse = server.refuse or server.refused < server.refuse_first
                    if refuse:
                        server.refused += 1
                    else:
                        server.connections += 1
                        number = server.connections
                        server._open.add(self.connection)
                if refuse:
                    self.send_error(503)
                    return
                stall_at = server.stall_after.get(number)
                close_at = server.close_after.get(number)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                    self.send_header("Cache-Control", "no-cache")
                    self.end_headers()
                    i = 0
                    period = 1.0 / server.fps
                    next_t = time.monotonic()
                    while not server._stopping.is_set():
                        if close_at is not None and i >= close_at:
                            break
                        if server.stall.is_set() or (stall_at is not None and i >= stall_at):
                            time.sleep(0.02)
                            next_t = time.monotonic()
                            continue
                        jpg = server.frames[i % len(server.frames)]
                        self.wfile.write(
                            f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpg)}\r\n\r\n".encode()
                            + jpg
                            + b"\r\n"
                        )
                        self.wfile.flush()
                        with server._lock:
                            server.sent += 1
                        i += 1
                        next_t += period
                        delay = next_t - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                        else:
                            next_t = time.monotonic()
                except OSError:
                    pass
                finally:
                    with server._lock:
                        server._open.discard(self.connection)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mjpeg-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/stream.mjpg"

    def start(self) -> MjpegServer:
        self._thread.start()
        return self

    def drop(self) -> None:
        """Close every open stream connection (the camera rebooted)."""
        with self._lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stopping.set()
        self.drop()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> MjpegServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("clip", type=Path)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--limit", type=int, default=None, help="serve only the first N frames (looped)")
    args = ap.parse_args(argv)
    server = MjpegServer(clip_frames(args.clip, args.limit), fps=args.fps).start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
