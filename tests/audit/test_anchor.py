"""Finding 6 of issue 27 at the ledger's own level: the store and the key's companion name the ledger,
and a writable ledger that is not that one, or has lost its signed head, is refused."""

from __future__ import annotations

import json

import pytest

from edge.audit.anchor import companion_path, read_companion
from edge.audit.ledger import Ledger, LedgerError
from edge.store import Store
from tests.support.audit import ACTOR, attacker, make_ledger


def test_a_new_ledger_names_itself_and_its_key_and_the_companion_records_it(tmp_path):
    path, key = make_ledger(tmp_path, 3)
    with Ledger(path, readonly=True) as ledger:
        genesis = next(ledger.entries())
        ledger_id, vkey = ledger.ledger_id, ledger.vkey
    named = genesis.detail_obj()
    assert (genesis.seq, genesis.action, genesis.actor.user) == (1, "genesis", "system")
    assert (named["ledger_id"], named["vkey"], named["node_id"]) == (ledger_id, vkey, "edge-node")
    anchor = read_companion(key)
    assert anchor is not None
    assert (anchor.ledger_id, anchor.genesis, anchor.vkey) == (ledger_id, genesis.hash.hex(), vkey)
    assert anchor.checkpoint is not None
    assert anchor.checkpoint.split("\n")[1] == "4"  # the head signed at close
    assert json.loads(companion_path(key).read_text())["ledger"] == str(path.resolve())


def test_the_key_will_not_start_a_second_ledger(tmp_path):
    path, key = make_ledger(tmp_path, 3)
    other = tmp_path / "elsewhere.db"
    with pytest.raises(LedgerError, match="belongs to ledger"):
        Ledger(other, key)
    assert not other.exists()  # refused before anything was created
    path.unlink()
    with pytest.raises(LedgerError, match="was deleted, emptied or moved"):
        Ledger(path, key)


def test_a_ledger_that_lost_its_signed_head_or_checkpoints_is_refused(tmp_path):
    path, key = make_ledger(tmp_path, 12, every=5)
    attacker(path).execute("DELETE FROM entries WHERE seq > 11")  # drop the closing entries
    with pytest.raises(LedgerError, match="no longer holds the head this device signed at entry 13"):
        Ledger(path, key, checkpoint_every=5)
    path2, key2 = make_ledger(tmp_path / "b", 12, every=5)
    companion_path(key2).unlink()  # no companion to compare with: the tail rule still holds
    attacker(path2).execute("DELETE FROM checkpoints WHERE size > 5")
    with pytest.raises(LedgerError, match=r"entries 6\.\.13 are past the last signed checkpoint"):
        Ledger(path2, key2, checkpoint_every=5)


def test_a_store_binds_once_and_refuses_another_ledger(tmp_path):
    a, key_a = make_ledger(tmp_path / "a", 2)
    b, key_b = make_ledger(tmp_path / "b", 2)
    with Store(tmp_path / "s.db", min_free_mb=0) as store:
        with Ledger(a, key_a) as ledger:
            ledger.bind_store(store, "s.db")
            ledger.bind_store(store, "s.db")  # the same ledger again: fine
            ledger.append("search", ACTOR, {"i": 1})
        with Ledger(b, key_b) as other, pytest.raises(LedgerError, match="belongs to another audit ledger"):
            other.bind_store(store, "s.db")
        row = store.ledger_anchor()
    assert row is not None
    assert row["ledger_path"] == str(a.resolve())
