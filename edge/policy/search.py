"""Search policy: ``decide(request, policy) -> Decision``, a pure function with a reason for every outcome.

A search runs only if every rule passes, checked in this order (the first failing rule is the reason):

1. ``prohibited-use``: no field (reason, case number, purpose, user, requester, on-behalf-of) reveals
   a prohibited use, however it is written (see ``edge.policy.text``); and none is written to read
   otherwise than it is stored (a bidirectional control, a word mixing scripts: rule ``reason``).
2. ``prohibited-purpose``: the purpose code is not on the profile's or the config's prohibited list.
3. ``unknown-purpose``: the purpose is one the config lists.
4. ``unknown-agency``: requester and on-behalf-of agency are registered (unknown agencies are refused).
5. ``agency-kind`` / ``out-of-state``: their kind and state are allowed by config and profile.
6. ``case-number``: present and well-formed where required.
7. ``reason``: a real free-text reason, not a placeholder like "Investigation".
8. ``query-kind``: partial-plate and time-range searches only for purposes that allow them, and
   never under a profile that refuses time-range searches (NH): a loose pattern is a sweep too.
9. ``pattern``: a partial plate needs the profile's minimum of known (non-wildcard) characters
   (``search --pattern '*'`` is refused, and recorded as a denial like any other).
10. ``time-bound``: time-range and partial-plate searches only over a bounded window.

Structural rules come before the text rules: the requester and any on-behalf-of agency must be
registered agencies of an allowed kind and state, whatever the free text says; then no field may
reveal a prohibited use (``edge.policy.text``: each refusal names the matched text and the layer).
Results are capped (``max_results``; ``pattern_max_results`` for partial plates) by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

from edge.policy.decision import Decision
from edge.policy.normalise import foreign_script, hidden_order, mixed_script
from edge.policy.terms import CATEGORY_HELP, termsets
from edge.policy.text import TermSet, find_term, normalise, squash

if TYPE_CHECKING:
    from edge.config.model import Config

QueryKind = Literal["exact", "partial", "range"]

# Words that say nothing about why: a reason made only of these is a placeholder.
GENERIC_WORDS = frozenset(
    {
        "investigation", "investigations", "investigative", "investigate", "invest", "inv", "invst", "case",
        "cases", "ongoing", "open", "active", "criminal", "crime", "crimes", "law", "enforcement", "le", "lea",
        "police", "official", "business", "lookup", "look", "up", "search", "query", "check", "info",
        "information", "request", "requested", "per", "for", "of", "the", "a", "an", "and", "to", "re", "na",
        "none", "n", "test", "testing", "purpose", "purposes", "general", "routine", "intel", "intelligence",
        "other", "misc", "see", "report", "rpt", "followup", "follow", "sgt", "ofc", "officer", "detective",
        "det", "matter", "related", "inquiry", "xx", "xxx", "tbd", "pending", "agency", "assist", "assistance",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search as asked: who, for whom, why, and what kind of query."""

    purpose: str
    reason: str
    requester: str
    case_number: str | None = None
    on_behalf_of: str | None = None
    user: str = ""
    kind: QueryKind = "exact"
    window: timedelta | None = None  # until - since (until: now if not given), for time-bounded queries
    known: int | None = None  # known (non-wildcard) characters of a partial-plate pattern


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    kind: str
    state: str
    keys: frozenset[str]  # squashed id, name and aliases


@dataclass(frozen=True, slots=True)
class Purpose:
    code: str
    description: str
    partial: bool
    range: bool
    case_required: bool


@dataclass(frozen=True, slots=True)
class SearchPolicy:
    """Everything `decide` needs, resolved from the config and its profile."""

    profile: str
    citation: str
    home_state: str | None
    purposes: tuple[Purpose, ...]
    prohibited_purposes: frozenset[str]
    termsets: tuple[TermSet, ...]
    agencies: tuple[Agency, ...]
    requester_kinds: frozenset[str]
    allow_out_of_state: bool
    case_pattern: str
    min_reason_length: int
    range_max_window: timedelta
    allow_range: bool
    max_results: int = 1000
    pattern_min_known: int = 4
    pattern_max_window: timedelta = timedelta(hours=24)
    pattern_max_results: int = 100

    def purpose(self, code: str) -> Purpose | None:
        return next((p for p in self.purposes if p.code == code), None)

    def agency(self, name: str) -> Agency | None:
        key = squash(name)
        return next((a for a in self.agencies if key and key in a.keys), None)


def build_policy(cfg: Config) -> SearchPolicy:
    """Resolve a loaded config (already checked against its profile) into a SearchPolicy."""
    from edge.policy.profiles import PROFILES

    prof = PROFILES[cfg.profile]
    s = cfg.search
    return SearchPolicy(
        profile=prof.code,
        citation=prof.citation,
        home_state=s.home_state or prof.state,
        purposes=tuple(
            Purpose(
                p.code,
                p.description,
                p.partial and prof.allow_range_queries,
                p.range and prof.allow_range_queries,
                p.case_required if p.case_required is not None else s.case_number.required,
            )
            for p in s.purposes
        ),
        prohibited_purposes=frozenset({*prof.all_prohibited_purposes, *s.prohibited_purposes}),
        termsets=termsets(prof.prohibited_categories, tuple(s.prohibited_terms)),
        agencies=tuple(
            Agency(a.id, a.name, a.kind, a.state, frozenset(squash(x) for x in (a.id, a.name, *a.aliases)))
            for a in s.agencies
        ),
        requester_kinds=frozenset(
            k for k in s.requester_kinds if not (k == "federal" and prof.forbid_federal_requesters)
        ),
        allow_out_of_state=s.allow_out_of_state and not prof.forbid_out_of_state_requesters,
        case_pattern=s.case_number.pattern,
        min_reason_length=s.min_reason_length,
        range_max_window=s.range_max_window,
        allow_range=prof.allow_range_queries,
        max_results=s.max_results,
        pattern_min_known=max(prof.pattern_min_known, s.pattern_min_known or 0),
        pattern_max_window=s.pattern_max_window,
        pattern_max_results=min(s.pattern_max_results, s.max_results),
    )


def known_characters(pattern: str) -> int:
    """Characters of a partial plate that are not wildcards ('?' one, '*' any run) nor separators."""
    return sum(ch.isalnum() for ch in pattern)


def _deny(rule: str, reason: str) -> Decision:
    return Decision.deny(rule, reason)


def check_agency(name: str, policy: SearchPolicy, role: str = "requester") -> Decision:
    """May this agency search (or be searched for)? Shared by search and by share/peer requests."""
    hit = find_term(name, policy.termsets)
    if hit is not None:
        what = CATEGORY_HELP.get(hit.category, hit.category)
        return _deny("prohibited-use", f"{role} {name!r} indicates {what} ({hit.describe()})")
    agency = policy.agency(name)
    if agency is None:
        return _deny("unknown-agency", f"{role} {name!r} is not a registered agency (search.agencies)")
    if agency.kind not in policy.requester_kinds:
        why = f" under profile {policy.profile} ({policy.citation})" if policy.profile != "none" else ""
        return _deny("agency-kind", f"{role} {agency.id} is a {agency.kind} agency, which may not search{why}")
    if (
        policy.home_state is not None
        and agency.kind != "federal"
        and agency.state != policy.home_state
        and not policy.allow_out_of_state
    ):
        return _deny(
            "out-of-state",
            f"{role} {agency.id} is an out-of-state agency ({agency.state}); this device serves {policy.home_state}"
            + (f" under {policy.citation}" if policy.profile != "none" else ""),
        )
    return Decision.allow("agency", f"{role} {agency.id} ({agency.kind}, {agency.state}) may search")


def _unreadable(text: str) -> str | None:
    """Why `text` would read differently to its auditor than to the matcher, or None: a bidirectional
    control (it displays in another order than it is stored), a word mixing Latin letters with letters
    of another script ("ІCE" with a Cyrillic І, "ⵊCE"), or words in a script the terms are not matched
    in (the matcher reads Latin letters; a reason in Cyrillic could say anything)."""
    control = hidden_order(text)
    if control is not None:
        return (
            f"contains a bidirectional control character ({control}), which makes it display otherwise than "
            "it is stored"
        )
    word = mixed_script(text)
    if word is not None:
        return f"mixes writing systems in the word {word!r}"
    word = foreign_script(text)
    if word is not None:
        return (
            f"is written in a script the prohibited-use check cannot read ({word!r}); write it in the Latin "
            "alphabet (any language)"
        )
    return None


def _vague(reason: str) -> bool:
    words = [t for t in normalise(reason).tokens if not t.isdigit()]
    return not [w for w in words if w not in GENERIC_WORDS]


def decide(request: SearchRequest, policy: SearchPolicy) -> Decision:
    """Allow or deny one search request; the Decision says which rule decided and why."""
    purpose_code = request.purpose.strip().lower()
    # Structural rules first: who asks and for whom, whatever the free text says.
    for role, name in (("requester", request.requester), ("on-behalf-of agency", request.on_behalf_of)):
        if role == "requester" or name:
            d = check_agency(name or "", policy, role)
            if not d.allowed:
                return d

    fields = (
        ("reason", request.reason),
        ("purpose", request.purpose),
        ("case number", request.case_number or ""),
        ("user", request.user),
    )
    for label, text in (*fields, ("requester", request.requester), ("on-behalf-of agency", request.on_behalf_of or "")):
        unreadable = _unreadable(text)
        if unreadable is not None:
            return _deny("reason", f"{label} {unreadable}")
    for label, text in fields:
        hit = find_term(text, policy.termsets)
        if hit is not None:
            what = CATEGORY_HELP.get(hit.category, hit.category)
            return _deny("prohibited-use", f"{label} indicates {what} ({hit.describe()}); this use is prohibited")

    if purpose_code in policy.prohibited_purposes:
        return _deny("prohibited-purpose", f"purpose {purpose_code!r} is prohibited under profile {policy.profile}")
    purpose = policy.purpose(purpose_code)
    if purpose is None:
        known = ", ".join(p.code for p in policy.purposes) or "none configured"
        return _deny("unknown-purpose", f"purpose {purpose_code!r} is not an allowed purpose (allowed: {known})")

    case = (request.case_number or "").strip()
    if purpose.case_required and not case:
        return _deny("case-number", f"purpose {purpose.code} requires a case number")
    if case and not re.fullmatch(policy.case_pattern, case):
        return _deny("case-number", f"case number {case!r} does not match the required format {policy.case_pattern}")

    reason = request.reason.strip()
    if len(reason) < policy.min_reason_length:
        return _deny("reason", f"reason is too short: at least {policy.min_reason_length} characters saying why")
    if _vague(reason):
        return _deny("reason", f"reason {reason!r} says nothing specific: describe the incident, not 'investigation'")
    return _query_bounds(request, purpose, policy) or Decision.allow(
        "allowed", f"allowed: purpose {purpose.code}, requester {request.requester}"
    )


def _query_bounds(request: SearchRequest, purpose: Purpose, policy: SearchPolicy) -> Decision | None:
    """The denial for a partial-plate or time-range search outside its bounds, or None."""
    never = "" if policy.allow_range else f" (never under profile {policy.profile}: {policy.citation})"
    if request.kind == "partial":
        if not purpose.partial:
            return _deny("query-kind", f"partial-plate searches are not allowed for purpose {purpose.code}{never}")
        known = request.known if request.known is not None else 0
        if known < policy.pattern_min_known:
            return _deny(
                "pattern",
                f"a partial plate needs at least {policy.pattern_min_known} known characters (letters or digits, "
                f"not ? or *) under profile {policy.profile}; this pattern has {known}",
            )
        if request.window is None or request.window > policy.pattern_max_window:
            return _deny(
                "time-bound",
                "a partial-plate search needs a start time (since, and an end: until) at most "
                f"{policy.pattern_max_window} apart",
            )
    if request.kind == "range":
        if not purpose.range:
            return _deny("query-kind", f"time-range searches without a plate are not allowed for {purpose.code}{never}")
        if request.window is None or request.window > policy.range_max_window:
            return _deny(
                "query-kind",
                "a time-range search needs a start and an end time (since, until) at most "
                f"{policy.range_max_window} apart",
            )
    return None
