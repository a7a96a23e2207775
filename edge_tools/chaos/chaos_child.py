"""The process the chaos driver kills: the store, ledger and sharing wired exactly as `edge-alpr run`
wires them (edge/cli/run.py: ledger -> Store.from_config(on_receipt=ledger) -> sharing() ->
open_read_sink), fed with synthetic reads instead of camera recognition, and reporting what is durable.

Why not `edge-alpr run` itself: a SIGKILL test needs to know, outside the process, which reads were
acknowledged as stored before the kill, and `run` does not report that. Here `Store.flush()` (the
store's durability point: synchronous=FULL commits) returns, then the ids flushed are written to the
ack file. Ledger entries are acknowledged after `Ledger.append` returns (its durability point).

Ack file lines (one ``os.write`` each, O_APPEND, so a SIGKILL leaves whole lines in the page cache):
    R                       the pipeline is up (store, ledger, sharing open)
    A <id> <id> ...         reads committed (flush returned, no batch failed)
    F <n>                   reads the store counted as failed or refused in a batch (not acknowledged)
    L <seq> <hash hex>      a ledger entry on disk
    D                       (--drain) every outbox row was acknowledged by the broker
    X                       clean exit

Plates are synthetic (``ZZ`` + digits); nothing here logs them.

    python edge_tools/chaos/chaos_child.py --config site.yaml --ack ack.log [--rate 300] [--drain]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from edge.audit.events import Action, Actor
from edge.audit.ledger import Entry, open_ledger
from edge.config import load_config
from edge.hotlist.sink import open_read_sink
from edge.logs import setup as setup_logging
from edge.share import Outbox
from edge.share.service import sharing
from edge.store import PurgeReceipt, Store
from edge.types import Read


class Acks:
    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.lock = threading.Lock()

    def line(self, text: str) -> None:
        with self.lock:
            os.write(self.fd, (text + "\n").encode())

    def entry(self, e: Entry) -> None:
        self.line(f"L {e.seq} {e.hash.hex()}")


def synthetic_read(rng: random.Random, camera: str, n: int) -> Read:
    return Read(
        id=str(uuid.uuid4()),
        plate=f"ZZ{rng.randrange(10**5):05d}",
        confidence=round(rng.uniform(0.5, 1.0), 3),
        camera=camera,
        ts=datetime.now(UTC),
        frame_index=n,
        bbox=(10.0, 20.0, 110.0, 50.0),
        track_id=f"trk-{n}",
        observations=3,
        detector_model="chaos-synthetic",
        ocr_model="chaos-synthetic",
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, required=True)
    ap.add_argument("--ack", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float, default=300.0, help="reads per second")
    ap.add_argument("--batch", type=int, default=10, help="reads between flushes (acknowledgements)")
    ap.add_argument("--purge-every", type=float, default=0.5, help="seconds between purges (ledger entries)")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="stop by itself after this long")
    ap.add_argument("--drain", action="store_true", help="write nothing; exit once the outbox is empty")
    args = ap.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    setup_logging(1, "text")  # info on stderr, plate text filtered (edge.logs)
    rng = random.Random(args.seed)
    acks = Acks(args.ack)
    cfg = load_config(args.config)
    system = Actor.system(cfg.node_id)
    camera = cfg.cameras[0].name if cfg.cameras else "chaos"
    deadline = time.monotonic() + args.max_seconds
    with open_ledger(cfg) as ledger:
        acks.entry(ledger.append(Action.STARTUP, system, {"cameras": [camera], "profile": cfg.profile}))

        def receipt(r: PurgeReceipt) -> None:
            acks.entry(ledger.append(Action.PURGE, system, r.to_dict()))

        with (
            Store.from_config(cfg, on_receipt=receipt) as store,
            sharing(cfg, store),
            open_read_sink(cfg, store) as write,
        ):
            acks.line("R")
            if args.drain:
                while not stop.is_set() and time.monotonic() < deadline:
                    outbox = Outbox(cfg.store.path, readonly=True)
                    try:
                        left = outbox.depth()
                    finally:
                        outbox.close()
                    if left == 0:
                        acks.line("D")
                        break
                    stop.wait(0.1)
            n = 0
            next_purge = time.monotonic() + args.purge_every
            started = time.monotonic()
            while not args.drain and not stop.is_set() and time.monotonic() < deadline:
                pending: list[str] = []
                before = store.stats
                for _ in range(args.batch):
                    read = synthetic_read(rng, camera, n)
                    n += 1
                    if write(read):
                        pending.append(read.id)
                store.flush()
                after = store.stats
                bad = (after.failed - before.failed) + (after.refused - before.refused)
                if bad:
                    acks.line(f"F {bad}")
                elif pending:
                    acks.line("A " + " ".join(pending))
                now = time.monotonic()
                if now >= next_purge:
                    store.purge()
                    next_purge = now + args.purge_every
                due = started + n / args.rate
                if due > now:
                    stop.wait(due - now)
            store.flush()
        ledger.append(Action.SHUTDOWN, system, {"reads": n, "signal": stop.is_set()})
    acks.line("X")
    return 0


if __name__ == "__main__":
    sys.exit(main())
