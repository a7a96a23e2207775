"""Words for the transparency report, as a council member reads it: readable dates, calendar periods,
rules in words, names instead of ids, durations in days. Presentation only: the figures come from
``edge.audit.report.build_report`` and the site context from ``report_context``."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge.config.model import Config

# What each policy rule (edge.policy.search, edge.share) means, for a reader who has not seen the code.
RULE_WORDS = {
    "prohibited-use": "a prohibited use (e.g. immigration enforcement, reproductive health care)",
    "prohibited-purpose": "a purpose the state's law prohibits",
    "unknown-purpose": "a purpose this site does not allow",
    "unknown-agency": "an agency that is not registered with this site",
    "agency-kind": "an agency of a kind that may not search here (e.g. federal)",
    "out-of-state": "an agency from another state",
    "case-number": "no valid case number",
    "reason": "no specific reason given",
    "query-kind": "a kind of search this purpose does not allow (partial plate or time range)",
    "peer-grant": "a partner without a search grant, or asking for another agency",
    "grant_expired": "a sharing agreement that had expired",
}


def rule_words(rule: str) -> str:
    return RULE_WORDS.get(rule, rule.replace("-", " ").replace("_", " "))


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        ts = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def readable_time(text: str | None) -> str:
    """'2026-12-04T16:29:47.466123Z' -> '4 December 2026, 16:29 UTC'; '-' for nothing."""
    ts = parse_time(text)
    if ts is None:
        return str(text) if text else "-"
    return f"{ts.day} {calendar.month_name[ts.month]} {ts.year}, {ts:%H:%M} UTC"


def readable_date(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def calendar_period(since: str | None, until: str | None, first: str | None, last: str | None) -> str:
    """The period a report covers, in calendar words: the given bounds, else the whole calendar
    months from the first entry's to the last entry's ('November 2026', 'November - December 2026')."""
    lo, hi = parse_time(since), parse_time(until)
    if lo is not None and hi is not None and (lo, hi) == month_bounds(f"{lo.year}-{lo.month}"):
        return f"{calendar.month_name[lo.month]} {lo.year}"
    if lo is not None or hi is not None:
        start = readable_date(lo.date()) if lo else "the first entry"
        end = readable_date((hi - timedelta(microseconds=1)).date()) if hi else "the last entry"
        return f"{start} to {end}"
    a, b = parse_time(first), parse_time(last)
    if a is None or b is None:
        return "no entries yet"
    if (a.year, a.month) == (b.year, b.month):
        return f"{calendar.month_name[a.month]} {a.year}"
    left = calendar.month_name[a.month] + ("" if a.year == b.year else f" {a.year}")
    return f"{left} to {calendar.month_name[b.month]} {b.year}"


def month_bounds(text: str) -> tuple[datetime, datetime]:
    """'2026-11' -> (1 November 2026 00:00 UTC, 1 December 2026 00:00 UTC)."""
    year, month = (int(x) for x in text.split("-", 1))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def duration_words(td: timedelta) -> str:
    days = td.total_seconds() / 86400
    if days >= 1 and days == int(days):
        return f"{int(days)} day{'s' if days != 1 else ''}"
    hours = td.total_seconds() / 3600
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary with an ellipsis, never mid-token without saying so."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    mid_token = cut[-1].isalnum() and text[limit - 1].isalnum()
    space = cut.rfind(" ")
    if mid_token and space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def report_context(cfg: Config, store_facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the report needs from the site's config (names, the retention policy) and, when the store
    is at hand, what it holds now. No plate text."""
    agencies = {a.id: a.name for a in cfg.search.agencies}
    return {
        "agencies": agencies,
        "purposes": {p.code: p.description for p in cfg.search.purposes},
        "peers": {g.name: g.agency for g in cfg.sharing.peers},
        "retention": {
            "profile": cfg.profile,
            "non_hit": duration_words(cfg.retention.non_hit),
            "hit": duration_words(cfg.retention.hit),
            "crops": duration_words(cfg.retention.crops) if cfg.retention.crops else "never kept",
        },
        "store": store_facts or {},
    }
