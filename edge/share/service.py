"""Sharing wired together: grant checks, the store hook that fills the outbox, one publisher per peer.

service = ShareService(cfg, ledger=ledger)      # refuses grants the profile forbids (ShareError)
service.attach(store)                           # outbox rows in the same transaction as the reads
service.start()                                 # publishers connect in the background
...
service.stop()
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.audit.events import Action
from edge.config.sharing import PeerGrant
from edge.policy.decision import Decision
from edge.policy.grants import check_grant
from edge.share.message import grant_ref
from edge.share.outbox import HitLike, Outbox, enqueue, enqueue_checkpoint
from edge.share.publisher import LedgerSource, PeerPublisher, PeerStatus, SearchHandler, ShareError, open_ledger_source
from edge.store.db import connect, transaction
from edge.store.timefmt import utcnow
from edge.types import Read

if TYPE_CHECKING:
    from edge.config.model import Config
    from edge.store import Store

log = logging.getLogger(__name__)


def check_grants(cfg: Config) -> list[tuple[PeerGrant, Decision]]:
    """Every grant with the profile's decision on it."""
    return [(g, check_grant(cfg.profile, g)) for g in cfg.sharing.peers]


class ShareService:
    """Grants, outbox hook and publishers of one device. Deny by default: no peers, nothing happens."""

    def __init__(
        self,
        cfg: Config,
        *,
        ledger: LedgerSource,
        actor: Any = None,
        clock: Callable[[], datetime] = utcnow,
        search_handler: SearchHandler | None = None,
        db_path: Path | str | None = None,
        publisher_options: dict[str, Any] | None = None,
        checkpoint_interval: float = 600.0,
    ) -> None:
        self.cfg = cfg
        self.ledger = ledger
        self.actor = actor if actor is not None else _system_actor(cfg.node_id)
        self.clock = clock
        self.search_handler = search_handler
        self.db_path = Path(db_path if db_path is not None else cfg.store.path)
        self.publisher_options = publisher_options or {}
        if cfg.sharing.open_key is not None and "open_key" not in self.publisher_options:
            from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

            from edge.share.seal import load_private
            from edge.share.secrets import resolve_file

            path = resolve_file(cfg.sharing.open_key, "sharing.open_key")
            self.publisher_options["open_key"] = load_private(path, X25519PrivateKey)
        refused = [(g, d) for g, d in check_grants(cfg) if not d.allowed]
        if refused:
            book, opened = open_ledger_source(ledger)
            try:
                for grant, decision in refused:
                    self._record_refused_grant(book, grant, decision)
            finally:
                close = getattr(book, "close", None)
                if opened and close is not None:
                    close()
        if refused:
            lines = "\n".join(f"  sharing.peers[{g.name}]: {d.reason}" for g, d in refused)
            raise ShareError(f"profile {cfg.profile} refuses {len(refused)} sharing grant(s):\n{lines}")
        self.grants: list[PeerGrant] = list(cfg.sharing.peers)
        self.publishers: dict[str, PeerPublisher] = {}
        self.checkpoint_interval = checkpoint_interval
        self._checkpoint_size = 0
        self._checkpoint_stop = threading.Event()
        self._checkpointer: threading.Thread | None = None

    def _record_refused_grant(self, book: Any, grant: PeerGrant, decision: Decision) -> None:
        detail = {
            "peer": grant.name,
            "grant": grant_ref(grant),
            "rule": decision.rule,
            "reason": decision.reason,
            "fields": list(grant.read_fields),
            "read_ids": [],
        }
        # a refusal that cannot be recorded still refuses: the exception from the ledger propagates
        book.append(Action.SHARE_DENIED, self.actor, detail, "denied")
        log.error("share: grant to %s refused by profile %s: %s", grant.name, self.cfg.profile, decision.reason)

    # -- store side -------------------------------------------------------------------------------
    def hook(self, conn: sqlite3.Connection, reads: Sequence[Read], hits: Sequence[HitLike]) -> None:
        """Store write hook: queue this batch's reads and hits for the grants that want them."""
        if not self.grants:
            return
        try:
            added = enqueue(conn, reads, self.grants, now=self.clock(), hits=hits)
        except sqlite3.Error:
            raise
        except Exception as exc:
            # anything else becomes a database error so the store fails (and counts) the batch
            raise sqlite3.DatabaseError(f"share outbox: {exc}") from exc
        if added:
            for pub in self.publishers.values():
                pub.wake()

    def attach(self, store: Store) -> None:
        """Fill the outbox (a table of the store's, edge.store.schema) from the store's write transactions."""
        if not self.grants:
            return
        self.db_path = store.path
        store.add_write_hook(self.hook)

    # -- publishers -------------------------------------------------------------------------------
    def start(self) -> None:
        """Start one publisher per grant (and the checkpoint thread). The ledger is opened once here
        first, so its files exist before several threads open it."""
        if self.grants:
            book, opened = open_ledger_source(self.ledger)
            close = getattr(book, "close", None)
            if opened and close is not None:
                close()
        today = self.clock().date()
        for grant in self.grants:
            if grant.name in self.publishers:
                continue
            if grant.expired(today):
                log.warning("share: grant to %s expired on %s; not connecting", grant.name, grant.expires)
            pub = PeerPublisher(
                grant,
                self.db_path,
                node_id=self.cfg.node_id,
                ledger=self.ledger,
                actor=self.actor,
                clock=self.clock,
                search_handler=self.search_handler,
                cameras=[c.name for c in self.cfg.cameras],
                low_below=self.cfg.store.min_confidence,
                **self.publisher_options,
            )
            self.publishers[grant.name] = pub
            pub.start()
        if self._checkpointer is None and self.checkpoint_interval > 0:
            self._checkpoint_stop.clear()
            self._checkpointer = threading.Thread(target=self._run_checkpoints, name="share-checkpoints", daemon=True)
            self._checkpointer.start()

    def stop(self) -> None:
        self._checkpoint_stop.set()
        if self._checkpointer is not None:
            self._checkpointer.join(10)
            self._checkpointer = None
        for pub in self.publishers.values():
            pub.stop()
        self.publishers.clear()

    # -- signed ledger checkpoints to peers ------------------------------------------------------
    def share_checkpoint(self, *, sign_now: bool = False) -> bool:
        """Queue the ledger's latest signed checkpoint for every live grant if it is newer than the last
        one queued (no personal data: origin, size, head hash, time, signed note). True if queued.
        `sign_now` signs the head first: every peer's witness learns it at once (at start, and after a
        change of sharing, profile or search policy)."""
        book, opened = open_ledger_source(self.ledger)
        try:
            sign = getattr(book, "checkpoint", None)
            if sign_now and sign is not None:
                sign()
            latest = getattr(book, "latest_checkpoint", None)
            cp = latest() if latest is not None else None
        finally:
            close = getattr(book, "close", None)
            if opened and close is not None:
                close(checkpoint=False)
        if cp is None or cp.size <= self._checkpoint_size:
            return False
        payload = {"origin": cp.origin, "size": cp.size, "head": cp.head.hex(), "time": cp.time, "note": cp.note}
        conn = connect(self.db_path)
        try:
            with transaction(conn):
                enqueue_checkpoint(conn, self.grants, payload, self.clock())
        finally:
            conn.close()
        self._checkpoint_size = cp.size
        for pub in self.publishers.values():
            pub.wake()
        return True

    def _run_checkpoints(self) -> None:
        keep = self.cfg.sharing.outbox_retention
        while not self._checkpoint_stop.is_set():
            try:
                self.share_checkpoint()
            except Exception:
                log.exception("share: could not queue the ledger checkpoint; retrying later")
            if keep is not None:
                try:
                    outbox = Outbox(self.db_path)
                    try:
                        dropped = outbox.purge(self.clock() - keep)
                    finally:
                        outbox.close()
                    if dropped:
                        log.warning("share: outbox retention dropped %s rows (sent or not)", dropped)
                except sqlite3.Error:
                    log.exception("share: outbox retention purge failed; retrying later")
            self._checkpoint_stop.wait(self.checkpoint_interval)

    def status(self) -> list[PeerStatus]:
        return [p.status() for p in self.publishers.values()]

    def __enter__(self) -> ShareService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _system_actor(node_id: str) -> Any:
    from edge.audit.events import Actor

    return Actor.system(node_id)


@contextmanager
def sharing(cfg: Config, store: Store, *, publish: bool = True, ledger: Any = None) -> Iterator[ShareService | None]:
    """Sharing for a running pipeline, in one line beside the store::

        with Store.from_config(cfg) as store, sharing(cfg, store):
            ...  # reads written to the store are queued for their grants and published

    No peers: yields None and touches nothing. Otherwise the grants are checked (ShareError if the
    profile refuses one), the outbox hook is attached before the first read, and the publishers (with
    remote search for peers granted it) run until the block ends. With ``publish=False`` reads are
    queued in the outbox as usual but no publisher connects (a throwaway store, as in `eval`).
    `ledger`: the application's open ledger (edge.app), shared by the publishers and remote search
    (its methods are serialised); without it each opens the config's ledger when it needs one.
    """
    if not cfg.sharing.peers:
        yield None
        return
    from edge.audit.ledger import open_ledger
    from edge.share.remote import make_search_handler

    shared = ledger

    def opened() -> Any:  # a remote search's ledger: the application's (not closed per request), or its own
        return nullcontext(shared) if shared is not None else open_ledger(cfg)

    handler = make_search_handler(cfg, opened) if any(g.search for g in cfg.sharing.peers) else None
    source: Any = shared if shared is not None else (lambda: open_ledger(cfg))
    service = ShareService(cfg, ledger=source, search_handler=handler, db_path=store.path)
    service.attach(store)
    if publish:
        service.start()
    try:
        yield service
    finally:
        service.stop()
