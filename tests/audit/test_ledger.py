from __future__ import annotations

import itertools
import sqlite3
import stat

import pytest

from edge.audit.canonical import GENESIS
from edge.audit.checkpoint import SigningKeyError, open_checkpoint, parse_vkey
from edge.audit.events import ACTION_HELP, Action, Actor
from edge.audit.ledger import Ledger, LedgerError, entry_hash
from tests.support.audit import ACTOR, make_ledger


def test_entries_chain_and_hash_their_canonical_form(tmp_path):
    path, _key = make_ledger(tmp_path, 3)
    ledger = Ledger(path, readonly=True)
    entries = list(ledger.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    assert entries[0].action == "genesis"
    assert entries[0].prev == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after.prev == before.hash
    e = entries[1]
    assert e.hash == entry_hash(e.seq, e.ts, e.actor.user, e.actor.agency, e.action, e.detail, e.outcome, e.prev)
    assert e.detail_obj()["note"] == 'quote " and ünïcode'
    assert e.ts.endswith("Z")


def test_key_is_created_owner_only_and_a_readable_key_is_refused(tmp_path):
    _, key = make_ledger(tmp_path, 1)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(0o644)
    with pytest.raises(SigningKeyError, match="chmod 600"):
        Ledger(tmp_path / "audit.db", key)


def test_a_different_key_cannot_continue_the_ledger(tmp_path):
    path, _ = make_ledger(tmp_path, 1)
    with pytest.raises(LedgerError, match="not the key this ledger was started with"):
        Ledger(path, tmp_path / "other.key")


def test_checkpoints_every_n_and_at_close_verify_with_the_recorded_key(tmp_path):
    path, _ = make_ledger(tmp_path, 12, every=5)
    ledger = Ledger(path, readonly=True)
    notes = ledger.checkpoint_notes()
    assert [size for size, _, _ in notes] == [1, 5, 10, 13]  # genesis, every 5, at close
    _, pub = parse_vkey(ledger.vkey or "")
    for size, head, note in notes:
        cp = open_checkpoint(note, pub, ledger.origin)
        assert (cp.size, cp.head) == (size, head)
    assert notes[-1][1] == ledger.head()[1]


def test_ledger_rows_cannot_be_updated_or_deleted_through_sqlite(tmp_path):
    path, _ = make_ledger(tmp_path, 2)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE entries SET outcome = 'denied' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM entries WHERE seq = 2")


@pytest.mark.parametrize(
    ("action", "actor", "detail", "message"),
    [
        ("search_for_fun", ACTOR, {}, "unknown ledger action"),
        ("search", Actor("", "SPD"), {}, "user must be"),
        ("search", Actor("bob\n", "SPD"), {}, "control characters"),
        ("search", ACTOR, {"x": float("nan")}, "not JSON"),
        ("search", ACTOR, {"x": object()}, "not JSON"),
    ],
)
def test_bad_entries_are_refused(tmp_path, action, actor, detail, message):
    with Ledger(tmp_path / "a.db", tmp_path / "k") as ledger, pytest.raises(LedgerError, match=message):
        ledger.append(action, actor, detail)


def test_append_fails_when_another_writer_holds_the_lock(tmp_path):
    path, key = make_ledger(tmp_path, 1)
    ledger = Ledger(path, key, busy_timeout=0.1, checkpoint_every=5)  # make_ledger's interval: nothing to record
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(LedgerError, match="cannot open"):
            Ledger(path, key, busy_timeout=0.1, checkpoint_every=5)
        with pytest.raises(LedgerError, match="cannot write"):
            ledger.append("search", ACTOR, {"i": 2})
    finally:
        blocker.execute("ROLLBACK")
    assert Ledger(path, readonly=True).head()[0] == 2  # genesis and the one entry


def test_unopenable_ledger_raises_ledger_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(LedgerError):
        Ledger(tmp_path / "file" / "audit.db", tmp_path / "k")


def test_plate_tokens_are_stable_keyed_and_hide_the_plate(tmp_path):
    path, key = make_ledger(tmp_path, 1)
    with Ledger(path, key) as ledger:
        a, b, c = ledger.plate_token("ABC1234"), ledger.plate_token("abc 1234"), ledger.plate_token("ABC1235")
    assert a == b != c
    assert "ABC" not in a
    with Ledger(tmp_path / "other.db", tmp_path / "other.key") as other:
        assert other.plate_token("ABC1234") != a


def test_every_action_is_documented():
    assert set(ACTION_HELP) == set(Action)
    assert all(len(text) > 10 for text in ACTION_HELP.values())


def test_one_ledger_can_be_shared_by_threads(tmp_path):
    """The store calls on_receipt from its purge thread; appends from many threads keep one clean chain."""
    import threading

    from edge.audit.verify import verify_ledger

    with Ledger(tmp_path / "a.db", tmp_path / "k", checkpoint_every=7) as ledger:

        def work(n: int) -> None:
            for i in range(10):
                ledger.append("purge", Actor.system("node"), {"thread": n, "i": i})

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert ledger.head()[0] == 41  # genesis + 40
    assert verify_ledger(tmp_path / "a.db").ok
