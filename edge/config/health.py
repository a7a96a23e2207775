"""Health and metrics endpoint of `edge-alpr run`.

Served on localhost by default; bind it elsewhere only behind a firewall or a reverse proxy (the
status page names cameras, counts and the ledger head; never plates). Example::

    health:
      enabled: true
      bind: 127.0.0.1
      port: 9108
      stale_after: 10s          # a camera with no frame for this long is reported down
      verify_interval: 1h       # how often the ledger chain is re-verified in the background
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from pydantic import Field, field_validator

from edge.config.common import Duration, Strict


class HealthConfig(Strict):
    enabled: bool = Field(
        default=True, description="Serve /healthz, /metrics and the status page while `edge-alpr run` runs."
    )
    bind: str = Field(
        default="127.0.0.1",
        description="Address the endpoint listens on (an IP address; 127.0.0.1 keeps it on this device).",
    )
    port: int = Field(
        default=9108,
        ge=0,
        le=65535,
        description="TCP port of the endpoint (0: any free port, logged at start; `edge-alpr status` then "
        "cannot find it).",
    )
    stale_after: Duration = Field(
        default=timedelta(seconds=10),
        description="A running camera whose last frame is older than this is reported down (not healthy).",
    )
    verify_interval: Duration = Field(
        default=timedelta(hours=1),
        description="How often the audit ledger's hash chain and checkpoints are verified in the background "
        "(also once at start); /healthz reports the last result.",
    )

    @field_validator("bind")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)") from None
        return value

    @field_validator("stale_after", "verify_interval")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("must be longer than 0s")
        return value

    @property
    def url(self) -> str:
        """Base URL a local client uses (0.0.0.0 / :: are reached through loopback)."""
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.bind, self.bind)  # noqa: S104 - mapping, not binding
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"
