"""One MQTT client per peer broker, sending the peer's outbox rows in order with QoS 1.

A background thread reads unacknowledged rows, writes one ``share`` ledger entry per batch (fail
closed: no entry, no publish), publishes each row and maps the MQTT message id to the row. The
broker's PUBACK (``on_publish``) marks the row sent. While the connection is down paho keeps the
unacknowledged messages and sends them again after it reconnects (with backoff); after a restart the
rows without ``sent_at`` are read again from the outbox. Receivers dedupe by ``read_id``.

MQTT 5 is used so that a broker that refuses a publish (ACL) says so in the PUBACK reason code; such
rows stay unsent and are retried after a pause instead of being marked sent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from edge.audit.events import Action
from edge.audit.ledger import Appender
from edge.config.sharing import PeerGrant
from edge.errors import EdgeError
from edge.share import homeassistant
from edge.share.message import checkpoint_message, encode, grant_ref, read_message, topics
from edge.share.outbox import Outbox, OutboxRow
from edge.share.seal import SealError, is_sealed, open_sealed, seal, seal_public_key
from edge.share.secrets import resolve_bytes, resolve_file, resolve_text
from edge.store.timefmt import utcnow

log = logging.getLogger(__name__)

# A search request is a few hundred bytes; anything past this is not one (a flood, or JSON nested to
# crash the parser) and is dropped before it is queued.
MAX_REQUEST_BYTES = 64 * 1024
# Requests answered per turn of the loop before the outbox gets its turn: a flood of requests does not
# hold back the reads the grant sends.
REQUESTS_PER_TURN = 10
# Sealed search replies are padded to a multiple of this many bytes (_payload).
REPLY_BUCKET = 2048

SearchHandler = Callable[[PeerGrant, dict[str, Any]], dict[str, Any]]


LedgerSource = Appender | Callable[[], Appender]


def open_ledger_source(source: LedgerSource) -> tuple[Appender, bool]:
    """(ledger, opened here): a factory is called (one ledger per thread: SQLite connections are per thread)."""
    if hasattr(source, "append"):
        return cast(Appender, source), False
    return source(), True


class ShareError(EdgeError):
    """Sharing cannot start: bad grant, unreadable certificate, outbox missing."""


@dataclass(frozen=True, slots=True)
class PeerStatus:
    peer: str
    connected: bool
    inflight: int
    published: int
    acked: int
    refused_acks: int
    ledger_failures: int
    expired: bool
    last_ack: datetime | None
    last_error: str | None


def tls_context(grant: PeerGrant) -> ssl.SSLContext:
    """Certificate verification on, hostname checked, TLS 1.2+, and this device's client certificate
    when the grant has one (else it logs in with username and password, over this TLS)."""
    if grant.ca is None or (grant.cert is None and grant.username is None):
        raise ShareError(f"peer {grant.name}: mqtts needs ca, and cert and key or username and password")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    try:
        ctx.load_verify_locations(cafile=str(resolve_file(grant.ca, f"peer {grant.name} ca")))
        if grant.cert is not None and grant.key is not None:
            ctx.load_cert_chain(
                str(resolve_file(grant.cert, f"peer {grant.name} cert")),
                str(resolve_file(grant.key, f"peer {grant.name} key")),
            )
    except (ssl.SSLError, OSError) as exc:
        raise ShareError(f"peer {grant.name}: cannot load TLS material: {exc}") from None
    return ctx


def make_client(grant: PeerGrant, node_id: str) -> mqtt.Client:
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"{node_id}-{grant.name}",
        protocol=mqtt.MQTTv5,
    )
    if grant.tls:
        client.tls_set_context(tls_context(grant))
    if grant.username is not None:
        assert grant.password is not None
        client.username_pw_set(grant.username, resolve_text(grant.password, f"peer {grant.name} password"))
    client.reconnect_delay_set(min_delay=1, max_delay=60)
    client.max_inflight_messages_set(grant.max_inflight)
    return client


class PeerPublisher:
    """Sends one peer's outbox. ``start()`` connects in the background; ``stop()`` disconnects."""

    def __init__(
        self,
        grant: PeerGrant,
        db_path: Path | str,
        *,
        node_id: str,
        ledger: LedgerSource,
        actor: Any,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 50,
        poll: float = 0.2,
        retry_pause: float = 2.0,
        search_handler: SearchHandler | None = None,
        cameras: list[str] | None = None,
        low_below: float = 0.0,
        open_key: Any = None,
    ) -> None:
        """`open_key`: this device's X25519 private key (sharing.open_key), to open sealed requests."""
        self.grant = grant
        self._seal_to = seal_public_key(grant.seal_key) if grant.seal_key else None
        self._open_key = open_key
        self.low_below = low_below  # store.min_confidence: reads below it are sent flagged low_confidence
        self.db_path = Path(db_path)
        self.node_id = node_id
        self._ledger_source = ledger
        self.ledger: Appender | None = None
        self.actor = actor
        self.clock = clock
        self.batch = batch
        self.poll = poll
        self.retry_pause = retry_pause
        self.search_handler = search_handler if grant.search else None
        self.topics = topics(grant, node_id)
        self.cameras = list(cameras or [])
        self._ha = homeassistant.enabled(grant)
        self._announced = False
        self._hash_key = (
            resolve_bytes(grant.plate_hash_key, f"peer {grant.name} plate_hash_key")
            if "plate_hash" in grant.read_fields and grant.plate_hash_key is not None
            else None
        )
        self._client = make_client(grant, node_id)
        if self._ha:  # MQTT last will: the broker marks the device's entities unavailable if the link drops
            self._client.will_set(
                homeassistant.availability_topic(grant, node_id), homeassistant.OFFLINE, qos=1, retain=True
            )
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish
        self._client.on_message = self._on_message
        self._client.on_connect_fail = self._on_connect_fail
        self._client.on_subscribe = self._on_subscribe
        self._acks: queue.Queue[tuple[int, bool]] = queue.Queue()
        self._requests: queue.Queue[bytes] = queue.Queue(maxsize=100)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._connected = threading.Event()
        self.listening = threading.Event()  # subscribed to the search request topic
        self._inflight: dict[int, tuple[int, float]] = {}  # mid -> (row id, monotonic publish time)
        self._cursor = 0
        self._pause_until = 0.0
        self._expired_logged = False
        self._lock = threading.Lock()
        self._counts = {"published": 0, "acked": 0, "refused_acks": 0, "ledger_failures": 0}
        self._last_ack: datetime | None = None
        self._last_error: str | None = None
        self._state_dirty = True
        self.latencies: list[float] = []  # publish -> PUBACK seconds (bench); bounded below
        self._thread: threading.Thread | None = None

    # -- paho callbacks (network thread): only hand over to the worker -------------------------
    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: Properties | None
    ) -> None:
        if reason.is_failure:
            self._last_error = f"connection refused: {reason}"
            log.warning("share %s: broker refused the connection: %s", self.grant.name, reason)
            self._state_dirty = True
            return
        log.info("share %s: connected to %s:%s", self.grant.name, self.grant.host, self.grant.port)
        self._last_error = None
        self._connected.set()
        self._state_dirty = True
        if self.search_handler is not None:
            client.subscribe(self.topics.search_request, qos=1)
        self._wake.set()

    def _on_disconnect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: Properties | None
    ) -> None:
        if self._connected.is_set():
            log.warning(
                "share %s: disconnected (%s); unacknowledged messages are resent on reconnect", self.grant.name, reason
            )
        self._connected.clear()
        self.listening.clear()
        self._announced = False
        self._state_dirty = True

    def _on_subscribe(self, _c: mqtt.Client, _u: object, _mid: int, reasons: list[ReasonCode], _p: object) -> None:
        if all(not r.is_failure for r in reasons):
            self.listening.set()
        else:
            log.error("share %s: broker refused the search request subscription (ACL)", self.grant.name)

    def _on_connect_fail(self, _c: mqtt.Client, _u: object) -> None:
        self._last_error = "connection failed (broker unreachable or TLS handshake refused)"
        self._state_dirty = True

    def _on_publish(self, _c: mqtt.Client, _u: object, mid: int, reason: ReasonCode, _p: Properties | None) -> None:
        self._acks.put((mid, not reason.is_failure))
        self._wake.set()

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        if msg.topic != self.topics.search_request:
            return
        if msg.retain:
            # A request is asked once, by someone waiting for the answer; one kept by the broker is
            # replayed to every new subscription (a device's every start) by whoever left it there.
            log.warning("share %s: a retained search request was ignored", self.grant.name)
            return
        if len(msg.payload) > MAX_REQUEST_BYTES:
            log.warning("share %s: a search request of %d bytes was ignored", self.grant.name, len(msg.payload))
            return
        try:
            self._requests.put_nowait(bytes(msg.payload))
        except queue.Full:
            log.warning("share %s: search request dropped, too many waiting", self.grant.name)
        self._wake.set()

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"share-{self.grant.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """True once this peer has nothing pending or in flight (tests, bench, orderly shutdown)."""
        deadline = time.monotonic() + timeout
        outbox = Outbox(self.db_path, readonly=True)
        try:
            while time.monotonic() < deadline:
                if outbox.depth(self.grant.name) == 0:
                    return True
                time.sleep(0.05)
            return False
        finally:
            outbox.close()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def status(self) -> PeerStatus:
        with self._lock:
            return PeerStatus(
                peer=self.grant.name,
                connected=self._connected.is_set(),
                inflight=len(self._inflight),
                expired=self.grant.expired(self.clock().date()),
                last_ack=self._last_ack,
                last_error=self._last_error,
                **self._counts,
            )

    # -- worker thread --------------------------------------------------------------------------
    def _run(self) -> None:
        outbox = Outbox(self.db_path)
        opened = False
        try:
            while True:  # fail closed: without a ledger nothing is sent, but keep trying
                try:
                    self.ledger, opened = open_ledger_source(self._ledger_source)
                    break
                except EdgeError as exc:
                    self._last_error = f"audit ledger unavailable, sharing paused: {exc}"
                    log.error("share %s: audit ledger unavailable; nothing is sent until it opens", self.grant.name)  # noqa: TRY400
                    if self._stop.wait(self.retry_pause):
                        return
            if not outbox.has_schema():
                self._last_error = "no outbox in the store (sharing never enabled on this store)"
                log.error("share %s: %s", self.grant.name, self._last_error)
                return
            if self.grant.expired(self.clock().date()):  # never connect under an expired grant
                while not self._refuse_expired(outbox) and not self._stop.wait(self.retry_pause):
                    pass
                return
            self._client.connect_async(
                self.grant.host, self.grant.port, keepalive=int(self.grant.keepalive.total_seconds())
            )
            self._client.loop_start()
            last_state = 0.0
            while not self._stop.is_set():
                self._drain_acks(outbox)
                now = time.monotonic()
                if self._state_dirty or now - last_state > 5.0:
                    self._write_state(outbox)
                    last_state = now
                if self.grant.expired(self.clock().date()):
                    if self._refuse_expired(outbox):
                        break
                    self._stop.wait(self.retry_pause)
                    continue
                self._serve_requests()
                if not self._dispatch(outbox):
                    self._wake.wait(self.poll)
                    self._wake.clear()
        except Exception:
            log.exception("share %s: publisher stopped on an error; unsent rows stay in the outbox", self.grant.name)
            self._last_error = "publisher stopped on an error"
        finally:
            # orderly stop: give acknowledgements of what is in flight a moment (what misses it is resent later)
            deadline = time.monotonic() + 2.0
            while self._inflight and self._connected.is_set() and time.monotonic() < deadline:
                self._wake.wait(0.05)
                self._wake.clear()
                self._drain_acks(outbox)
            if self._ha and self._connected.is_set():  # an orderly stop sends no last will: say it
                info = self._client.publish(
                    homeassistant.availability_topic(self.grant, self.node_id),
                    homeassistant.OFFLINE,
                    qos=1,
                    retain=True,
                )
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(2.0)
            self._client.disconnect()
            self._client.loop_stop()
            self._connected.clear()
            try:
                self._drain_acks(outbox)
                self._state_dirty = True
                self._write_state(outbox)
            finally:
                outbox.close()
                close = getattr(self.ledger, "close", None)
                if opened and close is not None:
                    close()

    def _write_state(self, outbox: Outbox) -> None:
        self._state_dirty = False
        outbox.set_state(
            self.grant.name,
            connected=self._connected.is_set(),
            at=self.clock(),
            error=self._last_error,
            pid=os.getpid(),
        )

    def _drain_acks(self, outbox: Outbox) -> None:
        done: list[int] = []
        while True:
            try:
                mid, ok = self._acks.get_nowait()
            except queue.Empty:
                break
            with self._lock:
                entry = self._inflight.pop(mid, None)
            if entry is None:
                continue
            row_id, t0 = entry
            if ok:
                done.append(row_id)
                if len(self.latencies) < 1_000_000:
                    self.latencies.append(time.monotonic() - t0)
            else:
                # the broker refused it (e.g. ACL): not sent; try again after a pause
                with self._lock:
                    self._counts["refused_acks"] += 1
                    self._cursor = min(self._cursor, row_id - 1)
                self._pause_until = time.monotonic() + self.retry_pause
                self._last_error = "broker refused a publish (check the ACL of this device's certificate)"
                log.error("share %s: broker refused publish of outbox row %s", self.grant.name, row_id)
        if done:
            at = self.clock()
            outbox.mark_sent(done, at)
            with self._lock:
                self._counts["acked"] += len(done)
                self._last_ack = at

    def _dispatch(self, outbox: Outbox) -> bool:
        """Publish the next batch if connected and there is room; False when there was nothing to do."""
        if not self._connected.is_set() or time.monotonic() < self._pause_until:
            return False
        if self._ha and not self._announced:
            for topic, payload in homeassistant.discovery(self.grant, self.node_id, self.cameras):
                self._client.publish(topic, payload, qos=1, retain=True)
            # birth message, after the configs so the entities come up available
            self._client.publish(
                homeassistant.availability_topic(self.grant, self.node_id), homeassistant.ONLINE, qos=1, retain=True
            )
            self._announced = True
        with self._lock:
            room = self.grant.max_inflight - len(self._inflight)
            busy = {row_id for row_id, _ in self._inflight.values()}
        if room <= 0:
            return False
        rows = [
            r
            for r in outbox.pending(self.grant.name, after=self._cursor, limit=min(room, self.batch))
            if r.id not in busy
        ]
        if not rows:
            return False
        at = self.clock()
        messages: list[tuple[OutboxRow, bytes, str]] = []
        ha_updates: dict[str, bytes] = {}  # topic -> payload: the last plate (and crop) per camera
        ha_events: list[tuple[str, bytes]] = []  # every alert
        for row in rows:
            if row.kind == "checkpoint":
                msg = checkpoint_message(row.payload or "{}", grant=self.grant, node_id=self.node_id, sent_at=at)
                topic = self.topics.checkpoints
            else:
                assert row.read_id is not None
                built = read_message(
                    outbox.conn,
                    self.grant,
                    node_id=self.node_id,
                    read_id=row.read_id,
                    kind=row.kind,
                    sent_at=at,
                    hash_key=self._hash_key,
                    low_below=self.low_below,
                )
                if built is None:  # purged between the query and now: nothing to send
                    continue
                msg, topic = built, self.topics.reads
            messages.append((row, self._payload(msg, topic), topic))
            if self._ha and row.kind != "checkpoint":
                for ha_topic, ha_payload in homeassistant.updates(self.grant, self.node_id, msg):
                    if ha_topic.endswith("/alert"):
                        ha_events.append((ha_topic, ha_payload))
                    else:
                        ha_updates[ha_topic] = ha_payload
        if not messages:
            self._cursor = rows[-1].id
            return True
        detail = {
            "peer": self.grant.name,
            "grant": grant_ref(self.grant),
            "read_ids": [r.read_id for r, _, _ in messages if r.read_id is not None],
            "kinds": sorted({r.kind for r, _, _ in messages}),
            "fields": list(self.grant.read_fields),
            "purposes": list(self.grant.purposes),
            "resend": any(r.attempts > 0 for r, _, _ in messages),
            "broker": f"{self.grant.host}:{self.grant.port}",
        }
        try:
            assert self.ledger is not None
            self.ledger.append(Action.SHARE, self.actor, detail, "sent")
        except Exception as exc:  # noqa: BLE001 - any ledger failure must stop the publish (fail closed)
            # fail closed: without the ledger entry nothing is published
            with self._lock:
                self._counts["ledger_failures"] += 1
            self._last_error = f"audit ledger write failed, sharing paused: {exc}"
            log.error("share %s: ledger write failed; %s rows not published", self.grant.name, len(messages))  # noqa: TRY400
            self._pause_until = time.monotonic() + self.retry_pause
            return False
        outbox.mark_attempt([r.id for r, _, _ in messages])
        for row, payload, topic in messages:
            info = self._client.publish(topic, payload, qos=1)
            if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                log.warning("share %s: publish failed (%s); row %s retried", self.grant.name, info.rc, row.id)
                self._pause_until = time.monotonic() + self.retry_pause
                break
            with self._lock:
                self._inflight[info.mid] = (row.id, time.monotonic())
                self._counts["published"] += 1
                self._cursor = max(self._cursor, row.id)
        for ha_topic, ha_payload in ha_updates.items():  # last read per camera; not retained, not tracked
            self._client.publish(ha_topic, ha_payload, qos=0)
        for ha_topic, ha_payload in ha_events:  # alerts: each one, at least once, never retained
            self._client.publish(ha_topic, ha_payload, qos=1)
        return True

    def _refuse_expired(self, outbox: Outbox) -> bool:
        """Record once that the grant expired (with the reads it stops); True once recorded."""
        if self._expired_logged:
            return True
        pending = outbox.pending(self.grant.name, limit=10000)
        detail = {
            "peer": self.grant.name,
            "grant": grant_ref(self.grant),
            "rule": "grant_expired",
            "reason": f"grant to {self.grant.name} expired on {self.grant.expires.isoformat()}",
            "read_ids": [r.read_id for r in pending if r.read_id is not None],
            "pending": outbox.depth(self.grant.name),
            "fields": list(self.grant.read_fields),
        }
        try:
            assert self.ledger is not None
            self.ledger.append(Action.SHARE_DENIED, self.actor, detail, "denied")
        except Exception:
            log.exception("share %s: cannot record the expired grant in the ledger; retrying", self.grant.name)
            return False
        log.warning(
            "share %s: grant expired on %s; sharing stopped, %s rows left unsent",
            self.grant.name,
            self.grant.expires,
            detail["pending"],
        )
        self._expired_logged = True
        self._last_error = f"grant expired on {self.grant.expires.isoformat()}"
        self._client.disconnect()
        return True

    def _serve_requests(self) -> None:
        for _ in range(REQUESTS_PER_TURN):
            try:
                raw = self._requests.get_nowait() if self.search_handler is not None else None
            except queue.Empty:
                return
            if raw is None:
                return
            try:
                self._serve(raw)
            except Exception:  # one request never ends the publisher (nor the reads it sends)
                log.exception("share %s: a search request could not be answered", self.grant.name)
        if not self._requests.empty():
            self._wake.set()

    def _serve(self, raw: bytes) -> None:
        """Answer one request on the reply topic (an error reply for what cannot be read)."""
        handler = self.search_handler
        assert handler is not None
        request: Any = None
        reply: dict[str, Any] = {"status": "error", "reason": "request is not a JSON object"}
        try:
            request = json.loads(self._opened(raw))
        except SealError as exc:  # nothing of it can be read: answered, never run
            log.warning("share %s: a search request could not be opened: %s", self.grant.name, exc)
            reply = {"status": "error", "reason": f"request not opened: {exc}"}
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            pass
        if not isinstance(request, dict):
            request = {}
        else:
            try:
                reply = handler(self.grant, request)
            except EdgeError as exc:
                reply = {"status": "error", "reason": str(exc)}
            except Exception:
                log.exception("share %s: search request failed", self.grant.name)
                reply = {"status": "error", "reason": "internal error; nothing was returned"}
        reply.setdefault("request_id", request.get("request_id"))
        reply.setdefault("node_id", self.node_id)
        self._client.publish(self.topics.search_reply, self._payload(reply, self.topics.search_reply), qos=1)

    def _payload(self, message: dict[str, Any], topic: str) -> bytes:
        """The message as sent: sealed to the peer's key when the grant names one (edge.share.seal). A
        sealed search reply is padded with spaces (JSON ignores them) to a multiple of REPLY_BUCKET
        bytes: its size told the broker whether the plate was seen (335 bytes for none, 511 for one)."""
        data = encode(message)
        if self._seal_to is None:
            return data
        if topic == self.topics.search_reply:
            data += b" " * (-len(data) % REPLY_BUCKET)
        return seal(data, self._seal_to, topic)

    def _opened(self, raw: bytes) -> bytes:
        """A request as sent, or opened with this device's key if the peer sealed it."""
        if not is_sealed(raw):
            return raw
        if self._open_key is None:
            raise SealError("the request is sealed but sharing.open_key (this device's key) is not set")
        return open_sealed(raw, self._open_key, self.topics.search_request)
