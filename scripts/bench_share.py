"""Publish throughput to one peer over a real TLS Mosquitto (generated CA, client certificates, ACL).

Fills the outbox with N reads through the store hook (same transaction as the reads), starts the
publisher and measures: reads/s from start until the peer holds every read id, publish -> PUBACK
latency (p50/p95/max), and the store write rate with the outbox hook on. The audit ledger is the
real one (one fsync'd entry per batch) unless --no-ledger.

Usage: .venv/bin/python scripts/bench_share.py [--reads 5000] [--batch 50] [--inflight 100] [--no-ledger]
Example: .venv/bin/python scripts/bench_share.py --reads 5000 --batch 50
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from edge.config import Config
from edge.config.sharing import PeerGrant
from edge.share import Outbox, ShareService
from edge.store import Store
from edge.types import Read
from edge_tools.harness.mosquitto import Broker, Pki, Subscriber

ROOT = Path(__file__).resolve().parents[1]
NODE = "edge-node"


class NullLedger:
    def append(self, *_a: Any, **_k: Any) -> None:
        return None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reads", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=50, help="rows per publish batch (one ledger entry each)")
    ap.add_argument("--inflight", type=int, default=100)
    ap.add_argument("--no-ledger", action="store_true", help="measure MQTT alone (no audit ledger writes)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-share-"))
    pki = Pki(tmp / "pki")
    acl = {NODE: [("write", "peers/a/#")], "peer-a": [("read", "peers/a/#")]}
    for cn in acl:
        pki.client(cn)
    broker = Broker(pki, tmp / "broker", acl)
    broker.start()
    peer = Subscriber(broker, "peer-a", ["peers/a/#"])
    peer.wait_ready()
    ident = pki.client(NODE)
    grant = PeerGrant(
        name="peer-a",
        broker=broker.url,
        ca=str(pki.ca.path),
        cert=str(ident.cert),
        key=str(ident.key),
        topic_prefix="peers/a",
        agency="Bench PD",
        jurisdiction="IL",
        share="all",
        fields=["plate", "time", "camera", "confidence"],
        purposes=["stolen-vehicle"],
        legal_basis="bench",
        expires=datetime(2099, 1, 1).date(),
        max_inflight=args.inflight,
    )
    cfg = Config(node_id=NODE, profile="IL")
    cfg = cfg.model_copy(
        update={
            "store": cfg.store.model_copy(update={"path": str(tmp / "store.db"), "min_free_mb": 0}),
            "sharing": cfg.sharing.model_copy(update={"peers": [grant]}),
        }
    )
    if args.no_ledger:
        ledger: Any = NullLedger()
    else:
        from edge.audit.ledger import open_ledger

        def ledger() -> Any:
            return open_ledger(cfg)

    now = datetime.now(UTC)
    with Store(tmp / "baseline.db", min_free_mb=0) as base:  # same writes, no sharing: the hook's cost
        t0 = time.perf_counter()
        for i in range(args.reads):
            rid = str(uuid.uuid4())
            base.write(Read(rid, f"BEN{i:05d}", 0.9, "cam1", now, i, (1.0, 2.0, 3.0, 4.0), f"t{i}", 3, "det", "ocr"))
        base.flush()
        base_s = time.perf_counter() - t0
    ids: list[str] = []
    with Store.from_config(cfg) as store:
        service = ShareService(cfg, ledger=ledger, publisher_options={"batch": args.batch})
        service.attach(store)
        t0 = time.perf_counter()
        for i in range(args.reads):
            rid = str(uuid.uuid4())
            ids.append(rid)
            store.write(Read(rid, f"BEN{i:05d}", 0.9, "cam1", now, i, (1.0, 2.0, 3.0, 4.0), f"t{i}", 3, "det", "ocr"))
        store.flush()
        write_s = time.perf_counter() - t0
        depth = Outbox(store.path, readonly=True).depth("peer-a")
        want = set(ids)
        t1 = time.perf_counter()
        service.start()
        pub = service.publishers["peer-a"]
        ok = peer.wait_for(lambda m: len({json.loads(p)["read_id"] for _, p in m}) >= len(want), timeout=600)
        send_s = time.perf_counter() - t1
        idle = pub.wait_idle(60)
        status = pub.status()
        lat = list(pub.latencies)
        service.stop()
    peer.close()
    broker.stop()
    got = {json.loads(p)["read_id"] for _, p in peer.payloads()}
    result = {
        "reads": args.reads,
        "batch": args.batch,
        "max_inflight": args.inflight,
        "ledger": not args.no_ledger,
        "all_received": ok and got >= want,
        "outbox_rows_after_fill": depth,
        "store_write_reads_per_s_without_sharing": round(args.reads / base_s, 1),
        "store_write_reads_per_s_with_outbox_hook": round(args.reads / write_s, 1),
        "publish_reads_per_s": round(args.reads / send_s, 1),
        "puback_latency_ms": {
            "p50": round(statistics.median(lat) * 1000, 2) if lat else None,
            "p95": round(pct(lat, 0.95) * 1000, 2),
            "max": round(max(lat) * 1000, 2) if lat else None,
        },
        "acked": status.acked,
        "outbox_empty": idle,
        "duplicates_received": len(peer.payloads()) - len(got),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
