"""The read sink of the pipeline: store each read, then match it against the hotlists.

``ReadSink(read)`` is what ``edge.pipeline.replay`` and the runner call for each new read. The read
is queued to the store first; only a read the store accepted is matched. For each live entry it
matches (one indexed query over the plate and, if enabled, its OCR-confusion variants) that is not
muted, an alert is raised when the match is exact and the read's calibrated confidence reaches
``hotlists.min_confidence``; any other match (one OCR confusion, or a read below it) is recorded in the
ledger as a candidate for review (``review``), never an alert, and no hit is stored or shared:

1. an ``alert`` entry is appended to the audit ledger (fail closed: if that fails there is no hit,
   no share, only an error log with the read id and a counter);
2. the hit is queued to the store (``Store.mark_hit``): the read moves to the hit retention tier and,
   with sharing configured, the store's write hook puts it in the outbox for the peers whose grants
   take hits of that category;
3. ``on_alert`` is called (the CLI prints it); the log line carries the read id, never the plate.

A failure while matching never loses the read: it is counted and logged, the read stays stored.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edge.hotlist.alerts import Alert, Muter
from edge.hotlist.db import Hit, Hotlists
from edge.hotlist.match import Confusions, plate_key, valid_plate
from edge.store.reads import stored_ids
from edge.store.timefmt import to_ts
from edge.types import Read

if TYPE_CHECKING:
    from edge.audit.events import Action, Actor
    from edge.audit.ledger import Appender, Entry, Ledger
    from edge.config.hotlist import HotlistConfig
    from edge.config.model import Config
    from edge.store import Store

log = logging.getLogger(__name__)

AlertCallback = Callable[[Alert], None]


class LedgerThread:
    """A ledger opened, used and closed on one thread of its own, so camera threads can share it
    (a SQLite connection belongs to the thread that opened it)."""

    def __init__(self, open_ledger: Callable[[], Ledger]) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="hotlist-ledger")
        try:
            self._ledger = self._pool.submit(open_ledger).result()
        except BaseException:
            self._pool.shutdown()
            raise

    def append(self, action: Action | str, actor: Actor, detail: Mapping[str, Any], outcome: str = "ok") -> Entry:
        return self._pool.submit(self._ledger.append, action, actor, detail, outcome).result()

    def close(self) -> None:
        try:
            self._pool.submit(self._ledger.close).result()
        finally:
            self._pool.shutdown()


@dataclass
class SinkStats:
    stored: int = 0
    refused: int = 0
    matched: int = 0
    alerts: int = 0
    tolerant: int = 0  # tolerant matches (each a review candidate, never an alert)
    muted: int = 0
    review: int = 0  # matches recorded as candidates for review (tolerant, or below hotlists.min_confidence)
    failed: int = 0


def best_hits(read_key: str, hits: list[Hit]) -> list[tuple[Hit, str]]:
    """One hit per hotlist, an exact one before a tolerant one: [(hit, "exact"|"tolerant")]."""
    chosen: dict[str, tuple[Hit, str]] = {}
    for h in hits:
        kind = "exact" if h.entry_plate == read_key else "tolerant"
        have = chosen.get(h.hotlist)
        if have is None or (have[1] == "tolerant" and kind == "exact"):
            chosen[h.hotlist] = (h, kind)
    return list(chosen.values())


class ReadSink:
    """Callable sink: `sink(read) -> bool` (True if the store accepted the read). Thread-safe."""

    def __init__(
        self,
        store: Store,
        hotlists: Hotlists,
        *,
        config: HotlistConfig,
        ledger: Appender,
        actor: Actor,
        on_alert: AlertCallback | None = None,
        on_review: AlertCallback | None = None,
    ) -> None:
        self.store = store
        self.hotlists = hotlists
        self.ledger = ledger
        self.actor = actor
        self.on_alert = on_alert
        self.on_review = on_review
        self.min_confidence = config.min_confidence
        self.confusions = Confusions(config.tolerant.confusions if config.tolerant.enabled else ())
        self.muter = Muter(config.mute)
        self.review_muter = Muter(config.mute)
        self.stats = SinkStats()
        self._lock = threading.Lock()
        # alerts whose hit is queued in the store: the write hook records their basis with the hit
        self._pending: dict[tuple[str, str], Alert] = {}
        store.add_write_hook(self._record)

    def _record(self, conn: sqlite3.Connection, _reads: Sequence[Read], hits: Sequence[Any]) -> None:
        """Store write hook (writer thread, inside the hit's transaction): keep each alert's provenance."""
        rows = []
        with self._lock:
            for h in hits:
                a = self._pending.pop((h.read_id, h.hotlist), None)
                if a is not None:
                    rows.append((a.read_id, a.hotlist, a.category, a.source, a.basis, a.match_kind, to_ts(a.ts)))
        if rows:
            kept = stored_ids(conn, (r[0] for r in rows))
            conn.executemany(
                "INSERT OR IGNORE INTO hotlist_alerts (read_id, hotlist, category, source, basis, match_kind, ts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [r for r in rows if r[0] in kept],
            )

    def __call__(self, read: Read) -> bool:
        if not self.store.write(read):
            with self._lock:
                self.stats.refused += 1
            return False
        with self._lock:
            self.stats.stored += 1
        try:
            self.check(read)
        except Exception:
            with self._lock:
                self.stats.failed += 1
            log.exception("hotlist: matching read %s failed; the read is stored, no alert raised", read.id)
        return True

    def keys(self, plate: str) -> list[str]:
        key = plate_key(plate)
        if not valid_plate(key):
            return []
        return [key, *self.confusions.variants(key)]

    def check(self, read: Read) -> list[Alert]:
        """Match one stored read and raise its alerts; returns the alerts raised."""
        keys = self.keys(read.plate)
        if not keys:
            return []
        hits = self.hotlists.match(keys)
        if not hits:
            return []
        chosen = best_hits(keys[0], hits)
        # Alerts and review candidates are muted apart: a misread of a car seen first must not mute
        # the alert of its exact read a moment later.
        sure = read.confidence >= self.min_confidence
        muter = {True: self.muter, False: self.review_muter}
        muted_plates = {
            (p, k == "exact" and sure): muter[k == "exact" and sure].sighting(read.camera, p, read.ts)
            for p, k in {(h.entry_plate, k) for h, k in chosen}
        }
        raised: list[Alert] = []
        for hit, kind in chosen:
            with self._lock:
                self.stats.matched += 1
            if muted_plates[(hit.entry_plate, kind == "exact" and sure)]:
                with self._lock:
                    self.stats.muted += 1
                log.debug("hotlist: read %s matched %s again on %s: muted", read.id, hit.hotlist, read.camera)
                continue
            alert = Alert(
                read_id=read.id,
                plate=keys[0],
                entry_plate=hit.entry_plate,
                camera=read.camera,
                ts=read.ts,
                hotlist=hit.hotlist,
                category=hit.category,
                source=hit.source,
                basis=hit.basis,
                match_kind=kind,
                confidence=read.confidence,
                crop_jpeg=read.crop_jpeg,
            )
            if kind != "exact" or not sure:
                self._review(alert)
            elif self._raise(alert):
                raised.append(alert)
        return raised

    def _review(self, alert: Alert) -> None:
        """A match too unsure to act on (one OCR confusion, or below hotlists.min_confidence): recorded in
        the ledger as a candidate for a person to review against the evidence crop; no hit, no share."""
        from edge.audit.events import Action
        from edge.errors import EdgeError

        why = "tolerant match" if alert.match_kind != "exact" else "below hotlists.min_confidence"
        try:
            self.ledger.append(Action.REVIEW, self.actor, {**alert.ledger_detail(), "why": why})
        except EdgeError as exc:
            with self._lock:
                self.stats.failed += 1
            log.error("hotlist: review of read %s not recorded, the ledger refused it: %s", alert.read_id, exc)  # noqa: TRY400
            return
        with self._lock:
            self.stats.review += 1
            if alert.match_kind == "tolerant":
                self.stats.tolerant += 1
        log.warning(
            "REVIEW read %s camera %s hotlist %s (%s): not an alert", alert.read_id, alert.camera, alert.hotlist, why
        )
        if self.on_review is not None:
            try:
                self.on_review(alert)
            except Exception:
                log.exception("hotlist: review callback failed for read %s", alert.read_id)

    def _raise(self, alert: Alert) -> bool:
        from edge.audit.events import Action
        from edge.errors import EdgeError

        try:
            self.ledger.append(Action.ALERT, self.actor, alert.ledger_detail())
        except EdgeError as exc:
            with self._lock:
                self.stats.failed += 1
            log.error("hotlist: alert for read %s not raised, the ledger refused it: %s", alert.read_id, exc)  # noqa: TRY400
            return False
        with self._lock:
            self._pending[(alert.read_id, alert.hotlist)] = alert
        if not self.store.mark_hit(
            alert.read_id, alert.hotlist, category=alert.category, match_kind=alert.match_kind, ts=alert.ts
        ):
            with self._lock:
                self._pending.pop((alert.read_id, alert.hotlist), None)
                self.stats.failed += 1
            log.error("hotlist: hit for read %s could not be queued to the store", alert.read_id)
            return False
        with self._lock:
            self.stats.alerts += 1
        log.warning(
            "ALERT read %s camera %s hotlist %s category %s match %s",
            alert.read_id, alert.camera, alert.hotlist, alert.category, alert.match_kind,
        )  # fmt: skip
        if self.on_alert is not None:
            try:
                self.on_alert(alert)
            except Exception:
                log.exception("hotlist: alert callback failed for read %s", alert.read_id)
        return True


@contextmanager
def open_read_sink(
    cfg: Config,
    store: Store,
    *,
    on_alert: AlertCallback | None = None,
    on_review: AlertCallback | None = None,
    expire_every: float | None = None,
) -> Iterator[Callable[[Read], bool]]:
    """The sink for a pipeline over `store`: a ``ReadSink`` when a hotlist database exists beside the
    store (or at ``hotlists.path``), else the store's own write. Closes what it opened.

    With `expire_every` (seconds; `edge-alpr run` passes the store's purge interval), expired
    hotlists and entries are deleted now and then on a background thread, each deletion recorded in
    the ledger: a list past its date is not only no longer matched, its plates are gone."""
    from edge.audit.events import Actor
    from edge.audit.ledger import open_ledger
    from edge.hotlist.db import default_path

    path = default_path(cfg)
    if not path.exists():
        log.info("hotlist: no hotlist database at %s; reads are stored without matching", path)
        yield store.write
        return
    with Hotlists(path) as hotlists:
        ledger = LedgerThread(lambda: open_ledger(cfg))
        actor = Actor.system(cfg.node_id)
        stop = threading.Event()
        expirer = None
        if expire_every is not None:
            expirer = threading.Thread(
                target=_expire_loop,
                args=(hotlists, ledger, actor, expire_every, stop),
                name="hotlist-expiry",
                daemon=True,
            )
            expirer.start()
        try:
            yield ReadSink(
                store, hotlists, config=cfg.hotlists, ledger=ledger, actor=actor, on_alert=on_alert, on_review=on_review
            )
        finally:
            stop.set()
            if expirer is not None:
                expirer.join()
            ledger.close()


def _expire_loop(hotlists: Hotlists, ledger: Appender, actor: Actor, every: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            lists, entries = hotlists.remove_expired(actor=actor, ledger=ledger)
            if lists or entries:
                log.info("hotlist: removed %d expired lists and %d expired entries", lists, entries)
        except Exception:
            log.exception("hotlist: removing expired entries failed; retrying in %.0fs", every)
        stop.wait(every)
