"""Sharing test helpers (imported by the tests; fixtures live in the conftest.py files): node name, a ledger that
can fail, grants, the default per-client ACL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from edge.config.sharing import PeerGrant
from edge.types import Read
from edge_tools.harness.grants import NODE, grant_yaml
from edge_tools.harness.mosquitto import Broker, Pki
from tests.support.clock import T0

__all__ = ["NODE", "BrokerFactory", "FakeLedger", "MakeRead", "default_acl", "grant_yaml", "make_grant", "read_factory"]


class FakeLedger:
    """Records entries like edge.audit.Ledger.append; `fail = True` makes every append raise."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Any, dict[str, Any], str]] = []
        self.fail = False
        self.lock = threading.Lock()

    def append(self, action: Any, actor: Any, detail: Mapping[str, Any], outcome: str = "ok") -> object:
        if self.fail:
            raise OSError("ledger disk unavailable")
        with self.lock:
            self.entries.append((str(action), actor, dict(detail), outcome))
        return len(self.entries)

    def of(self, action: str) -> list[dict[str, Any]]:
        with self.lock:
            return [d for a, _, d, _ in self.entries if a == action]


BrokerFactory = Callable[..., Broker]  # (acl, passwords=None) -> a started broker


def default_acl(prefix_a: str = "peers/a", prefix_b: str = "peers/b") -> dict[str, list[tuple[str, str]]]:
    """This device may write under both prefixes; peer-a reads its prefix, peer-b only its own."""
    return {
        NODE: [("write", f"{prefix_a}/#"), ("write", f"{prefix_b}/#"), ("read", f"{prefix_a}/search/request/#")],
        "peer-a": [("read", f"{prefix_a}/#"), ("write", f"{prefix_a}/search/request/#")],
        "peer-b": [("read", f"{prefix_b}/#")],
    }


def make_grant(broker: Broker | str | None = None, pki: Pki | None = None, **kw: Any) -> PeerGrant:
    ident = pki.client(NODE) if pki is not None else None
    values: dict[str, Any] = {
        "name": "peer-a",
        "broker": broker.url if isinstance(broker, Broker) else (broker or "mqtts://127.0.0.1:8883"),
        "ca": str(pki.ca.path) if pki is not None else "ca.pem",
        "cert": str(ident.cert) if ident is not None else "client.crt",
        "key": str(ident.key) if ident is not None else "client.key",
        "topic_prefix": "peers/a",
        "agency": "Springfield PD",
        "jurisdiction": "IL",
        "share": "all",
        "fields": ["plate", "time", "camera"],
        "purposes": ["stolen_vehicle"],
        "legal_basis": "mutual aid agreement 2026-14",
        "expires": date(2030, 1, 1),
    }
    values.update(kw)
    return PeerGrant(**values)


MakeRead = Callable[..., Read]


def read_factory() -> MakeRead:
    counter = iter(range(1, 10**9))

    def make(plate: str | None = None, camera: str = "cam1", crop: bytes | None = None) -> Read:
        n = next(counter)
        return Read(
            id=str(uuid.uuid4()),
            plate=plate or f"TST{n:04d}",
            confidence=0.93,
            camera=camera,
            ts=T0,
            frame_index=n,
            bbox=(10.0, 20.0, 110.0, 50.0),
            track_id=f"trk-{n}",
            observations=3,
            detector_model="det-test",
            ocr_model="ocr-test",
            crop_jpeg=crop,
        )

    return make
