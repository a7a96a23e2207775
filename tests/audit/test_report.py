"""Misuse signals over a period and the report's inline SVG charts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from edge.audit.report import bar_chart, daily_chart, misuse_signals
from edge.config.audit import MisuseConfig

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
CFG = MisuseConfig(max_searches_per_user=5, max_searches_per_agency=8, repeat_plate_threshold=3, denied_threshold=2)


def test_volume_counts_searches_inside_one_sliding_window():
    spread = [(T0 + timedelta(hours=2 * i), "steady", "SPD", None) for i in range(20)]  # 20, never 6 in an hour
    burst = [(T0 + timedelta(minutes=9 * i), "burst", "SO", None) for i in range(7)]  # 7 within 54 minutes
    kinds = {(s["kind"], s["subject"]): s["count"] for s in misuse_signals(spread + burst, [], CFG)}
    assert kinds == {("user-volume", "burst"): 7}


def test_agency_volume_repeat_plate_and_denials():
    searches = [(T0 + timedelta(minutes=i), f"u{i}", "SO", "tok1" if i < 3 else f"t{i}") for i in range(9)]
    denials = [(T0, "mallory"), (T0 + timedelta(hours=3), "mallory"), (T0, "once")]
    sig = {(s["kind"], s["subject"]): s for s in misuse_signals(searches, denials, CFG)}
    assert set(sig) == {("agency-volume", "SO"), ("repeat-plate", "plate token tok1"), ("denied-attempts", "mallory")}
    assert "u0 (1)" in sig[("repeat-plate", "plate token tok1")]["detail"]
    assert "7d" in sig[("repeat-plate", "plate token tok1")]["detail"]


def test_repeat_lookups_far_apart_are_not_a_signal():
    searches = [(T0 + timedelta(days=10 * i), "u", "SO", "tok") for i in range(5)]
    assert misuse_signals(searches, [], CFG) == []


def test_charts_are_svg_with_escaped_labels():
    svg = bar_chart("By agency", {"<script>x</script>": 3, "B&B": 1})
    assert svg.startswith("<svg")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "B&amp;B" in svg
    assert svg.count("<rect") == 2
    assert "none in this period" in bar_chart("Empty", {})
    days = {"2026-10-01": {"allowed": 3, "denied": 1}, "2026-10-02": {"allowed": 0, "denied": 2}}
    assert daily_chart(days).count("<rect") == 3


def test_report_counts_purges_per_day_and_renders_the_chart(tmp_path):
    from edge.audit.events import Action, Actor
    from edge.audit.ledger import Ledger
    from edge.audit.report import build_report, render_html

    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger:
        for n in (10, 5):
            ledger.append(Action.PURGE, Actor.system("node"), {"deleted": {"reads_non_hit": n, "reads_hit": 1}})
    data = build_report(tmp_path / "a.db")
    assert sum(data["daily_purged"].values()) == 17
    assert "Reads purged per day</title>" in render_html(data)


def test_report_counts_shared_reads_from_the_read_ids_the_publisher_records(tmp_path):
    """Finding 10: the publisher writes read_ids; the report read reads/count and counted batches."""
    from edge.audit.events import Action, Actor
    from edge.audit.ledger import Ledger
    from edge.audit.report import build_report

    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger:
        for ids in (["r1", "r2", "r3"], ["r4"], []):  # [] : a batch holding only a checkpoint
            ledger.append(Action.SHARE, Actor.system("node"), {"peer": "county", "read_ids": ids}, "sent")
        ledger.append(Action.SHARE, Actor.system("node"), {"peer": "old", "reads": 5}, "sent")  # older entries
    data = build_report(tmp_path / "a.db")
    assert data["shares_by_peer"] == {"county": {"messages": 3, "reads": 4}, "old": {"messages": 1, "reads": 5}}


def test_report_shows_what_each_search_returned_per_search_and_per_agency(tmp_path):
    from edge.audit.events import Action, Actor
    from edge.audit.ledger import Ledger
    from edge.audit.report import build_report, render_html
    from edge.audit.search import record_results

    class R:
        def __init__(self, i: str) -> None:
            self.id = i

    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger:
        for agency, n in (("SPD", 3), ("ISP", 1), ("SPD", 0)):
            actor = Actor("officer1", agency)
            entry = ledger.append(Action.SEARCH, actor, {"requester": agency, "purpose": "stolen-vehicle"}, "allowed")
            record_results(ledger, actor, entry, [R(f"{agency}-{i}") for i in range(n)], 100)
        ledger.append(Action.SEARCH, Actor("officer2", "SPD"), {"requester": "SPD", "purpose": "p"}, "allowed")
    data = build_report(tmp_path / "a.db")
    assert [r["results"] for r in data["results_by_search"]] == [3, 1, 0, None]
    assert data["results_by_agency"] == {
        "SPD": {"searches": 3, "reads_returned": 3},
        "ISP": {"searches": 1, "reads_returned": 1},
    }
    assert (data["totals"]["reads_returned"], data["totals"]["searches_without_result"]) == (4, 1)
    page = render_html(data)
    assert "Reads returned to each requesting agency</title>" in page
    assert "SPD-0" not in page  # read ids stay in the ledger and JSON, not the page
