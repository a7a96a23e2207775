"""Matching each stored read: exact alerts, tolerant and unsure matches for review, hits in the store, muting,
fail closed."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.audit.events import Actor
from edge.audit.ledger import Ledger, LedgerError
from edge.config.hotlist import HotlistConfig, ToleranceConfig
from edge.hotlist import Alert, Hotlists, ReadSink
from edge.hotlist.parse import parse_file
from edge.store import Store
from tests.support.hotlist import PLAIN, T0, make_read, random_plates, write_csv

CONFUSABLE = "AB0123"  # O/0 at index 2, B/8 at index 1, I/1 at index 3


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.db", min_free_mb=0) as s:
        yield s


@pytest.fixture
def loaded(tmp_path: Path, hot: Hotlists, ledger: Ledger, actor: Actor) -> list[str]:
    plates = [*random_plates(200, alphabet=PLAIN), CONFUSABLE]
    hot.import_list(
        parse_file(write_csv(tmp_path / "l.csv", plates)),
        name="ncic-stolen",
        category="stolen-vehicle",
        source="NCIC extract",
        basis="agreement 2024-17",
        expires=None,
        actor=actor,
        ledger=ledger,
        config=HotlistConfig(),
    )
    return plates


def make_sink(store: Store, hot: Hotlists, ledger: Any, *, tolerant: bool = False, mute: float = 600) -> ReadSink:
    cfg = HotlistConfig(tolerant=ToleranceConfig(enabled=tolerant), mute=timedelta(seconds=mute))
    return ReadSink(store, hot, config=cfg, ledger=ledger, actor=Actor.system("node"))


def ledger_alerts(ledger: Ledger) -> list[dict[str, Any]]:
    rows = ledger.connection.execute("SELECT detail FROM entries WHERE action = 'alert' ORDER BY seq").fetchall()
    return [json.loads(r[0]) for r in rows]


def test_exact_match_is_stored_as_hit_and_recorded(
    store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]
) -> None:
    seen: list[Alert] = []
    sink = make_sink(store, hot, ledger)
    sink.on_alert = seen.append
    hit_read, miss_read = make_read(loaded[10]), make_read("ZZZZ999")
    assert sink(hit_read)
    assert sink(miss_read)
    store.flush()
    assert [(a.read_id, a.match_kind, a.hotlist, a.category, a.basis) for a in seen] == [
        (hit_read.id, "exact", "ncic-stolen", "stolen-vehicle", "agreement 2024-17")
    ]
    stored = store.get(hit_read.id)
    assert stored is not None
    assert stored.is_hit
    other = store.get(miss_read.id)
    assert other is not None
    assert not other.is_hit
    assert [(h["hotlist"], h["category"], h["match_kind"]) for h in store.hits_for(hit_read.id)] == [
        ("ncic-stolen", "stolen-vehicle", "exact")
    ]
    (detail,) = ledger_alerts(ledger)
    assert detail["read_id"] == hit_read.id
    assert detail["match_kind"] == "exact"
    assert loaded[10] not in json.dumps(detail)  # no plate text in the ledger
    assert (sink.stats.stored, sink.stats.alerts) == (2, 1)


def ledger_reviews(ledger: Ledger) -> list[dict[str, Any]]:
    rows = ledger.connection.execute("SELECT detail FROM entries WHERE action = 'review' ORDER BY seq").fetchall()
    return [json.loads(r[0]) for r in rows]


@pytest.mark.parametrize("misread", ["ABO123", "A80123", "AB0I23"])
def test_tolerant_match_is_a_candidate_for_review_never_an_alert(
    store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str], misread: str
) -> None:
    strict = make_sink(store, hot, ledger)
    assert strict.check(make_read(misread)) == []  # off by default
    sink = make_sink(store, hot, ledger, tolerant=True)
    reviewed: list[Alert] = []
    alerted: list[Alert] = []
    sink.on_review, sink.on_alert = reviewed.append, alerted.append
    read = make_read(misread)
    assert sink(read)
    store.flush()
    assert alerted == []
    assert ledger_alerts(ledger) == []
    assert store.hits_for(read.id) == []  # no hit: nothing moves to the hit tier or is shared
    stored = store.get(read.id)
    assert stored is not None
    assert not stored.is_hit
    (candidate,) = reviewed
    assert (candidate.match_kind, candidate.entry_plate) == ("tolerant", CONFUSABLE)
    (detail,) = ledger_reviews(ledger)
    assert (detail["read_id"], detail["why"], detail["confidence"]) == (read.id, "tolerant match", 0.93)
    assert misread not in json.dumps(detail)
    assert CONFUSABLE not in json.dumps(detail)
    assert (sink.stats.review, sink.stats.tolerant, sink.stats.alerts) == (1, 1, 0)


def test_an_exact_match_below_hotlist_min_confidence_is_for_review(
    store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]
) -> None:
    cfg = HotlistConfig(min_confidence=0.95)
    sink = ReadSink(store, hot, config=cfg, ledger=ledger, actor=Actor.system("node"))
    unsure = replace(make_read(loaded[3]), confidence=0.94)
    assert sink.check(unsure) == []
    (detail,) = ledger_reviews(ledger)
    assert detail["why"] == "below hotlists.min_confidence"
    sure = replace(make_read(loaded[3], camera="cam2"), confidence=0.96)
    (alert,) = sink.check(sure)
    assert alert.match_kind == "exact"
    assert (sink.stats.review, sink.stats.alerts) == (1, 1)


def test_an_alert_carries_its_evidence_crop_confidence_and_the_instruction(
    store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]
) -> None:
    sink = make_sink(store, hot, ledger)
    crop = b"\xff\xd8jpeg-bytes\xff\xd9"
    (alert,) = sink.check(replace(make_read(loaded[7]), crop_jpeg=crop))
    shown = alert.as_dict()
    assert base64.b64decode(shown["evidence_crop_jpeg"]) == crop
    assert shown["confidence"] == 0.93
    assert "Confirm visually before acting" in shown["instruction"]
    (detail,) = ledger_alerts(ledger)
    assert detail["confidence"] == 0.93
    assert "evidence_crop_jpeg" not in detail  # the ledger keeps no pixels and no plate


def test_two_substitutions_do_not_match(store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]) -> None:
    sink = make_sink(store, hot, ledger, tolerant=True)
    assert sink.check(make_read("A8O123")) == []
    assert sink.check(make_read("XB0123")) == []  # X is not confusable with A


def test_exact_preferred_over_tolerant(
    store: Store, hot: Hotlists, ledger: Ledger, actor: Actor, tmp_path: Path
) -> None:
    hot.import_list(
        parse_file(write_csv(tmp_path / "x.csv", ["AB0123", "ABO123"])),
        name="both", category="stolen-plate", source="s", basis="b", expires=None,
        actor=actor, ledger=ledger, config=HotlistConfig(),
    )  # fmt: skip
    sink = make_sink(store, hot, ledger, tolerant=True)
    (alert,) = sink.check(make_read("ABO123"))
    assert (alert.match_kind, alert.entry_plate) == ("exact", "ABO123")


def test_parked_car_raises_one_alert_per_camera(store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]) -> None:
    sink = make_sink(store, hot, ledger, tolerant=True, mute=300)
    plate = loaded[0]
    reads = [make_read(plate, ts=T0 + timedelta(seconds=30 * i)) for i in range(20)]  # 10 minutes in view
    for r in reads:
        assert sink(r)
    other_cam = make_read(plate, camera="cam2", ts=T0 + timedelta(seconds=45))
    sink(other_cam)
    misread_same_car = make_read("ABO123", ts=T0)  # one confusion from AB0123: for review, not an alert
    sink(misread_same_car)
    sink(make_read("ABO123", ts=T0 + timedelta(seconds=30)))  # the misread again: its review is muted
    right = make_read("AB0123", ts=T0 + timedelta(seconds=60))  # the same car read right: the review muted no alert
    sink(right)
    sink(make_read("AB0123", ts=T0 + timedelta(seconds=90)))  # muted
    back = make_read(plate, ts=reads[-1].ts + timedelta(seconds=301))  # gone longer than the mute: alerts again
    sink(back)
    store.flush()
    hit_ids = {r[0] for r in sqlite3.connect(store.path).execute("SELECT read_id FROM hits")}
    assert hit_ids == {reads[0].id, other_cam.id, right.id, back.id}
    assert sink.stats.alerts == 4
    assert sink.stats.review == 1
    assert sink.stats.muted == 21
    assert store.count("reads") == 26  # muted reads are still stored


def test_mute_zero_alerts_every_read(store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]) -> None:
    sink = make_sink(store, hot, ledger, mute=0)
    for i in range(3):
        sink(make_read(loaded[1], ts=T0 + timedelta(seconds=i)))
    assert sink.stats.alerts == 3


class BrokenLedger:
    def append(self, action: Any, actor: Actor, detail: Mapping[str, Any], outcome: str = "ok") -> Any:
        raise LedgerError("ledger disk gone")


def test_no_ledger_entry_no_hit(store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str]) -> None:
    sink = make_sink(store, hot, BrokenLedger())
    read = make_read(loaded[2])
    assert sink(read)  # the read itself is kept
    store.flush()
    assert store.get(read.id) is not None
    assert store.hits_for(read.id) == []
    assert (sink.stats.alerts, sink.stats.failed) == (0, 1)


def test_read_refused_by_store_is_not_matched(hot: Hotlists, ledger: Ledger, loaded: list[str], tmp_path: Path) -> None:
    store = Store(tmp_path / "s2.db", min_free_mb=0)
    store.close()
    sink = make_sink(store, hot, ledger)
    assert not sink(make_read(loaded[3]))
    assert (sink.stats.refused, sink.stats.matched, sink.stats.alerts) == (1, 0, 0)
    assert ledger_alerts(ledger) == []


def test_expired_list_stops_alerting(
    store: Store, hot: Hotlists, ledger: Ledger, loaded: list[str], tmp_path: Path, actor: Actor
) -> None:
    hot.import_list(
        parse_file(write_csv(tmp_path / "a.csv", ["KX7731"])),
        name="amber-1", category="amber-alert", source="state", basis="AMBER plan",
        expires=T0 + timedelta(hours=4), actor=actor, ledger=ledger, config=HotlistConfig(),
    )  # fmt: skip
    sink = make_sink(store, hot, ledger, mute=0)
    assert len(sink.check(make_read("KX7731"))) == 1
    hot.clock = lambda: T0 + timedelta(hours=5)  # type: ignore[method-assign]
    assert sink.check(make_read("KX7731")) == []


def test_alert_provenance_goes_with_the_read_when_retention_purges_it(
    tmp_path: Path, hot: Hotlists, ledger: Ledger, loaded: list[str]
) -> None:
    from edge.config.store import RetentionConfig

    retention = RetentionConfig(non_hit=timedelta(hours=1), hit=timedelta(days=2), crops=timedelta(0))
    with Store(tmp_path / "p.db", retention=retention, min_free_mb=0, clock=lambda: T0) as store:
        sink = make_sink(store, hot, ledger)
        read = make_read(loaded[7])
        sink(read)
        sink(make_read("ZZZZ999"))
        store.flush()
        q = "SELECT basis, match_kind FROM hotlist_alerts WHERE read_id = ?"
        assert sqlite3.connect(store.path).execute(q, (read.id,)).fetchall() == [("agreement 2024-17", "exact")]
        store.purge(T0 + timedelta(days=1))  # the hit tier keeps it
        assert store.count("reads") == 1
        assert sqlite3.connect(store.path).execute(q, (read.id,)).fetchall() == [("agreement 2024-17", "exact")]
        store.purge(T0 + timedelta(days=3))
        assert store.count("reads") == 0
        assert sqlite3.connect(store.path).execute("SELECT count(*) FROM hotlist_alerts").fetchone() == (0,)
