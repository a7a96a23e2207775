"""Attack a real audit ledger as a hostile insider would, and show what the device and `audit verify` say.

    python -m edge_tools.attack_ledger                 # the table on stdout
    python -m edge_tools.attack_ledger --json --keep /tmp/attacks

Builds a real site (store of synthetic reads, ledger written by real `edge-alpr search` runs, allowed
and denied), then on a fresh copy of it per attack does what an attacker with (a) write access to the
files, (b) the signing key too, or (c) root (the key, every file, the config and its pinned key) can
do, and records: is it detected, by what, and does the next search on the device refuse to run.
Each attack's expected result is the row of docs/SECURITY.md ("Ledger tamper evidence") that it backs;
tests/audit/test_attacks.py runs every one. Exit 0 when every attack came out as expected, 1 if not.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge.audit.checkpoint import load_or_create_key, sign_checkpoint, vkey
from edge.audit.ledger import entry_hash

EVERY = 5  # audit.checkpoint_every of the attacked site: checkpoints at 5, 10, ... and at every close
PLATES = ["ZZT4821", "QRX7702", "ZZT4891", "KLM3306"]  # synthetic
GOOD = [
    "--purpose", "stolen-vehicle", "--case", "2026-00123", "--reason", "Vehicle reported stolen from Elm St lot",
    "--requester", "SPRINGFIELD-PD", "--user", "officer1",
]  # fmt: skip
DENIED = [a if a != "Vehicle reported stolen from Elm St lot" else "ICE WARRANT for removal" for a in GOOD]
SITE = """node_id: springfield-1
profile: IL
search:
  purposes:
    - {{code: stolen-vehicle, description: Stolen vehicle or plate report}}
  agencies:
    - {{id: SPRINGFIELD-PD, name: Springfield Police Department, kind: local, state: IL}}
  requester_kinds: [local, state]
  case_number: {{pattern: '^[0-9]{{4}}-[0-9]{{3,8}}$'}}
store:
  path: {store}
audit:
  checkpoint_every: {every}
  busy_timeout: 0.5s
{pin}"""


# -- the attacker's tools: raw SQLite on the files ------------------------------------------------------


def attacker(path: Path) -> sqlite3.Connection:
    """What someone with shell access does: open the file and drop the append-only triggers."""
    conn = sqlite3.connect(path, isolation_level=None)
    for name in ("entries_no_update", "entries_no_delete", "checkpoints_no_update", "checkpoints_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def rehash(conn: sqlite3.Connection, seq: int) -> bytes:
    """Recompute one row's hash from its stored columns (an attacker covering an edit)."""
    row = conn.execute(
        "SELECT seq, ts, user, agency, action, detail, outcome, prev FROM entries WHERE seq = ?", (seq,)
    ).fetchone()
    digest = entry_hash(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bytes(row[7]))
    conn.execute("UPDATE entries SET hash = ? WHERE seq = ?", (digest, seq))
    return digest


def rechain(conn: sqlite3.Connection, start: int) -> None:
    """Recompute prev and hash from `start` to the end (a full rewrite by someone without the key)."""
    prev = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (start - 1,)).fetchone()[0])
    for (seq,) in conn.execute("SELECT seq FROM entries WHERE seq >= ? ORDER BY seq", (start,)).fetchall():
        conn.execute("UPDATE entries SET prev = ? WHERE seq = ?", (prev, seq))
        prev = rehash(conn, seq)


def delete_renumbered(conn: sqlite3.Connection, seq: int, last: int) -> None:
    """Delete entry `seq` and close the gap by renumbering the entries after it up to `last`."""
    conn.execute("DELETE FROM entries WHERE seq = ?", (seq,))
    for s in range(seq + 1, last + 1):
        conn.execute("UPDATE entries SET seq = ? WHERE seq = ?", (s - 1, s))


# -- the site --------------------------------------------------------------------------------------------


@dataclass
class Site:
    folder: Path
    pinned: str = ""

    @property
    def config(self) -> Path:
        return self.folder / "site.yaml"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def ledger(self) -> Path:
        return self.data / "audit.db"

    @property
    def key(self) -> Path:
        return self.data / "audit-ed25519.key"

    @property
    def companion(self) -> Path:
        return self.data / "audit-ed25519.key.anchor.json"

    @property
    def store(self) -> Path:
        return self.data / "edge-alpr.db"

    def write_config(self, pin: str | None = None) -> None:
        line = f"  public_key: '{pin}'\n" if pin else ""
        self.config.write_text(SITE.format(store=self.store, every=EVERY, pin=line), encoding="utf-8")

    def copy(self, folder: Path) -> Site:
        shutil.copytree(self.folder, folder)
        twin = Site(folder, self.pinned)
        twin.write_config(self.pinned)  # paths inside the config follow the copy
        return twin

    def size(self) -> int:
        conn = sqlite3.connect(self.ledger)
        try:
            return int(conn.execute("SELECT max(seq) FROM entries").fetchone()[0])
        finally:
            conn.close()


def cli(*args: str) -> tuple[int, str, str]:
    """The real `edge-alpr` entry point, in-process: (exit status, stdout, stderr)."""
    from edge.cli import run

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["edge-alpr", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            run()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def search(site: Site, plate: str, args: list[str]) -> tuple[int, str, str]:
    return cli("search", "--config", str(site.config), "--plate", plate, *args)


def write_reads(store: Path, plates: list[str], minutes_apart: int = 10) -> None:
    """Synthetic reads r0, r1, ... of `plates`, newest first, into a real store (created if need be)."""
    from edge.store import Store
    from edge.types import Read

    now = datetime.now(UTC)
    with Store(store, min_free_mb=0) as s:
        for i, plate in enumerate(plates):
            s.write(
                Read(
                    id=f"r{i}", plate=plate, confidence=0.9, camera="cam1",
                    ts=now - timedelta(minutes=minutes_apart * i), frame_index=i, bbox=(0, 0, 1, 1),
                    track_id=f"t{i}", observations=3, detector_model="d", ocr_model="o",
                )
            )  # fmt: skip
        s.flush()


def build_site(folder: Path, searches: int = 14) -> Site:
    """A store of synthetic reads and a ledger written by real searches, allowed and denied; key pinned."""
    site = Site(folder)
    site.data.mkdir(parents=True, mode=0o700)  # as the installer makes it: no "folder can be listed" warnings
    site.write_config()
    write_reads(site.store, PLATES * 3, minutes_apart=7)
    for i in range(searches):
        code, _, err = search(site, PLATES[i % len(PLATES)], DENIED if i % 3 == 1 else GOOD)
        if code not in (0, 3):
            raise RuntimeError(f"building the site: search {i} failed: {err.strip()}")
    code, out, err = cli("audit", "key", "--config", str(site.config))
    if code != 0:
        raise RuntimeError(f"building the site: audit key failed: {err.strip()}")
    site.pinned = out.strip()
    site.write_config(site.pinned)
    return site


def first_denied(site: Site) -> int:
    conn = sqlite3.connect(site.ledger)
    try:
        return int(conn.execute("SELECT min(seq) FROM entries WHERE action = 'search_denied'").fetchone()[0])
    finally:
        conn.close()


# -- the attacks -----------------------------------------------------------------------------------------


def _edit_denial(conn: sqlite3.Connection, seq: int) -> None:
    """Finding 1: make a denied 'ICE WARRANT' search look like an allowed, well-justified one."""
    detail = conn.execute("SELECT detail FROM entries WHERE seq = ?", (seq,)).fetchone()[0]
    doc = json.loads(detail)
    doc["reason"] = "Vehicle reported stolen from Elm St lot"
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    conn.execute("UPDATE entries SET detail = ?, action = 'search', outcome = 'allowed' WHERE seq = ?", (text, seq))


def rewrite_from_k(site: Site) -> None:
    """Edit a denied search, recompute every hash from it, delete the checkpoints at or after it."""
    k = first_denied(site)
    conn = attacker(site.ledger)
    _edit_denial(conn, k)
    rechain(conn, k)
    conn.execute("DELETE FROM checkpoints WHERE size >= ?", (k,))
    conn.close()


def delete_and_renumber(site: Site) -> None:
    """Delete the denied search, renumber the rest, recompute the hashes, delete checkpoints from it."""
    k, last = first_denied(site), site.size()
    conn = attacker(site.ledger)
    delete_renumbered(conn, k, last)
    rechain(conn, k)
    conn.execute("DELETE FROM checkpoints WHERE size >= ?", (k,))
    conn.close()


def rewrite_and_roll_back(site: Site) -> None:
    """As rewrite_from_k, and roll the key's companion back to the last checkpoint left standing."""
    rewrite_from_k(site)
    site.companion.unlink()
    _refresh_companion(site)


def rewrite_raise_interval(site: Site) -> None:
    """As rewrite_and_roll_back, and raise the interval the ledger's meta table records, so that a device
    trusting it takes the rewritten tail for one not yet signed (files only: no key, no config change)."""
    rewrite_and_roll_back(site)
    conn = attacker(site.ledger)
    conn.execute("UPDATE meta SET value = '1000000' WHERE key = 'checkpoint_every'")
    conn.close()


def rewrite_raise_interval_config(site: Site) -> None:
    """As rewrite_raise_interval, and raise audit.checkpoint_every in the site's config too."""
    rewrite_raise_interval(site)
    text = site.config.read_text(encoding="utf-8")
    site.config.write_text(text.replace(f"checkpoint_every: {EVERY}", "checkpoint_every: 1000000"), encoding="utf-8")


def rewrite_fake_checkpoint(site: Site) -> None:
    """As rewrite_and_roll_back, then a checkpoint row at the rewritten head holding a genuine older note
    (the attacker cannot sign): a device that read the row's size as signed would sign the rewrite."""
    rewrite_and_roll_back(site)
    conn = attacker(site.ledger)
    last = int(conn.execute("SELECT max(seq) FROM entries").fetchone()[0])
    head = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (last,)).fetchone()[0])
    ts, note = conn.execute("SELECT ts, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
    conn.execute("INSERT INTO checkpoints(size, ts, head, note) VALUES (?, ?, ?, ?)", (last, ts, head, note))
    conn.close()


def rewrite_last_entry(site: Site) -> None:
    """The smallest rewrite: the last entry only (within one checkpoint interval), its checkpoint deleted
    and the companion rolled back to the checkpoint before it."""
    last = site.size()
    conn = attacker(site.ledger)
    conn.execute("UPDATE entries SET user = 'someone-else' WHERE seq = ?", (last,))
    rehash(conn, last)
    conn.execute("DELETE FROM checkpoints WHERE size >= ?", (last,))
    conn.close()
    site.companion.unlink()
    _refresh_companion(site)


def truncate(site: Site) -> None:
    """Cut the ledger back to its first checkpoint after genesis, deleting the later checkpoints."""
    conn = attacker(site.ledger)
    conn.execute("DELETE FROM entries WHERE seq > ?", (EVERY,))
    conn.execute("DELETE FROM checkpoints WHERE size > ?", (EVERY,))
    conn.close()


def delete_ledger(site: Site) -> None:
    """Delete audit.db (and its WAL): finding 1, 'the next search starts a fresh ledger with the same key'."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{site.ledger}{suffix}").unlink(missing_ok=True)


def recreate_ledger(site: Site) -> None:
    """Delete audit.db and the key's companion, and start a fresh ledger with the same key by hand."""
    from edge.audit.events import Actor
    from edge.audit.ledger import Ledger

    delete_ledger(site)
    site.companion.unlink()
    with Ledger(site.ledger, site.key, origin="edge-alpr.local/springfield-1/audit", checkpoint_every=EVERY) as book:
        book.append("startup", Actor.system("springfield-1"), {"cameras": []})


def recreate_ledger_and_store_anchor(site: Site) -> None:
    """As recreate_ledger, and first delete the store's anchor row (dropping the trigger that guards it):
    every local record of the old ledger is gone, and the new one is bound to the store afresh."""
    store = sqlite3.connect(site.store, isolation_level=None)
    store.execute("DROP TRIGGER ledger_anchor_no_delete")
    store.execute("DELETE FROM ledger_anchor")
    store.close()
    recreate_ledger(site)


def replace_key(site: Site) -> None:
    """A new signing key: re-sign every checkpoint, rewrite the genesis and recorded key, re-chain, and
    rewrite the key's companion to match. Only the store's anchor and the pinned key still know."""
    key = site.key
    key.unlink()
    new = load_or_create_key(key)
    _resign_all(site, new, rekey=True)
    site.companion.unlink()
    _refresh_companion(site)


def rollback_to_checkpoint(site: Site) -> None:
    """Truncate to an earlier signed head and roll the companion back to it (its note is in the ledger)."""
    truncate(site)
    site.companion.unlink()
    _refresh_companion(site)


def resign_with_key(site: Site) -> None:
    """With the signing key: rewrite from a denied search, re-sign every checkpoint, refresh the companion."""
    k = first_denied(site)
    conn = attacker(site.ledger)
    _edit_denial(conn, k)
    rechain(conn, k)
    conn.close()
    _resign_all(site, load_or_create_key(site.key), rekey=False)
    site.companion.unlink()
    _refresh_companion(site)


def root_rekey_everything(site: Site) -> None:
    """Root: a new key, every record re-signed, the store's anchor rewritten, the config's pin replaced."""
    replace_key(site)
    conn = sqlite3.connect(site.ledger)
    genesis = bytes(conn.execute("SELECT hash FROM entries WHERE seq = 1").fetchone()[0]).hex()
    new_vkey = conn.execute("SELECT value FROM meta WHERE key = 'vkey'").fetchone()[0]
    ledger_id = conn.execute("SELECT value FROM meta WHERE key = 'ledger_id'").fetchone()[0]
    conn.close()
    store = sqlite3.connect(site.store, isolation_level=None)
    store.execute("DROP TRIGGER ledger_anchor_no_update")
    store.execute("UPDATE ledger_anchor SET genesis = ?, vkey = ?, ledger_id = ?", (genesis, new_vkey, ledger_id))
    store.close()
    site.pinned = new_vkey
    site.write_config(new_vkey)


def _resign_all(site: Site, key: object, *, rekey: bool) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    assert isinstance(key, Ed25519PrivateKey)
    conn = attacker(site.ledger)
    origin = conn.execute("SELECT value FROM meta WHERE key = 'origin'").fetchone()[0]
    if rekey:
        old = conn.execute("SELECT value FROM meta WHERE key = 'vkey'").fetchone()[0]
        new_vkey = vkey(origin, key.public_key())
        conn.execute("UPDATE meta SET value = ? WHERE key = 'vkey'", (new_vkey,))
        detail = conn.execute("SELECT detail FROM entries WHERE seq = 1").fetchone()[0]
        conn.execute("UPDATE entries SET detail = ? WHERE seq = 1", (detail.replace(old, new_vkey),))
        rehash(conn, 1)
        rechain(conn, 2)
    for size, ts in conn.execute("SELECT size, ts FROM checkpoints").fetchall():
        head = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (size,)).fetchone()[0])
        note = sign_checkpoint(key, origin, size, head, ts).note
        conn.execute("UPDATE checkpoints SET head = ?, note = ? WHERE size = ?", (head, note, size))
    last = site.size()
    if not conn.execute("SELECT 1 FROM checkpoints WHERE size = ?", (last,)).fetchone():
        head = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (last,)).fetchone()[0])
        ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        note = sign_checkpoint(key, origin, last, head, ts).note
        conn.execute("INSERT INTO checkpoints VALUES (?, ?, ?, ?)", (last, ts, head, note))
    conn.close()


def _refresh_companion(site: Site) -> None:
    """Write the key's companion from what the ledger file says (what the device itself would write)."""
    from edge.audit.anchor import Anchor, write_companion

    conn = sqlite3.connect(site.ledger)
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    genesis = bytes(conn.execute("SELECT hash FROM entries WHERE seq = 1").fetchone()[0]).hex()
    row = conn.execute("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
    conn.close()
    anchor = Anchor("companion", meta["ledger_id"], genesis, meta["vkey"], meta["node_id"], row[0] if row else None)
    write_companion(site.key, anchor, site.ledger)


@dataclass(frozen=True)
class Attack:
    name: str
    who: str  # "files" (a), "key" (b), "root" (c)
    do: Callable[[Site], None]
    detected: bool  # what docs/SECURITY.md promises
    witness: bool = False  # verified with a checkpoint a peer or auditor kept from before the attack


ATTACKS: tuple[Attack, ...] = (
    Attack("rewrite from a denied search, re-hash, delete later checkpoints", "files", rewrite_from_k, True),
    Attack("... and roll the key's companion back too", "files", rewrite_and_roll_back, True),
    Attack("... and raise the interval in the ledger's meta table", "files", rewrite_raise_interval, True),
    Attack("... and in the config too", "files", rewrite_raise_interval_config, True),
    Attack("... and a checkpoint row at the new head with an older note", "files", rewrite_fake_checkpoint, True),
    Attack("rewrite only the last entry, roll back checkpoint and companion", "files", rewrite_last_entry, False),
    Attack("rewrite only the last entry, roll back checkpoint and companion", "files", rewrite_last_entry, True, True),
    Attack("delete an entry, renumber, re-hash, delete later checkpoints", "files", delete_and_renumber, True),
    Attack("truncate the tail and its checkpoints", "files", truncate, True),
    Attack("delete audit.db", "files", delete_ledger, True),
    Attack("delete audit.db and the key's companion, start a new ledger", "files", recreate_ledger, True),
    Attack("replace the key, re-sign everything, rewrite the companion", "files", replace_key, True),
    Attack(
        "delete audit.db, the companion and the store's anchor row, start a new ledger",
        "files",
        recreate_ledger_and_store_anchor,
        False,
    ),
    Attack(
        "delete audit.db, the companion and the store's anchor row, start a new ledger",
        "files",
        recreate_ledger_and_store_anchor,
        True,
        True,
    ),
    Attack("roll back to an earlier signed head and companion", "files", rollback_to_checkpoint, False),
    Attack("roll back to an earlier signed head and companion", "files", rollback_to_checkpoint, True, True),
    Attack("rewrite from a denied search and re-sign with the device key", "key", resign_with_key, False),
    Attack("rewrite from a denied search and re-sign with the device key", "key", resign_with_key, True, True),
    Attack("new key, store anchor and pinned key rewritten", "root", root_rekey_everything, False),
    Attack("new key, store anchor and pinned key rewritten", "root", root_rekey_everything, True, True),
)


@dataclass
class Outcome:
    attack: str
    who: str
    witness: bool
    expected: bool
    detected: bool
    by: str
    next_search: str
    notes: list[str] = field(default_factory=list)

    @property
    def as_expected(self) -> bool:
        return self.detected == self.expected


def run_attack(pristine: Site, attack: Attack, folder: Path) -> Outcome:
    site = pristine.copy(folder)
    witness = folder.parent / f"{folder.name}.witness.txt"
    code, note, err = cli("audit", "checkpoint", "--config", str(site.config))
    if code != 0:
        raise RuntimeError(f"{attack.name}: the pre-attack checkpoint failed: {err.strip()}")
    if attack.witness:
        witness.write_text(note, encoding="utf-8")  # what a peer or an auditor kept before the attack
    attack.do(site)
    args = ["audit", "verify", "--config", str(site.config), "--no-record", "--json"]
    if attack.witness:
        # the auditor's own copy of the key they pinned before the attack, not the device's config
        args += ["--witness", str(witness), "--public-key", pristine.pinned]
    code, out, err = cli(*args)
    if code == 0:
        by = "intact"
    elif out.strip().startswith("{"):
        doc = json.loads(out)
        by = f"{doc['problem']} at {doc['first_bad_seq']}"
    else:
        by = err.strip().removeprefix("error: ")[:300]
    s_code, _, s_err = search(site, PLATES[0], GOOD)
    refused = s_err.strip().removeprefix("error: ")[:300] if s_code != 0 else "ran"
    return Outcome(attack.name, attack.who, attack.witness, attack.detected, code != 0, by, refused)


def symlinked_store(pristine: Site, folder: Path) -> Outcome:
    """Finding 6: `--db` through a symlink to the real store, from another folder."""
    site = pristine.copy(folder / "real")
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    link = elsewhere / "edge-alpr.db"
    link.symlink_to(site.store)
    code, _, err = cli("search", "--config", str(site.config), "--db", str(link), "--plate", PLATES[0], *GOOD)
    stray = sorted(p.name for p in elsewhere.iterdir() if p != link)
    detected = code != 0 and not stray
    by = err.strip().removeprefix("error: ")[:300] if code != 0 else "search ran"
    return Outcome("search with --db through a symlink to the store", "files", False, True, detected, by, by, stray)


def run_all(work: Path) -> list[Outcome]:
    pristine = build_site(work / "pristine")
    code, out, err = cli("audit", "verify", "--config", str(pristine.config), "--no-record")
    if code != 0:
        raise RuntimeError(f"the untouched site does not verify: {out} {err}")
    outcomes = [run_attack(pristine, a, work / f"attack-{i:02d}") for i, a in enumerate(ATTACKS)]
    outcomes.append(symlinked_store(pristine, work / "symlink"))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    rows = [
        "| attacker | attack | witness | detected | by | next search on the device |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        rows.append(
            f"| {o.who} | {o.attack} | {'yes' if o.witness else 'no'} | {'**yes**' if o.detected else 'no'} "
            f"| {o.by.replace('|', '/')} | {o.next_search.replace('|', '/')} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, default=None, help="Work in this (new) folder and keep it.")
    parser.add_argument("--json", action="store_true", help="Print the outcomes as JSON.")
    args = parser.parse_args(argv)
    if args.keep is not None and args.keep.exists():
        print(f"error: --keep {args.keep}: already exists; give a new folder", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="attack-ledger-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        outcomes = run_all(work)
    if args.json:
        print(json.dumps([{**asdict(o), "as_expected": o.as_expected} for o in outcomes], indent=2))
    else:
        print(table(outcomes))
    wrong = [o for o in outcomes if not o.as_expected]
    for o in wrong:
        print(f"unexpected: {o.who}: {o.attack}: detected={o.detected}, expected {o.expected}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
