"""Justified search: policy, then the ledger, then the store, in that order and only in that order.

``justified_search`` decides the request (``edge.policy.search.decide``), writes the decision to the
ledger, and only if the decision is an allow *and* the ledger entry is on disk does it run the query;
then it records what the query returned (``search_result``: count and read ids, chained to the
decision) before the results are handed out: if that entry cannot be written, nothing is returned.
A denial is recorded and raised as ``PolicyDenied``; a ledger that cannot be written raises
``LedgerError`` and the store is never touched (fail closed). Misuse signals (volume per user and per
agency, repeated lookups of one plate, repeated denials) are computed from the ledger at the moment of
the search, recorded in the entry and counted in Prometheus counters; they do not block the search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from edge.audit import metrics
from edge.audit.canonical import utc_text
from edge.audit.events import Action, Actor
from edge.audit.identity import accounts, os_identity
from edge.audit.ledger import Entry, Ledger, LedgerError
from edge.config.audit import MisuseConfig
from edge.config.redact import config_diff, config_digest, redact
from edge.errors import FieldError, PolicyDenied
from edge.policy.decision import Decision
from edge.policy.search import QueryKind, SearchPolicy, SearchRequest, decide, known_characters
from edge.types import plate_key

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look up in the store (exactly the arguments of ``Store.search``)."""

    plate: str | None = None
    pattern: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    camera: str | None = None
    limit: int = 1000

    def normalised(self) -> SearchQuery:
        """The same query with plate and pattern as the store keeps plates ('QRH-5044' -> 'QRH5044')."""
        return replace(
            self,
            plate=None if self.plate is None else plate_key(self.plate),
            pattern=None if self.pattern is None else plate_key(self.pattern),
        )

    @property
    def kind(self) -> QueryKind:
        if self.plate is not None:
            return "exact"
        return "partial" if self.pattern is not None else "range"

    def check(self) -> None:
        if self.plate is not None and self.pattern is not None:
            raise FieldError("give {plate} or {pattern}, not both", "plate", "pattern")
        if self.plate is not None and not plate_key(self.plate):
            raise FieldError("{plate} is empty", "plate")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise FieldError("{since} must be before {until}", "since", "until")
        for name, ts in (("since", self.since), ("until", self.until)):
            if ts is not None and ts.tzinfo is None:
                raise FieldError(f"{{{name}}} needs a timezone (use Z for UTC)", name)
        if self.limit < 1:
            raise FieldError("{limit} must be at least 1", "limit")


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    decision: Decision
    entry: Entry
    results: Sequence[Any]
    signals: tuple[str, ...] = field(default_factory=tuple)
    result_entry: Entry | None = None  # the search_result entry: what the search returned


def record_results(ledger: Ledger, actor: Actor, entry: Entry, results: Sequence[Any], limit: int) -> Entry:
    """Chain what a search returned to its decision entry: count and read ids, never plate text.
    LedgerError if it cannot be written: the caller must not hand the results out (fail closed)."""
    ids = [str(r.id) for r in results if getattr(r, "id", None) is not None]
    detail = {
        "search_seq": entry.seq,
        "search_hash": entry.hash.hex(),
        "count": len(results),
        "read_ids": ids,
        "limit": limit,
        "limit_reached": len(results) >= limit,
    }
    return ledger.append(Action.SEARCH_RESULT, actor, detail, "returned")


def live_signals(
    ledger: Ledger, actor: Actor, requester: str, token: str | None, misuse: MisuseConfig, *, denied: bool
) -> tuple[str, ...]:
    """Misuse signals this search raises, counting it: volume, repeated plate, repeated denials."""
    now = datetime.now(UTC)
    out: list[str] = []
    since = utc_text(now - misuse.window)
    if not denied:
        if ledger.count(Action.SEARCH, since, user=actor.user) + 1 > misuse.max_searches_per_user:
            out.append("user-volume")
        if ledger.count(Action.SEARCH, since, agency=requester) + 1 > misuse.max_searches_per_agency:
            out.append("agency-volume")
        if token is not None:
            seen = ledger.count(
                Action.SEARCH,
                utc_text(now - misuse.repeat_plate_window),
                detail_key="plate_token",
                detail_value=token,
            )
            if seen + 1 >= misuse.repeat_plate_threshold:
                out.append("repeat-plate")
    denials = ledger.count(Action.SEARCH_DENIED, utc_text(now - misuse.denied_window), user=actor.user)
    if denials + (1 if denied else 0) >= misuse.denied_threshold:
        out.append("denied-attempts")
    return tuple(out)


def justified_search(
    *,
    ledger: Ledger,
    policy: SearchPolicy,
    misuse: MisuseConfig,
    request: SearchRequest,
    query: SearchQuery,
    run: Callable[[SearchQuery], Sequence[T]],
    auth: Mapping[str, Any] | None = None,
    require_os_user: bool = False,
) -> SearchOutcome:
    """Decide, record, then (only if allowed and recorded) run `query` with `run`.

    `auth` is what the caller authenticated (a remote peer), recorded beside the OS account the ledger
    adds to every entry. With `require_os_user` a declared user who is not that account (or the sudo
    caller) is refused (rule ``identity``) and the refusal recorded."""
    query.check()
    query = query.normalised()
    window = query.until - query.since if query.since is not None and query.until is not None else None
    known = None
    if query.kind == "partial" and query.pattern is not None:
        known = known_characters(query.pattern)
        if query.since is not None and query.until is None:
            window = datetime.now(UTC) - query.since  # a pattern search runs up to now
    request = replace(request, kind=query.kind, window=window, known=known)
    cap = policy.pattern_max_results if query.kind == "partial" else policy.max_results
    query = replace(query, limit=min(query.limit, cap))
    decision = decide(request, policy)
    if decision.allowed and require_os_user and (request.user or "unknown") not in accounts(os_identity()):
        decision = Decision.deny(
            "identity",
            f"user {request.user!r} is not the account running this search ({os_identity()['os_user']}); "
            "audit.require_os_user is set",
        )
    actor = Actor(request.user or "unknown", request.requester or "unknown")
    target = query.plate if query.plate is not None else query.pattern
    token = ledger.plate_token(target) if target is not None else None
    signals = live_signals(ledger, actor, request.requester, token, misuse, denied=not decision.allowed)
    detail: dict[str, Any] = {
        "purpose": request.purpose,
        "case": request.case_number,
        "reason": request.reason,
        "requester": request.requester,
        "on_behalf_of": request.on_behalf_of,
        "query": query.kind,
        "plate_token": token,
        "since": query.since,
        "until": query.until,
        "camera": query.camera,
        "limit": query.limit,
        "profile": policy.profile,
        "rule": decision.rule,
        "decision": decision.reason,
        "signals": list(signals),
    }
    if auth:
        detail["auth"] = dict(auth)
    for s in signals:
        metrics.MISUSE_SIGNALS.labels(kind=s).inc()
    if not decision.allowed:
        metrics.SEARCH_DENIED.labels(rule=decision.rule).inc()
        try:
            entry = ledger.append(Action.SEARCH_DENIED, actor, detail, "denied")
        except LedgerError as exc:
            raise PolicyDenied(
                f"search denied ({decision.rule}): {decision.reason}; the denial could not be recorded: {exc}",
                rule=decision.rule,
                reason=decision.reason,
                signals=signals,
            ) from None
        log.info("search denied by rule %s (ledger entry %s)", decision.rule, entry.seq)
        raise PolicyDenied(
            f"search denied ({decision.rule}): {decision.reason} [ledger entry {entry.seq}]",
            rule=decision.rule,
            reason=decision.reason,
            ledger_seq=entry.seq,
            signals=signals,
        )
    entry = ledger.append(Action.SEARCH, actor, detail, "allowed")  # LedgerError: the search does not run
    results = run(query)
    result_entry = record_results(ledger, actor, entry, results, query.limit)  # LedgerError: nothing is returned
    log.info("search allowed (ledger entry %s): %s result(s), entry %s", entry.seq, len(results), result_entry.seq)
    return SearchOutcome(decision, entry, results, signals, result_entry)


def record_config(
    ledger: Ledger, config: dict[str, Any], actor: Actor, source: str, trigger: str = "search"
) -> Entry | None:
    """Record the configuration in force if it differs from the last one recorded (who, what changed).

    Secrets are redacted before anything is hashed or written (edge.config.redact); the first record
    is `config_loaded`, a later different one `config_changed` with the changed keys.
    """
    safe = redact(config)
    digest = config_digest(config)
    last = ledger.last(Action.CONFIG_LOADED, Action.CONFIG_CHANGED)
    previous = last.detail_obj() if last is not None else None
    if previous is not None and previous.get("sha256") == digest:
        return None
    detail: dict[str, Any] = {"sha256": digest, "source": source, "trigger": trigger, "config": safe}
    if previous is None:
        return ledger.append(Action.CONFIG_LOADED, actor, detail, "ok")
    detail["previous_sha256"] = previous.get("sha256")
    detail["changes"] = config_diff(redact(previous.get("config") or {}), safe)
    loud = sharing_changes(detail["changes"])
    if loud:
        detail["sharing_changed"] = loud
    return ledger.append(Action.CONFIG_CHANGED, actor, detail, "ok")


# Config sections whose change decides who may receive or search reads: such a change is flagged in
# its ledger entry (sharing_changed), in the report, and pushed to every peer's witness at once.
SHARING_SECTIONS = ("sharing", "profile", "search")


def sharing_changes(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    """The changed keys (config_diff entries) that touch sharing, the profile or the search policy."""
    keys = [str(c.get("key", "")) for c in changes]
    return [k for k in keys if any(k == s or k.startswith(s + ".") for s in SHARING_SECTIONS)]
