"""Every kind of tampering is detected and the first bad sequence number is named."""

from __future__ import annotations

import pytest

from edge.audit.checkpoint import sign_checkpoint, vkey
from edge.audit.ledger import Ledger
from edge.audit.verify import verify_ledger
from tests.support.audit import attacker, delete_renumbered, insert_hashed, make_ledger, rechain, rehash, swap_entries

N = 13  # the genesis entry and 12 appended; checkpoints at 1 (genesis), 5, 10 and (at close) 13


@pytest.fixture
def ledger(tmp_path):
    path, _ = make_ledger(tmp_path, N - 1, every=5)
    return path


def test_intact_ledger_verifies(ledger):
    res = verify_ledger(ledger)
    assert res.ok, res.message
    assert (res.entries, res.checkpoints, res.first_bad_seq) == (N, 4, None)


def test_edited_entry(ledger):
    attacker(ledger).execute('UPDATE entries SET detail = \'{"purpose":"amber-alert"}\' WHERE seq = 7')
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "edited", 7)


@pytest.mark.parametrize("column", ["user", "agency", "action", "outcome", "ts"])
def test_any_edited_column_is_caught(ledger, column):
    value = "2026-01-01T00:00:00.000000Z" if column == "ts" else "search_denied"
    attacker(ledger).execute(f"UPDATE entries SET {column} = ? WHERE seq = 3", (value,))
    res = verify_ledger(ledger)
    assert (res.ok, res.first_bad_seq) == (False, 3)


def test_edited_and_rehashed_entry_is_named_not_its_successor(ledger):
    conn = attacker(ledger)
    conn.execute("UPDATE entries SET outcome = 'denied' WHERE seq = 7")
    rehash(conn, 7)
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "edited", 7)


def test_deleted_entry(ledger):
    attacker(ledger).execute("DELETE FROM entries WHERE seq = 7")
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "missing", 7)


def test_deleted_entry_with_renumbering(ledger):
    delete_renumbered(attacker(ledger), 7, N)
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "broken-link", 7)


def test_inserted_entry_with_a_valid_hash(ledger):
    insert_hashed(attacker(ledger), 7, N)
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "inserted", 7)


def test_reordered_entries(ledger):
    swap_entries(attacker(ledger), 7, 8)
    res = verify_ledger(ledger)
    assert (res.ok, res.first_bad_seq) == (False, 7)


def test_truncated_tail_against_last_checkpoint(ledger):
    attacker(ledger).execute("DELETE FROM entries WHERE seq > 10")
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "truncated", 11)
    assert "11..13" in res.message


def test_truncation_that_also_removed_checkpoints_is_caught_by_a_witness_copy(ledger):
    witness = Ledger(ledger, readonly=True).checkpoint_notes()[-1][2]
    conn = attacker(ledger)
    conn.execute("DELETE FROM entries WHERE seq > 8")
    conn.execute("DELETE FROM checkpoints WHERE size > 8")
    assert verify_ledger(ledger).ok  # nothing left on the device shows it ...
    res = verify_ledger(ledger, witness_notes=(witness,))  # ... the witness does
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "truncated", 9)


def test_chain_recomputed_after_an_edit_is_caught_by_the_signed_checkpoint(ledger):
    conn = attacker(ledger)
    conn.execute("UPDATE entries SET outcome = 'denied' WHERE seq = 7")
    rechain(conn, 7)
    res = verify_ledger(ledger)
    # The chain is self-consistent; the checkpoint at 10 bounds the damage to entries 6..10.
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "rewritten", 6)


def test_swapped_checkpoint(ledger):
    conn = attacker(ledger)
    n5 = conn.execute("SELECT note FROM checkpoints WHERE size = 5").fetchone()[0]
    n10 = conn.execute("SELECT note FROM checkpoints WHERE size = 10").fetchone()[0]
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = 5", (n10,))
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = 10", (n5,))
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "swapped-checkpoint", 5)


def test_checkpoint_signed_by_another_key_is_refused(ledger, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    origin = Ledger(ledger, readonly=True).origin
    conn = attacker(ledger)
    head = bytes(conn.execute("SELECT hash FROM entries WHERE seq = 10").fetchone()[0])
    forged = sign_checkpoint(Ed25519PrivateKey.generate(), origin, 10, head, "2026-11-27T00:00:00.000000Z")
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = 10", (forged.note,))
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "bad-checkpoint", 10)


def test_tampered_signature_bytes_are_refused(ledger):
    conn = attacker(ledger)
    note = conn.execute("SELECT note FROM checkpoints WHERE size = 5").fetchone()[0]
    body, sig = note.split("\n\n")
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = 5", (body + "\n\n" + sig[:-10] + "AAAAAAAAA\n",))
    res = verify_ledger(ledger)
    assert (res.ok, res.problem) == (False, "bad-checkpoint")


def test_resigned_ledger_fails_against_its_genesis_and_the_pinned_key(ledger):
    """Someone replaces the key, re-signs every checkpoint and the recorded key: the genesis entry still
    names the old key; and if they rewrite the genesis too, only the pinned key (or an anchor) catches it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pinned = Ledger(ledger, readonly=True).vkey
    origin = Ledger(ledger, readonly=True).origin
    new = Ed25519PrivateKey.generate()
    new_vkey = vkey(origin, new.public_key())
    conn = attacker(ledger)

    def resign() -> None:
        for size, ts, head in conn.execute("SELECT size, ts, head FROM checkpoints").fetchall():
            conn.execute(
                "UPDATE checkpoints SET note = ? WHERE size = ?",
                (sign_checkpoint(new, origin, size, bytes(head), ts).note, size),
            )

    resign()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'vkey'", (new_vkey,))
    res = verify_ledger(ledger)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "genesis-mismatch", 1)
    detail = conn.execute("SELECT detail FROM entries WHERE seq = 1").fetchone()[0]
    conn.execute("UPDATE entries SET detail = ? WHERE seq = 1", (detail.replace(pinned, new_vkey),))
    rehash(conn, 1)
    rechain(conn, 2)
    for (size,) in conn.execute("SELECT size FROM checkpoints").fetchall():
        head = conn.execute("SELECT hash FROM entries WHERE seq = ?", (size,)).fetchone()[0]
        conn.execute("UPDATE checkpoints SET head = ? WHERE size = ?", (head, size))
    resign()
    assert verify_ledger(ledger).ok  # a perfect forgery, as far as the file alone can tell
    res = verify_ledger(ledger, trusted_key=pinned)
    assert (res.ok, res.problem, res.first_bad_seq) == (False, "bad-checkpoint", 1)
