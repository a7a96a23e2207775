"""Search requests from a peer over MQTT: the same justification, policy and ledger as the CLI search.

A peer whose grant has ``search: true`` publishes a JSON request on ``<prefix>/search/request/<node>``:

    {"request_id": "...", "purpose": "stolen-vehicle", "case": "2026-00123", "reason": "...",
     "requester": "SPRINGFIELD-PD", "on_behalf_of": null, "user": "jdoe",
     "plate": "ABC1234" | "pattern": "AB?12*", "since": "...", "until": "...", "camera": null, "limit": 100}

It goes through ``edge.audit.search.justified_search`` (policy decision, ledger entry first, then the
store), exactly like ``edge-alpr search``. The requester must be the peer's own agency. The answer
(reads with the grant's fields only) or the denial with its reason goes to ``<prefix>/search/reply/<node>``.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from edge.config.sharing import PeerGrant
from edge.errors import EdgeError, InputError, PolicyDenied
from edge.share.message import grant_ref, read_message
from edge.share.seal import ReplayGuard, request_public_key, verify_request
from edge.share.secrets import resolve_bytes
from edge.store.db import connect
from edge.store.timefmt import utcnow

if TYPE_CHECKING:
    from edge.config.audit import MisuseConfig
    from edge.config.model import Config
    from edge.policy.search import SearchPolicy

log = logging.getLogger(__name__)


def _when(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        ts = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{name}: not an ISO 8601 time") from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def _text(req: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = req.get(key)
    if value is None:
        if required:
            raise InputError(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise InputError(f"{key} must be a string")
    if len(value) > MAX_FIELD:
        raise InputError(f"{key} is longer than {MAX_FIELD} characters")
    return value


MAX_FIELD = 2000  # characters of one text field of a request (a reason is a sentence or two)


def _named(value: Any, limit: int = 100) -> str:
    """A name a request gives (user, requester) as the ledger can hold it: control and format
    characters out, at most `limit` characters, "unknown" when nothing is left. A name the ledger
    refused would leave a refused request unrecorded."""
    drop = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")  # Cs: a lone surrogate (JSON "\ud800") has no UTF-8
    text = "".join(ch for ch in str(value or "") if unicodedata.category(ch) not in drop)
    text = " ".join(text.split())[:limit]
    return text or "unknown"


# Unsigned or badly signed requests recorded one by one per peer and minute; past that one entry counts
# the rest (anyone the broker lets publish can send them: they must not fill the ledger).
UNSIGNED_PER_MINUTE = 10


class LivePolicy:
    """The search policy and misuse rules a running remote-search handler decides under.

    ``apply(old, new)`` is a config-reload applier (``edge.reload.Reloader.add_applier``): after a
    SIGHUP that changes ``search``, ``profile`` or ``audit.misuse``, the very next remote request is
    decided under the new rules (issue 27: such a reload was recorded as applied while the old
    policy kept answering peers).
    """

    KEYS: tuple[str, ...] = ("search", "profile", "audit.misuse")

    def __init__(self, cfg: Config) -> None:
        from edge.policy.search import build_policy

        self._lock = threading.Lock()
        self.policy = build_policy(cfg)
        self.misuse = cfg.audit.misuse

    def apply(self, old: Config, new: Config) -> None:
        from edge.policy.search import build_policy

        policy = build_policy(new)
        with self._lock:
            self.policy, self.misuse = policy, new.audit.misuse
        log.info("remote search: search policy reloaded (profile %s)", new.profile)

    def current(self) -> tuple[SearchPolicy, MisuseConfig]:
        with self._lock:
            return self.policy, self.misuse


class RemoteSearchHandler(Protocol):
    live: LivePolicy

    def __call__(self, grant: PeerGrant, req: dict[str, Any], /) -> dict[str, Any]: ...


def _peer_auth(grant: PeerGrant) -> dict[str, str]:
    """Who carried a remote request: the peer whose grant and broker connection it arrived on."""
    return {"peer": grant.name, "broker": f"{grant.host}:{grant.port}"}


def make_search_handler(
    cfg: Config, ledger_factory: Callable[[], Any], *, clock: Callable[[], datetime] = utcnow
) -> RemoteSearchHandler:
    """A handler for PeerPublisher: decide, record and run one remote request; returns the reply.
    Its ``live`` attribute applies a reloaded config's search rules (see ``LivePolicy``)."""
    from edge.audit.events import Action, Actor
    from edge.audit.search import SearchQuery, justified_search
    from edge.policy.search import SearchRequest
    from edge.store import Store

    live = LivePolicy(cfg)
    store_path = Path(cfg.store.path)
    # Kept beside the store so a restart does not forget them (one owner: this handler).
    replays = ReplayGuard(path=store_path.with_name(f"{store_path.stem}.share-replays.db"))
    unsigned_seen: dict[str, tuple[datetime, int]] = {}  # peer -> (minute, requests in it)

    def shared(grant: PeerGrant, reads: list[Any]) -> list[Any]:
        """The reads of a search the grant lets the peer have: all of them under share: all; under hits
        only reads with a hotlist hit, under hit_categories only hits of its categories (the outbox's
        rule: a search does not get what the grant would never have sent)."""
        if grant.share == "all" or not reads:
            return reads
        from edge.store.reads import hit_fields

        categories = grant.categories if grant.share == "hit_categories" else None
        conn = connect(store_path, readonly=True)
        try:
            return [r for r in reads if hit_fields(conn, r.id, categories)]
        finally:
            conn.close()

    def handle(grant: PeerGrant, req: dict[str, Any]) -> dict[str, Any]:
        policy, misuse = live.current()
        base: dict[str, Any] = {"request_id": req.get("request_id"), "peer": grant.name}
        with ledger_factory() as ledger:
            unsigned = (
                verify_request(
                    req,
                    request_public_key(grant.request_key),
                    replays,
                    clock(),
                    node_id=cfg.node_id,
                    peer=grant.request_key,  # per key: the same key on two grants is one signer
                )
                if grant.request_key is not None and grant.search
                else None
            )

            def refuse(who: str, agency: str, rule: str, reason: str, **extra: Any) -> dict[str, Any]:
                """Record a refusal (search_denied) under `who` and return the reply saying so."""
                detail = {"peer": grant.name, "grant": grant_ref(grant), "rule": rule, "reason": reason, **extra}
                entry = ledger.append(
                    Action.SEARCH_DENIED, Actor(who, agency), {**detail, "auth": _peer_auth(grant)}, "denied"
                )
                return {**base, "status": "denied", "rule": rule, "reason": reason, "ledger_seq": entry.seq}

            if unsigned:
                # Nothing of an unverified request is taken as said: not its user, not its requester
                # (recorded under them, it would let anyone who can publish frame an officer).
                unverified = f"{grant.name}:unverified"
                minute = clock().replace(second=0, microsecond=0)
                start, count = unsigned_seen.get(grant.name, (minute, 0))
                if start != minute:
                    if count > UNSIGNED_PER_MINUTE:
                        refuse(
                            unverified,
                            grant.agency,
                            "request-signature",
                            f"{count - UNSIGNED_PER_MINUTE} more unverified request(s) in the minute from "
                            f"{start.isoformat()}, not recorded one by one",
                        )
                    start, count = minute, 0
                unsigned_seen[grant.name] = (start, count + 1)
                if count == UNSIGNED_PER_MINUTE:  # at once, so the ledger shows the flood even if it stops here
                    refuse(
                        unverified,
                        grant.agency,
                        "request-signature",
                        f"more than {UNSIGNED_PER_MINUTE} unverified requests in the minute from {start.isoformat()}: "
                        "the rest of them are counted, the count follows",
                    )
                if count >= UNSIGNED_PER_MINUTE:
                    return {
                        **base,
                        "status": "denied",
                        "rule": "request-signature",
                        "reason": unsigned,
                        "ledger_seq": None,
                    }
                claimed = {"user": _named(req.get("user")), "requester": _named(req.get("requester"))}
                return refuse(unverified, grant.agency, "request-signature", unsigned, claimed=claimed)
            try:
                requester = _named(_text(req, "requester", required=True), 200)
                user = _named(_text(req, "user"))
                if user.lower() == "unverified":  # the name unverified requests are recorded under
                    user = "user named unverified"
                purpose = (_text(req, "purpose", required=True) or "").strip().lower()
                mine, theirs = policy.agency(grant.agency), policy.agency(requester)
                granted = {p.strip().lower() for p in grant.purposes}
                reason = (
                    f"peer {grant.name} has no search grant"
                    if not grant.search
                    else f"peer {grant.name}'s grant shares checkpoints only"
                    if grant.share == "checkpoints"
                    else f"requester {requester!r} is not the peer's agency ({grant.agency})"
                    if mine is None or theirs is None or mine.id != theirs.id
                    else f"purpose {purpose!r} is not one the grant with {grant.name} allows "
                    f"({', '.join(sorted(granted))})"
                    if purpose not in granted
                    else None
                )
                if reason is not None:
                    return refuse(
                        f"{grant.name}:{user}", requester if theirs is not None else grant.agency, "peer-grant", reason
                    )
                query = SearchQuery(
                    plate=_text(req, "plate"),
                    pattern=_text(req, "pattern"),
                    since=_when(req.get("since"), "since"),
                    until=_when(req.get("until"), "until"),
                    camera=_text(req, "camera"),
                    limit=int(req.get("limit") or 100),
                )
                request = SearchRequest(
                    purpose=_text(req, "purpose", required=True) or "",
                    reason=_text(req, "reason", required=True) or "",
                    requester=requester,
                    case_number=_text(req, "case"),
                    on_behalf_of=_text(req, "on_behalf_of"),
                    user=f"{grant.name}:{user}",
                )
                query.check()
            except (InputError, ValueError, TypeError, OverflowError) as exc:  # OverflowError: int(1e999)
                # A verified peer's malformed request is a refusal like any other: recorded.
                return refuse(f"{grant.name}:{_named(req.get('user'))}", grant.agency, "input", str(exc))

            def run(q: SearchQuery) -> list[Any]:
                with Store.from_config(cfg) as store:
                    found = list(
                        store.search(
                            plate=q.plate,
                            pattern=q.pattern,
                            since=q.since,
                            until=q.until,
                            camera=q.camera,
                            limit=q.limit,
                        )
                    )
                return shared(grant, found)  # what is recorded as returned is what the peer gets

            try:
                outcome = justified_search(
                    ledger=ledger,
                    policy=policy,
                    misuse=misuse,
                    request=request,
                    query=query,
                    run=run,
                    auth=_peer_auth(grant),
                )
            except PolicyDenied as exc:
                return {**base, "status": "denied", "rule": exc.rule, "reason": str(exc), "ledger_seq": exc.ledger_seq}
        key = (
            resolve_bytes(grant.plate_hash_key, "plate_hash_key")
            if grant.plate_hash_key and "plate_hash" in grant.read_fields
            else None
        )
        conn = connect(store_path, readonly=True)
        try:
            results = []
            for r in outcome.results:
                msg = read_message(
                    conn,
                    grant,
                    node_id=cfg.node_id,
                    read_id=r.id,
                    kind="search",
                    sent_at=clock(),
                    hash_key=key,
                    low_below=cfg.store.min_confidence,
                )
                if msg is not None:
                    results.append({"read_id": r.id, "fields": msg["fields"]})
        finally:
            conn.close()
        log.info(
            "remote search from %s allowed (ledger entry %s): %s result(s)", grant.name, outcome.entry.seq, len(results)
        )
        result_seq = outcome.result_entry.seq if outcome.result_entry else None
        return {**base, "status": "ok", "ledger_seq": outcome.entry.seq, "result_seq": result_seq, "results": results}

    def guarded(grant: PeerGrant, req: dict[str, Any]) -> dict[str, Any]:
        try:
            return handle(grant, req)
        except (InputError, ValueError, TypeError, OverflowError) as exc:  # OverflowError: int(1e999)
            return {"request_id": req.get("request_id"), "status": "error", "reason": str(exc)}
        except EdgeError as exc:  # ledger down: nothing was searched (fail closed)
            return {"request_id": req.get("request_id"), "status": "error", "reason": f"not searched: {exc}"}

    guarded.live = live  # type: ignore[attr-defined]
    return cast("RemoteSearchHandler", guarded)
