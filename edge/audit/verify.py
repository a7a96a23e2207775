"""Verify a ledger: recompute the hash chain in one streaming pass and check every signed checkpoint.

Finds and names the first bad sequence number for an edited entry (its hash no longer matches), an
edited-and-rehashed entry (its successor no longer links to it), a deleted entry (a gap, or a broken
link), an inserted entry (two entries link to the same predecessor), reordered entries, a chain that
was recomputed after tampering (the head no longer matches a signed checkpoint: the bad entry lies
after the previous good checkpoint) and a truncated tail (a checkpoint or witness copy is larger than
the ledger). Checkpoint signatures are checked against a pinned verifier key when one is given, else
the key recorded when the ledger was created. The canonical text is injective (escaped strings,
integer seq, fixed-width prev), so no two different rows share one canonical text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any
from urllib.parse import quote

from edge.audit.anchor import Anchor
from edge.audit.canonical import GENESIS
from edge.audit.checkpoint import BadCheckpoint, SigningKeyError, open_checkpoint, parse_vkey
from edge.audit.ledger import LedgerError, entry_hash, signed_interval
from edge.audit.merkle import tree_root
from edge.audit.tlog import tlog_origin

# SQLite's answers that mean "could not get at the file", not "the file is not what it should be".
_UNREADABLE = ("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_BUSY", "SQLITE_LOCKED")


class LedgerUnreadable(LedgerError):
    """The ledger file could not be opened or read (permissions, a read-only copy whose -wal needs a
    -shm that cannot be made, a lock). This says nothing about tampering, so it has its own exit status."""

    exit_code = 5


@dataclass
class VerifyResult:
    ok: bool
    entries: int = 0
    head: str = GENESIS.hex()
    checkpoints: int = 0
    witnesses: int = 0
    anchors: int = 0
    signed: int = 0  # size of the largest signed head (checkpoint, witness or anchor)
    ledger_id: str | None = None
    genesis: str | None = None
    first_bad_seq: int | None = None
    problem: str | None = None
    message: str = ""
    key: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    live: bool = False  # read through its WAL (a running ledger) rather than as a still file

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fail(res: VerifyResult, problem: str, seq: int | None, message: str) -> VerifyResult:
    res.ok = False
    res.problem = problem
    res.first_bad_seq = seq
    res.message = message
    return res


def verify_ledger(
    path: Path | str,
    *,
    trusted_key: str | None = None,
    witness_notes: tuple[str, ...] = (),
    anchors: Sequence[Anchor] = (),
    max_tail: int | None = None,
) -> VerifyResult:
    """Check the whole ledger at `path`. `trusted_key` is a C2SP verifier key to pin; witness notes
    are checkpoint copies held elsewhere (they catch a truncation that also removed checkpoints);
    `anchors` are the ledger's identity as kept by the store and beside the key (they catch a deleted,
    re-created or re-keyed ledger, and their checkpoint a rewrite whose checkpoints were deleted);
    `max_tail` is the checkpoint interval: more unsigned entries after the last checkpoint than that is
    a finding (default: the interval the ledger recorded)."""
    started = time.perf_counter()
    # The file itself, not a link to it: SQLite keeps a linked ledger's -wal beside the file it points
    # to, and a check for it beside the link would read the file as still and miss what the WAL holds.
    path = Path(path).resolve()
    notes = witness_notes + tuple(a.checkpoint for a in anchors if a.checkpoint)
    res = _verify_file(path, trusted_key, notes, anchors, max_tail, live=_has_wal(path))
    if not res.ok and not res.live and _has_wal(path):
        # a writer opened the ledger while it was read as a still file: read it again through its WAL
        res = _verify_file(path, trusted_key, notes, anchors, max_tail, live=True)
    res.seconds = round(time.perf_counter() - started, 3)
    if res.ok:
        # the anchors' checkpoints were checked as witness copies: count them with the anchors
        res.witnesses = min(res.witnesses, len(witness_notes))
        res.message = (
            f"intact: {res.entries} entries, {res.checkpoints} checkpoint(s)"
            + (f", {res.witnesses} witness copy(ies)" if res.witnesses else "")
            + (f", {res.anchors} anchor(s)" if res.anchors else "")
            + " verified"
        )
        if not witness_notes:
            res.notes.append(
                "no witness copy was checked (a checkpoint kept elsewhere, audit.witness_dir): this proves the "
                "ledger agrees with itself and with the anchors on this device; a rollback of every file here, or a "
                "rewrite re-signed with this device's key, shows only against a checkpoint kept off the device"
            )
    return res


def _has_wal(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def _verify_file(
    path: Path,
    trusted_key: str | None,
    witnesses: tuple[str, ...],
    anchors: Sequence[Anchor],
    max_tail: int | None,
    *,
    live: bool,
) -> VerifyResult:
    """Open the ledger only for reading and verify it. A ledger without a WAL (a copy, or a stopped
    service's) is opened immutable: nothing is written beside it, no -wal or -shm, so a read-only copy
    works. One with a WAL is read through it, as SQLite needs (its -shm may be created)."""
    if not path.exists():
        raise LedgerError(f"no audit ledger at {path}")
    res = VerifyResult(ok=True, live=live)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro" + ("" if live else "&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5.0, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            if getattr(exc, "sqlite_errorname", "").startswith(_UNREADABLE):
                hint = (
                    "; a copy of a live ledger needs its -wal and -shm files beside it, or make one with "
                    "`sqlite3 audit.db '.backup copy.db'`"
                    if live
                    else ""
                )
                raise LedgerUnreadable(
                    f"cannot open audit ledger {path}: {exc} (this is not a finding of tampering){hint}"
                ) from None
            raise
        try:
            _verify(conn, res, trusted_key, witnesses)
            if res.ok:
                _check_identity(conn, res, anchors, max_tail)
        finally:
            conn.close()
    except OSError as exc:
        raise LedgerUnreadable(f"cannot read audit ledger {path}: {exc} (this is not a finding of tampering)") from None
    except sqlite3.Error as exc:
        if getattr(exc, "sqlite_errorname", "").startswith(_UNREADABLE):
            raise LedgerUnreadable(
                f"cannot read audit ledger {path}: {exc} (this is not a finding of tampering)"
            ) from None
        _fail(res, "not-a-ledger", None, f"not an audit ledger: {exc}")
    return res


def _verify(conn: sqlite3.Connection, res: VerifyResult, trusted_key: str | None, witnesses: tuple[str, ...]) -> None:
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error as exc:
        _fail(res, "not-a-ledger", None, f"not an audit ledger: {exc}")
        return
    origin = meta.get("origin")
    recorded = meta.get("vkey")
    vk = trusted_key or recorded
    res.key = vk
    if vk is None or origin is None:
        _fail(res, "no-key", None, "the ledger records no verifier key and none was given")
        return
    if trusted_key and recorded and trusted_key.strip() != recorded:
        res.notes.append("the ledger's recorded key differs from the pinned key; checking against the pinned key")
    try:
        _, key = parse_vkey(vk)
    except SigningKeyError as exc:
        _fail(res, "no-key", None, str(exc))
        return

    # Signed heads we expect: size -> (head, where it came from).
    expected: dict[int, tuple[bytes, str]] = {}
    for size, head, note in conn.execute("SELECT size, head, note FROM checkpoints ORDER BY size"):
        try:
            cp = open_checkpoint(note, key, origin)
        except BadCheckpoint as exc:
            _fail(res, "bad-checkpoint", size, f"checkpoint at {size}: {exc}")
            return
        if cp.size != size or cp.head != bytes(head):
            _fail(
                res,
                "swapped-checkpoint",
                size,
                f"checkpoint row {size} holds a signed note for size {cp.size}: checkpoints were swapped or edited",
            )
            return
        expected[size] = (cp.head, "checkpoint")
        res.checkpoints += 1
    tree_heads: list[tuple[int, bytes, str]] = []  # cosigned tlog checkpoints: (size, Merkle root, source)
    for i, note in enumerate(witnesses, 1):
        if note.partition("\n")[0] == tlog_origin(origin):
            try:
                cp = open_checkpoint(note, key, tlog_origin(origin))
            except BadCheckpoint as exc:
                _fail(res, "bad-witness", None, f"witness copy {i}: {exc}")
                return
            tree_heads.append((cp.size, cp.head, f"tree head of witness copy {i}"))
            res.witnesses += 1
            continue
        try:
            cp = open_checkpoint(note, key, origin)
        except BadCheckpoint as exc:
            _fail(res, "bad-witness", None, f"witness copy {i}: {exc}")
            return
        have = expected.get(cp.size)
        if have is not None and have[0] != cp.head:
            _fail(res, "fork", cp.size, f"witness copy {i} and the ledger signed different heads at {cp.size}")
            return
        expected[cp.size] = (cp.head, f"witness copy {i}")
        res.witnesses += 1

    sizes = sorted(expected)
    cp_index = 0
    next_cp = sizes[0] if sizes else -1
    good_cp = 0
    sha = hashlib.sha256
    enc = encode_basestring
    prev = GENESIS
    prev_prev = GENESIS
    expect = 1
    hashes: list[bytes] | None = [] if tree_heads else None
    last_ts, back, first_back = "", 0, 0  # entries dated before the one they follow (the clock set back)
    cur = conn.execute("SELECT seq, ts, user, agency, action, detail, outcome, prev, hash FROM entries ORDER BY seq")
    for seq, ts, user, agency, action, detail, outcome, p, h in cur:
        if hashes is not None:
            hashes.append(bytes(h))
        if seq != expect:
            if seq > expect:
                _fail(res, "missing", expect, f"entry {expect} is missing (next entry is {seq}): deleted")
            else:
                _fail(res, "duplicate", seq, f"entry {seq} appears twice")
            return
        text = (
            f'{{"action":{enc(action)},"actor":{{"agency":{enc(agency)},"user":{enc(user)}}},'
            f'"detail":{detail},"outcome":{enc(outcome)},"prev":"{p.hex()}","seq":{seq},'
            f'"ts":"{ts}","v":1}}'
        )
        digest = sha(text.encode()).digest()
        if p != prev:
            self_ok = digest == h
            if seq > 1 and p == prev_prev:
                _fail(
                    res,
                    "inserted",
                    seq - 1,
                    f"entries {seq - 1} and {seq} both follow entry {seq - 2}: entry {seq - 1} was inserted",
                )
            elif seq > 1 and self_ok:
                _fail(
                    res,
                    "edited",
                    seq - 1,
                    f"entry {seq} does not link to entry {seq - 1}, which was altered and re-hashed",
                )
            else:
                _fail(
                    res,
                    "broken-link",
                    seq,
                    f"entry {seq} does not link to entry {seq - 1}: deleted, reordered or replaced",
                )
            return
        if digest != h:
            _fail(res, "edited", seq, f"entry {seq} does not match its hash: edited")
            return
        if ts < last_ts:
            back += 1
            first_back = first_back or seq
        last_ts = max(last_ts, ts)
        if seq == next_cp:
            want, source = expected[seq]
            if h != want:
                _fail(
                    res,
                    "rewritten",
                    good_cp + 1,
                    f"head at {seq} differs from the signed {source}: entries {good_cp + 1}..{seq} were "
                    "rewritten and re-hashed (the first bad entry is at or after "
                    f"{good_cp + 1})",
                )
                return
            good_cp = seq
            cp_index += 1
            next_cp = sizes[cp_index] if cp_index < len(sizes) else -1
        prev_prev = prev
        prev = h
        expect += 1
    res.entries = expect - 1
    res.head = prev.hex()
    if back:
        res.notes.append(
            f"{back} entr{'y is' if back == 1 else 'ies are'} dated before an entry they follow (first: entry "
            f"{first_back}): the device's clock was set back while they were written; their order in the chain, "
            "not their times, is what the signatures vouch for (a report by date counts them by their times)"
        )
    res.signed = min(sizes[-1], res.entries) if sizes else 0
    for size, root, source in sorted(tree_heads):
        assert hashes is not None
        if size > res.entries:
            _fail(
                res,
                "truncated",
                res.entries + 1,
                f"the ledger ends at entry {res.entries} but the {source} covers {size} entries: "
                f"entries {res.entries + 1}..{size} were removed",
            )
            return
        if tree_root(hashes[:size]) != root:
            _fail(
                res,
                "rewritten",
                None,
                f"the ledger's first {size} entries are not the tree the {source} holds: rewritten after it "
                "was cosigned",
            )
            return
        res.signed = max(res.signed, size)
    if sizes and sizes[-1] > res.entries:
        size = sizes[-1]
        _fail(
            res,
            "truncated",
            res.entries + 1,
            f"the ledger ends at entry {res.entries} but a signed {expected[size][1]} covers {size} entries: "
            f"entries {res.entries + 1}..{size} were removed",
        )


def _check_identity(
    conn: sqlite3.Connection, res: VerifyResult, anchors: Sequence[Anchor], max_tail: int | None
) -> None:
    """After an intact chain: the genesis entry names this ledger and key, every anchor agrees with it,
    and the unsigned tail is no longer than the checkpoint interval."""
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    ledger_id, recorded = meta.get("ledger_id"), meta.get("vkey")
    row = conn.execute("SELECT action, detail, hash FROM entries WHERE seq = 1").fetchone()
    genesis = bytes(row[2]).hex() if row else None
    res.ledger_id, res.genesis = ledger_id, genesis
    if int(meta.get("format", "1") or 1) >= 2:
        if row is None or row[0] != "genesis":
            _fail(res, "no-genesis", 1, "entry 1 is not the ledger's genesis entry: the ledger was re-created")
            return
        named = json.loads(row[1])
        if named.get("ledger_id") != ledger_id or named.get("vkey") != recorded:
            _fail(
                res,
                "genesis-mismatch",
                1,
                "the genesis entry names another ledger id or key than the ledger records: the ledger or its key "
                "was replaced",
            )
            return
        if res.key is not None and named.get("vkey") != res.key.strip():
            _fail(res, "genesis-key", 1, f"the genesis entry names key {named.get('vkey')}, not the pinned key")
            return
    else:
        res.notes.append("the ledger predates genesis entries (format 1): its entry 1 is taken as its genesis")
    for anchor in anchors:
        problem = anchor.mismatch(ledger_id, genesis, recorded)
        if problem is None and res.key is not None and anchor.vkey != res.key.strip():
            problem = f"the {anchor.source} records verifier key {anchor.vkey}, not the pinned key"
        if problem is not None:
            _fail(
                res,
                "replaced",
                1,
                f"{problem}: the ledger was deleted and re-created, replaced or re-keyed",
            )
            return
        res.anchors += 1
    # The interval the signed entries set (genesis, checkpoint_interval): the meta table and the config are
    # files an attacker can edit. A ledger older than those entries: the caller's, else the recorded one.
    for seq, user, detail in conn.execute(
        "SELECT seq, user, detail FROM entries WHERE action = 'checkpoint_interval' ORDER BY seq"
    ).fetchall():
        doc = json.loads(detail)
        new, was = doc.get("checkpoint_every"), doc.get("was")
        if isinstance(new, int) and isinstance(was, int) and new > was:
            res.notes.append(
                f"entry {seq}: {user} raised the checkpoint interval from {was} to {new} (a longer unsigned "
                "tail may be rewritten by someone with the files)"
            )
    limit = signed_interval(conn, res.signed)
    if limit is None:
        limit = max_tail if max_tail is not None else int(meta.get("checkpoint_every", "0") or 0) or None
    tail = res.entries - res.signed
    if tail > 0 and limit is not None and tail >= limit:
        _fail(
            res,
            "unsigned-tail",
            res.signed + 1,
            f"entries {res.signed + 1}..{res.entries} follow the last signed checkpoint ({res.signed}), at least "
            f"the checkpoint interval of {limit}: checkpoints were deleted and the entries after them may be rewritten",
        )
    elif tail > 0:
        res.notes.append(
            f"entries {res.signed + 1}..{res.entries} are not signed yet (a writer is running, or stopped without "
            "closing the ledger)"
        )


__all__ = ["VerifyResult", "entry_hash", "verify_ledger"]
