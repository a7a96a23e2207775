"""Sharing test helpers (imported by the tests; the fixtures live in tests/conftest.py): node name, a ledger that
can fail, grants, the default per-client ACL, a node config and a started sharing service."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.config.sharing import PeerGrant
from edge.share import ShareService
from edge.store import Store
from edge_tools.harness.grants import NODE, grant_yaml
from edge_tools.harness.mosquitto import Broker, Pki
from tests.support.store import MakeRead

__all__ = [
    "NODE",
    "BrokerFactory",
    "FakeLedger",
    "MakeRead",
    "config",
    "default_acl",
    "grant_yaml",
    "make_grant",
    "run_service",
    "search_site_yaml",
]


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


def config(tmp_path: Path, *grants: PeerGrant) -> Config:
    """An IL node's config with its store in tmp_path and these peer grants."""
    cfg = Config(node_id=NODE, profile="IL")
    return cfg.model_copy(
        update={
            "store": cfg.store.model_copy(update={"path": str(tmp_path / "store.db"), "min_free_mb": 0}),
            "sharing": cfg.sharing.model_copy(update={"peers": list(grants)}),
        }
    )


def run_service(cfg: Config, ledger: FakeLedger, **options: Any) -> tuple[Store, ShareService]:
    """A store with the sharing service attached and started (the caller stops both)."""
    store = Store.from_config(cfg)
    service = ShareService(cfg, ledger=ledger, actor="system", publisher_options=options or None)
    service.attach(store)
    service.start()
    return store, service


def search_site_yaml(store: Path, *, profile: str = "IL", partial: bool = False, extra: str = "") -> str:
    """A site of `profile` (the agency in that state) with a store at `store`, one search purpose
    (`partial`: pattern searches allowed for it), `extra` lines of the search section, the
    Springfield agency, and no sharing."""
    purpose = "      partial: true\n" if partial else ""
    return f"""
node_id: {NODE}
profile: {profile}
store:
  path: {store}
  min_free_mb: 0
search:
  purposes:
    - code: stolen-vehicle
      description: Vehicle reported stolen
{purpose}{extra}  agencies:
    - id: SPRINGFIELD-PD
      name: Springfield Police Department
      kind: local
      state: {profile}
      aliases: [Springfield PD]
"""
