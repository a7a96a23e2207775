"""Finding 1 and 6 of issue 27: every attack of edge_tools/attack_ledger.py on a real ledger, each row of the
table in docs/SECURITY.md ("Ledger tamper evidence"): what is detected, by what, and what is not."""

from __future__ import annotations

import pytest

from edge_tools import attack_ledger as atk


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], atk.Outcome]:
    found = atk.run_all(tmp_path_factory.mktemp("attacks"))
    return {(o.attack, o.witness): o for o in found}


def _get(outcomes: dict[tuple[str, bool], atk.Outcome], name: str, witness: bool = False) -> atk.Outcome:
    return outcomes[(name, witness)]


def test_every_attack_comes_out_as_the_table_says(outcomes):
    wrong = [(o.who, o.attack, o.witness, o.detected, o.by) for o in outcomes.values() if not o.as_expected]
    assert wrong == []
    assert len(outcomes) == len(atk.ATTACKS) + 1


def test_files_only_rewrites_are_found_through_the_anchor_and_refused_by_the_device(outcomes):
    o = _get(outcomes, "rewrite from a denied search, re-hash, delete later checkpoints")
    assert o.by.startswith("rewritten at ")
    assert "no longer holds the head this device signed" in o.next_search
    o = _get(outcomes, "... and roll the key's companion back too")
    assert o.by.startswith("unsigned-tail at ")  # more unsigned entries than the checkpoint interval
    assert "past the last signed checkpoint" in o.next_search
    # The interval comes from the signed chain, a checkpoint row counts only if its note verifies there:
    # the meta table, the config and the checkpoints table are files this attacker writes.
    for name in (
        "... and raise the interval in the ledger's meta table",
        "... and in the config too",
        "... and a checkpoint row at the new head with an older note",
    ):
        o = _get(outcomes, name)
        assert o.detected, name
        assert "past the last signed checkpoint" in o.next_search, (name, o.next_search)
    o = _get(outcomes, "delete an entry, renumber, re-hash, delete later checkpoints")
    assert o.by.startswith("truncated at ")
    o = _get(outcomes, "truncate the tail and its checkpoints")
    assert o.by == f"truncated at {atk.EVERY + 1}"


def test_a_deleted_or_recreated_ledger_or_a_new_key_is_found_and_refused(outcomes):
    o = _get(outcomes, "delete audit.db")
    assert o.by == "deleted at 1"  # exit 4, not "cannot open": the anchors name the ledger that is gone
    assert "there is no ledger at" in o.next_search  # the store names its ledger: no fresh one is started
    o = _get(outcomes, "delete audit.db and the key's companion, start a new ledger")
    assert o.by == "replaced at 1"
    assert "belongs to another audit ledger" in o.next_search
    o = _get(outcomes, "replace the key, re-sign everything, rewrite the companion")
    assert o.by == "bad-checkpoint at 1"  # the pinned key; the store's anchor too (next test)
    assert "belongs to another audit ledger" in o.next_search


def test_a_symlinked_store_from_another_folder_is_refused_and_leaves_nothing_there(outcomes):
    o = _get(outcomes, "search with --db through a symlink to the store")
    assert o.detected
    assert o.notes == []  # no stray ledger or key beside the symlink
    assert "there is no ledger at" in o.by


def test_the_limits_hold_only_until_a_witness_is_asked(outcomes):
    for name in (
        "roll back to an earlier signed head and companion",
        "rewrite only the last entry, roll back checkpoint and companion",
        "rewrite from a denied search and re-sign with the device key",
        "new key, store anchor and pinned key rewritten",
        "delete audit.db, the companion and the store's anchor row, start a new ledger",
    ):
        assert not _get(outcomes, name).detected, name
        assert _get(outcomes, name, witness=True).detected, name


def test_replaced_key_without_a_pin_is_caught_by_the_store_anchor(tmp_path):
    from edge.audit.anchor import from_store
    from edge.audit.verify import verify_ledger
    from edge.store import read_ledger_anchor

    site = atk.build_site(tmp_path / "site", searches=4)
    atk.replace_key(site)
    row = read_ledger_anchor(site.store)
    assert row is not None
    res = verify_ledger(site.ledger, anchors=(from_store(row, site.store),))
    assert (res.ok, res.problem) == (False, "replaced")
    assert "verifier key" in res.message or "genesis" in res.message


def test_the_transparency_report_flags_a_recreated_ledger(tmp_path):
    """The report verifies with the same anchors as `audit verify`: a fresh ledger is not 'intact'."""
    import json

    site = atk.build_site(tmp_path / "site", searches=4)
    atk.recreate_ledger(site)
    code, _, err = atk.cli("audit", "report", "--config", str(site.config), "--out", str(tmp_path / "r"))
    assert code == 0, err
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert (data["verification"]["ok"], data["verification"]["first_bad_seq"]) == (False, 1)
    assert "re-created" in data["verification"]["message"]


def test_a_refused_rewrite_stays_found_after_searches_and_a_recording_verify(tmp_path):
    """Helper review 2026-12-06: with the interval read from the meta table, the device's next search
    signed a files-only rewrite, and a recording `audit verify` appended and signed it too; afterwards
    verify said intact. Now neither writes to it, and verify still fails after both."""
    site = atk.build_site(tmp_path / "site", searches=8)
    atk.rewrite_raise_interval_config(site)
    size = site.size()
    code, _, err = atk.search(site, atk.PLATES[0], atk.GOOD)
    assert code != 0
    assert "past the last signed checkpoint" in err
    code, out, err = atk.cli("audit", "verify", "--config", str(site.config))  # recording, as an officer runs it
    assert code == 4, out + err
    assert out.startswith("NOT INTACT: ")
    assert "no 'verify' entry was written" in err
    assert site.size() == size  # nothing appended, nothing signed
    code, out, _ = atk.cli("audit", "verify", "--config", str(site.config), "--no-record", "--json")
    assert code == 4
    assert '"problem": "unsigned-tail"' in out


def test_a_shorter_interval_is_recorded_and_a_longer_one_only_by_command(tmp_path):
    """Second review: the config raised the interval and the device signed the raise at its next open,
    after which every later entry was as rewritable as the interval was long. A config may shorten it
    (recorded, signed at once); a longer one comes only from `edge-alpr audit interval`, recorded with who."""
    from edge.audit.events import Actor
    from edge.audit.ledger import Ledger, signed_interval

    path, key = tmp_path / "audit.db", tmp_path / "k"
    with Ledger(path, key, checkpoint_every=50) as book:
        book.append("startup", Actor.system("node-1"), {})
    with Ledger(path, key, checkpoint_every=5) as book:  # shorter: recorded and signed at once
        entries = list(book.entries())
        assert entries[-1].action == "checkpoint_interval"
        assert book.latest_checkpoint().size == len(entries)
        assert signed_interval(book._conn, len(entries)) == 5
        assert '"was":50' in entries[-1].detail
    with Ledger(path, key, checkpoint_every=1000) as book:  # longer, from the config alone: not taken
        assert book.checkpoint_every == 5
        assert [e.action for e in book.entries()][-1] == "checkpoint_interval"
        assert signed_interval(book._conn, book.head()[0]) == 5
        book.raise_interval(1000, Actor("admin", "node-1"))  # what `edge-alpr audit interval` does
        last = list(book.entries())[-1]
        assert (last.action, last.actor.user) == ("checkpoint_interval", "admin")
        assert signed_interval(book._conn, book.head()[0]) == 1000


def test_the_config_raising_the_interval_does_not_widen_what_can_be_rewritten(tmp_path):
    """The second review's attack: raise audit.checkpoint_every in the config, let the device open, then
    rewrite what followed and roll the companion back. The device kept the signed interval: refused."""
    site = atk.build_site(tmp_path / "site", searches=6)
    text = site.config.read_text(encoding="utf-8")
    site.config.write_text(
        text.replace(f"checkpoint_every: {atk.EVERY}", "checkpoint_every: 1000000"), encoding="utf-8"
    )
    for _ in range(3):
        code, _, err = atk.search(site, atk.PLATES[0], atk.GOOD)
        assert code == 0, err
    code, _, _ = atk.search(site, atk.PLATES[0], atk.DENIED)
    assert code == 3
    for _ in range(6):
        atk.search(site, atk.PLATES[1], atk.GOOD)
    atk.rewrite_and_roll_back(site)  # the denied search edited, later checkpoints gone, companion rolled back
    code, _, err = atk.search(site, atk.PLATES[0], atk.GOOD)
    assert code != 0
    assert "past the last signed checkpoint" in err or "no longer holds" in err
    code, out, _ = atk.cli("audit", "verify", "--config", str(site.config), "--no-record", "--json")
    assert code == 4, out


def test_a_process_holding_the_ledger_open_signs_nothing_rewritten_under_it(tmp_path):
    """Second review: the service opens the ledger once and runs for weeks; someone with the file rewrote
    what it had written and deleted the checkpoints, and its next checkpoint signed the rewrite. Now it
    checks the chain from the last entry it signed before it signs again, and refuses."""
    from edge.audit.events import Actor
    from edge.audit.ledger import Ledger, LedgerError

    site = atk.build_site(tmp_path / "site", searches=8)
    device = Ledger(site.ledger, site.key, checkpoint_every=atk.EVERY)
    device.append("startup", Actor.system("springfield-1"), {"cameras": []})
    atk.rewrite_from_k(site)  # edit the denied search, re-chain, delete the checkpoints from it
    refused = []
    for _ in range(atk.EVERY):  # appends until one is due a checkpoint
        try:
            device.append("alert", Actor.system("springfield-1"), {"read": "r1"})
        except LedgerError as exc:
            refused.append(str(exc))
            break
    assert refused
    assert "changed under this process" in refused[0]
    with pytest.raises(LedgerError, match="changed under this process"):
        device.close()
    code, out, _ = atk.cli("audit", "verify", "--config", str(site.config), "--no-record", "--json")
    assert code == 4, out


def test_verify_reads_a_linked_ledger_through_the_wal_beside_the_file(tmp_path):
    """Second review: verify looked for the -wal beside the link, found none and read the file as still,
    while the report read it through the WAL beside the file: two different ledgers."""
    from edge.audit.events import Actor
    from edge.audit.ledger import Ledger
    from edge.audit.verify import verify_ledger

    real = tmp_path / "real" / "audit.db"
    real.parent.mkdir()
    link = tmp_path / "audit.db"
    link.symlink_to(real)
    writer = Ledger(real, tmp_path / "k", checkpoint_every=1000)
    for i in range(7):
        writer.append("startup", Actor.system("n1"), {"i": i})  # in the WAL, not yet in the file
    assert (tmp_path / "real" / "audit.db-wal").stat().st_size > 0
    try:
        assert verify_ledger(link).entries == verify_ledger(real).entries == 8
    finally:
        writer.close()
