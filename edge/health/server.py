"""The local HTTP endpoint: /healthz (JSON), /metrics (Prometheus text), / (HTML status page).

A `ThreadingHTTPServer` on its own daemon thread, bound to ``health.bind`` (127.0.0.1 by default).
/healthz answers 200 when healthy and 503 with the same JSON document when not, so a plain HTTP
check (curl -f, a load balancer, a watchdog) sees the state without parsing anything.
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from edge.errors import EdgeError
from edge.health.monitor import HealthMonitor
from edge.health.render import render_html

log = logging.getLogger(__name__)


class HealthServerError(EdgeError):
    """The endpoint cannot listen (port taken, address not on this device)."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "edge-alpr"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        """The same status and headers as GET, no body (curl -I, uptime checkers)."""
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        try:
            status, ctype, payload = self._page(path)
        except Exception:
            log.exception("health endpoint: %s failed", path)
            status, ctype, payload = (
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                b"internal error; see the log\n",
            )
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def _page(self, path: str) -> tuple[HTTPStatus, str, bytes]:
        if path == "/healthz":
            doc = self.server.monitor.snapshot()
            status = HTTPStatus.OK if doc["healthy"] else HTTPStatus.SERVICE_UNAVAILABLE
            return status, "application/json", json.dumps(doc, indent=1).encode()
        if path == "/metrics":
            return HTTPStatus.OK, CONTENT_TYPE_LATEST, generate_latest(self.server.registry)
        if path in ("/", "/status"):
            doc = self.server.monitor.snapshot()
            return HTTPStatus.OK, "text/html; charset=utf-8", render_html(doc).encode()
        return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found: try /healthz, /metrics, /\n"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("health endpoint: %s", format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], monitor: HealthMonitor, registry: CollectorRegistry) -> None:
        self.monitor = monitor
        self.registry = registry
        if ":" in addr[0]:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(addr, _Handler)


class HealthServer:
    """Serve a monitor and a registry on (bind, port); port 0 picks a free one (see `.port`)."""

    def __init__(self, monitor: HealthMonitor, registry: CollectorRegistry, bind: str = "127.0.0.1", port: int = 0):
        try:
            self._server = _Server((bind, port), monitor, registry)
        except OSError as exc:
            raise HealthServerError(
                f"health endpoint cannot listen on {bind}:{port}: {exc.strerror or exc} "
                "(another edge-alpr running? change health.port or set health.enabled: false)"
            ) from None
        self.bind = bind
        self._thread = threading.Thread(target=self._server.serve_forever, name="health-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        log.info("health endpoint on %s (/healthz, /metrics, /)", self.url)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HealthServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
