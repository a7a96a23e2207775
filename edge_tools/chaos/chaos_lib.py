"""The chaos scenarios, shared by the short form (tests/chaos, run by pytest) and the long form
(scripts/chaos.py, run by `scripts/chaos.sh N`, which publishes docs/RELIABILITY.md).

Each scenario returns a figures dataclass; `problems` lists every violation found, so a test asserts
``problems == []`` and the long form reports the counts. Everything is real: SQLite files, a real
Mosquitto on 127.0.0.1 (edge_tools/harness/mosquitto.py), real processes killed with SIGKILL, a real tmpfs.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import typing
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edge_tools.harness.grants import grant_yaml, signed
from edge_tools.harness.mosquitto import Broker, Pki, Subscriber

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NODE = "edge-node"
PEER = "peer-a"
CHILD = HERE / "chaos_child.py"
EDGE = [sys.executable, "-m", "edge"]


def size(name: str, default: int) -> int:
    """A short-form size, overridable with the environment variable `name` (e.g. CHAOS_CYCLES=50)."""
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() else default


def acl() -> dict[str, list[tuple[str, str]]]:
    return {
        NODE: [("write", "peers/a/#"), ("read", "peers/a/search/request/#")],
        PEER: [("read", "peers/a/#"), ("write", "peers/a/search/request/#")],
    }


def site_config(
    folder: Path,
    broker: Broker | None,
    pki: Pki | None,
    *,
    search: bool = False,
    broker_url: str | None = None,
    extra: str = "",
) -> Path:
    """An IL site whose store, ledger and key live in `folder`; one grant to peer-a when a broker is given."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f"""
node_id: {NODE}
profile: IL
store:
  path: {folder / "store.db"}
  min_free_mb: 0
audit:
  checkpoint_every: 25
search:
  purposes:
    - code: stolen-vehicle
      description: Vehicle reported stolen
      partial: true
  agencies:
    - id: SPRINGFIELD-PD
      name: Springfield Police Department
      kind: local
      state: IL
      aliases: [Springfield PD]
  case_number:
    pattern: '^[0-9]{{4}}-[0-9]{{3,8}}$'
"""
    if (broker is not None or broker_url is not None) and pki is not None:
        url = broker.url if broker is not None else broker_url
        assert url is not None
        text += grant_yaml(url, pki, search=search)
    path = folder / "site.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


# -- looking at what is on disk ----------------------------------------------------------------------


@dataclass
class Acked:
    ready: bool = False
    drained: bool = False
    clean_exit: bool = False
    reads: list[str] = field(default_factory=list)
    ledger: dict[int, str] = field(default_factory=dict)
    failed: int = 0


def parse_acks(path: Path) -> Acked:
    out = Acked()
    if not path.exists():
        return out
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    for line in lines[:-1]:  # the last piece has no newline: possibly torn by the kill, never trusted
        kind, _, rest = line.partition(" ")
        if kind == "R":
            out.ready = True
        elif kind == "D":
            out.drained = True
        elif kind == "X":
            out.clean_exit = True
        elif kind == "A":
            out.reads.extend(rest.split())
        elif kind == "F":
            out.failed += int(rest)
        elif kind == "L":
            seq, digest = rest.split()
            out.ledger[int(seq)] = digest
    return out


def integrity(db: Path) -> str:
    """PRAGMA integrity_check of a SQLite file ('ok' when sound), opened as the next process would."""
    try:
        conn = sqlite3.connect(db, timeout=30)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"cannot open: {exc}"
    return "ok" if rows == [("ok",)] else "; ".join(str(r[0]) for r in rows[:5])


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def read_ids(db: Path) -> set[str]:
    """Ids of the stored reads. A process killed after opening the store file but before writing its
    schema leaves a file without tables: that store holds no reads."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        if not has_table(conn, "reads"):
            return set()
        return {r[0] for r in conn.execute("SELECT id FROM reads")}
    finally:
        conn.close()


def reads_without_outbox_row(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        if not has_table(conn, "reads"):
            return 0
        if not has_table(conn, "share_outbox"):
            return int(conn.execute("SELECT count(*) FROM reads").fetchone()[0])
        return int(
            conn.execute(
                "SELECT count(*) FROM reads r WHERE NOT EXISTS "
                "(SELECT 1 FROM share_outbox o WHERE o.read_id = r.id AND o.kind = 'read')"
            ).fetchone()[0]
        )
    finally:
        conn.close()


def ledger_hashes(ledger: Path) -> dict[int, str]:
    conn = sqlite3.connect(ledger, timeout=30)
    try:
        return {int(s): bytes(h).hex() for s, h in conn.execute("SELECT seq, hash FROM entries")}
    finally:
        conn.close()


def verify(ledger: Path) -> tuple[bool, str]:
    from edge.audit.verify import verify_ledger

    res = verify_ledger(ledger)
    return res.ok, res.message


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [*EDGE, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout, check=False
    )


def cli_inprocess(*args: str) -> subprocess.CompletedProcess[str]:
    """The real `edge-alpr` entry point run in this process (no interpreter start-up): same result shape as
    `cli`; an exception escaping the entry point is written to stderr as the traceback a user would see."""
    import io
    import traceback
    from contextlib import redirect_stderr, redirect_stdout

    from edge.cli import run

    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["edge-alpr", *args]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:  # noqa: BLE001 - what escapes is the traceback being looked for
        err.write(traceback.format_exc())
        code = 1
    finally:
        sys.argv = argv
    return subprocess.CompletedProcess(["edge-alpr", *args], code, out.getvalue(), err.getvalue())


def received_ids(messages: list[tuple[str, bytes]]) -> list[str]:
    out = []
    for _topic, payload in messages:
        try:
            msg = json.loads(payload)
        except ValueError:
            continue
        if isinstance(msg, dict) and "read_id" in msg and msg.get("kind", "read") == "read":
            out.append(str(msg["read_id"]))
    return out


def spawn(cfg: Path, ack: Path, *extra: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONUNBUFFERED": "1"}
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, str(CHILD), "--config", str(cfg), "--ack", str(ack), *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def wait_for(predicate: Any, timeout: float, step: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


def tail(path: Path, n: int = 3000) -> str:
    return path.read_text(errors="replace")[-n:] if path.exists() else ""


@contextlib.contextmanager
def peer_broker(folder: Path) -> Iterator[tuple[Pki, Broker, Subscriber]]:
    """A generated PKI, a real Mosquitto with per-client ACLs and the peer's persistent subscriber."""
    pki = Pki(folder / "pki")
    for cn in acl():
        pki.client(cn)
    broker = Broker(pki, folder / "broker", acl())
    broker.start()
    sub = Subscriber(broker, PEER, ["peers/a/#"])
    try:
        sub.wait_ready(20)
        yield pki, broker, sub
    finally:
        sub.close()
        broker.stop()


def drain_and_compare(cfg: Path, folder: Path, sub: Subscriber, figures: Any, *, timeout: float = 120) -> None:
    """Run the pipeline once more without new reads until its outbox is empty, then compare what the
    peer received with what the store holds: reads lost (stored, never delivered) and duplicates."""
    ack = folder / "drain.ack"
    log = folder / "drain.log"
    proc = spawn(cfg, ack, "--drain", "--max-seconds", str(timeout), log=log)
    try:
        proc.wait(timeout + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    acked = parse_acks(ack)
    if not acked.drained:
        figures.problems.append(f"the outbox did not drain within {timeout:.0f}s:\n{tail(log)}")
    stored = read_ids(folder / "site" / "store.db")
    sub.wait_for(lambda m: set(received_ids(m)) >= stored, timeout=30)
    got = received_ids(sub.payloads())
    unique = set(got)
    figures.reads_stored = len(stored)
    figures.delivered_unique = len(unique & stored)
    figures.delivered_total = len(got)
    figures.duplicates = len(got) - len(unique)
    figures.reads_undelivered = len(stored - unique)
    if figures.reads_undelivered:
        figures.problems.append(f"{figures.reads_undelivered} stored reads never reached the peer")
    unknown = unique - stored
    if unknown:
        figures.problems.append(f"{len(unknown)} reads reached the peer that the store does not hold")


# -- (1) SIGKILL at random moments -------------------------------------------------------------------


@dataclass
class SurvivalFigures:
    """What both SIGKILL scenarios count: the files after each kill, then the peer after the drain."""

    reads_lost: int = 0
    integrity_failures: int = 0
    ledger_verify_failures: int = 0
    cli_verify_runs: int = 0
    cli_verify_failures: int = 0
    reads_without_outbox_row: int = 0
    reads_stored: int = 0
    delivered_unique: int = 0
    delivered_total: int = 0
    duplicates: int = 0
    reads_undelivered: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_after_kill(
    fig: SurvivalFigures, cycle: int, db: Path, ledger: Path, cfg: Path, acked: set[str], *, lost: str, cli_now: bool
) -> bool:
    """The files after a kill: store integrity, every acknowledged read still stored (`lost` words
    the problem), every read with its outbox row, the ledger verifying (also through `edge-alpr audit
    verify` when `cli_now`). Problems go to `fig`; False when the store is corrupt (stop there)."""
    check = integrity(db)
    if check != "ok":
        fig.integrity_failures += 1
        fig.problems.append(f"cycle {cycle}: store integrity_check: {check}")
        return False
    missing = acked - read_ids(db)
    if missing:
        fig.reads_lost = len(missing)
        fig.problems.append(f"cycle {cycle}: {len(missing)} {lost}")
    fig.reads_without_outbox_row = reads_without_outbox_row(db)
    if fig.reads_without_outbox_row:
        fig.problems.append(f"cycle {cycle}: {fig.reads_without_outbox_row} reads have no outbox row")
    if ledger.exists():
        ok, message = verify(ledger)
        if not ok:
            fig.ledger_verify_failures += 1
            fig.problems.append(f"cycle {cycle}: ledger does not verify: {message}")
        if cli_now:
            res = cli("audit", "verify", "--config", str(cfg))
            fig.cli_verify_runs += 1
            if res.returncode != 0:
                fig.cli_verify_failures += 1
                fig.problems.append(f"cycle {cycle}: edge-alpr audit verify exit {res.returncode}: {res.stderr[-500:]}")
    return True


@dataclass
class KillFigures(SurvivalFigures):
    cycles: int = 0
    killed_before_ready: int = 0
    killed_running: int = 0
    acked_reads: int = 0
    acked_ledger_entries: int = 0
    ledger_entries_lost: int = 0


def sigkill_cycles(
    folder: Path,
    cycles: int,
    *,
    seed: int = 1,
    run_max: float = 2.0,
    cli_every: int = 10,
    log_every: int = 0,
    sabotage: Any = None,
) -> KillFigures:
    """Start the pipeline, SIGKILL it at a random moment (a fifth of the time before it is up, else up to
    `run_max` s after), check the files, restart; `cycles` times. Then drain and compare with the peer.
    `sabotage(cycle, site folder, acked read ids)` runs after each kill, before the checks (tests use it
    to show the checks catch a lost read or a broken ledger)."""
    rng = random.Random(seed)
    fig = KillFigures()
    started = time.monotonic()
    with peer_broker(folder) as (pki, broker, sub):
        cfg = site_config(folder / "site", broker, pki)
        site = folder / "site"
        db, ledger = site / "store.db", site / "audit.db"
        log = folder / "child.log"
        acked_reads: set[str] = set()
        acked_ledger: dict[int, str] = {}
        for cycle in range(1, cycles + 1):
            ack = folder / "acks" / f"{cycle:04d}.ack"
            ack.parent.mkdir(exist_ok=True)
            rate = rng.choice((300, 600, 1200))  # reads/s: from mostly idle to mostly committing when killed
            proc = spawn(cfg, ack, "--seed", str(seed * 100000 + cycle), "--rate", str(rate), log=log)
            try:
                if rng.random() < 0.2:
                    time.sleep(rng.uniform(0.0, 1.5))
                else:
                    if not wait_for(lambda a=ack, p=proc: parse_acks(a).ready or p.poll() is not None, 60):
                        fig.problems.append(f"cycle {cycle}: the pipeline did not come up in 60 s")
                    time.sleep(rng.uniform(0.0, run_max))
                exited = proc.poll()
                if exited is None:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if exited is not None:
                fig.problems.append(f"cycle {cycle}: the pipeline exited by itself ({exited}):\n{tail(log)}")
            got = parse_acks(ack)
            if got.ready:
                fig.killed_running += 1
            else:
                fig.killed_before_ready += 1
            acked_reads.update(got.reads)
            acked_ledger.update(got.ledger)
            fig.cycles = cycle
            fig.acked_reads = len(acked_reads)
            fig.acked_ledger_entries = len(acked_ledger)
            if not db.exists() and not acked_reads:
                continue  # killed before the store was ever created
            if sabotage is not None:  # negative control: the checks below must notice
                sabotage(cycle, site, set(acked_reads))
            cli_now = bool(cli_every) and (cycle % cli_every == 0 or cycle == cycles)
            lost = "acknowledged reads are missing after the kill"
            if not check_after_kill(fig, cycle, db, ledger, cfg, acked_reads, lost=lost, cli_now=cli_now):
                break
            if ledger.exists():
                have = ledger_hashes(ledger)
                missing = {s for s, h in acked_ledger.items() if have.get(s) != h}
                if missing:
                    fig.ledger_entries_lost = len(missing)
                    fig.problems.append(
                        f"cycle {cycle}: acknowledged ledger entries {sorted(missing)[:5]} changed/lost"
                    )
            elif acked_ledger:
                fig.problems.append(f"cycle {cycle}: the ledger file is gone")
            if fig.problems:
                break
            if log_every and cycle % log_every == 0:
                print(f"sigkill: {cycle}/{cycles} cycles, {fig.acked_reads} acked reads, 0 lost", file=sys.stderr)
        if not fig.problems:
            drain_and_compare(cfg, folder, sub, fig, timeout=600)
            final = cli("audit", "verify", "--config", str(cfg))
            fig.cli_verify_runs += 1
            if final.returncode != 0:
                fig.cli_verify_failures += 1
                fig.problems.append(f"final edge-alpr audit verify exit {final.returncode}: {final.stderr}")
    fig.seconds = round(time.monotonic() - started, 1)
    return fig


# -- (1b) SIGKILL of the real `edge-alpr run` on the shipped models and sample clip ---------------------


@dataclass
class RunCliFigures(SurvivalFigures):
    cycles: int = 0
    ended_before_kill: int = 0
    completed_runs: int = 0  # the clip run to its end after the last kill
    reads_acked_by_peer: int = 0  # reads the peer received before a kill: committed outside doubt


def sigkill_run_cli(folder: Path, cycles: int, *, seed: int = 13, run_max: float = 8.0) -> RunCliFigures:
    """`edge-alpr -v run --no-pace` on the sample clip with a grant to the peer, SIGKILLed at random moments.
    `run` reports nothing durable outside itself, so the acknowledgement is the peer's: a read the peer
    received was published from a committed outbox row, committed with the read. After each kill every
    such read must be in the store, integrity_check ok, the ledger verifying. Needs the shipped models."""
    det = ROOT / "models" / "plate-det-v1.onnx"
    clip = ROOT / "samples" / "sample.mp4"
    if not det.exists() or not clip.exists():
        raise Unavailable(f"needs the shipped detector {det.name} and {clip.name}, not there yet")
    rng = random.Random(seed)
    fig = RunCliFigures()
    started = time.monotonic()
    extra = f"""
cameras:
  - name: cam1
    source: {clip}
health:
  port: 0
"""
    with peer_broker(folder) as (pki, broker, sub):
        cfg = site_config(folder / "site", broker, pki, extra=extra)
        site = folder / "site"
        db, ledger = site / "store.db", site / "audit.db"
        log = folder / "run.log"
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        for cycle in range(1, cycles + 1):
            with log.open("ab") as err:
                proc = subprocess.Popen(
                    [*EDGE, "-v", "run", "--config", str(cfg), "--no-pace"],
                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err,
                )  # fmt: skip
            try:
                try:
                    proc.wait(rng.uniform(0.5, run_max))
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            fig.cycles = cycle
            if proc.returncode != -signal.SIGKILL:
                fig.ended_before_kill += 1
                if proc.returncode != 0:
                    fig.problems.append(f"cycle {cycle}: edge-alpr run exited {proc.returncode}:\n{tail(log)}")
                    break
            acked = set(received_ids(sub.payloads()))
            fig.reads_acked_by_peer = len(acked)
            if not db.exists():
                continue
            lost = "reads the peer received are not in the store"
            cli_now = cycle % 5 == 0 or cycle == cycles
            if not check_after_kill(fig, cycle, db, ledger, cfg, acked, lost=lost, cli_now=cli_now):
                break
            if fig.problems:
                break
        if not fig.problems:
            # after the last kill, one run to the end of the clip: it must start over the killed files
            with log.open("ab") as err:
                done = subprocess.run(
                    [*EDGE, "-v", "run", "--config", str(cfg), "--no-pace"],
                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, timeout=900, check=False,
                )  # fmt: skip
            fig.completed_runs = 1 if done.returncode == 0 else 0
            if done.returncode != 0:
                fig.problems.append(f"edge-alpr run after the kills exited {done.returncode}:\n{tail(log)}")
            elif integrity(db) != "ok":
                fig.integrity_failures += 1
                fig.problems.append(f"store integrity_check after the final run: {integrity(db)}")
            elif not verify(ledger)[0]:
                fig.ledger_verify_failures += 1
                fig.problems.append(f"ledger does not verify after the final run: {verify(ledger)[1]}")
        if not fig.problems:
            drain_and_compare(cfg, folder, sub, fig)
    fig.seconds = round(time.monotonic() - started, 1)
    return fig


# -- (2) broker stopped and started while publishing -------------------------------------------------


@dataclass
class BrokerFigures:
    restarts: int = 0
    reads_stored: int = 0
    delivered_unique: int = 0
    delivered_total: int = 0
    duplicates: int = 0
    reads_undelivered: int = 0
    publisher_connects: int = 0
    integrity_failures: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def broker_restarts(folder: Path, restarts: int, *, seed: int = 2, rate: float = 150.0) -> BrokerFigures:
    """The pipeline publishes reads continuously while the real broker is stopped (SIGTERM, it saves
    its persistence) and started again `restarts` times. Then: no stored read missing at the peer."""
    rng = random.Random(seed)
    fig = BrokerFigures()
    started = time.monotonic()
    with peer_broker(folder) as (pki, broker, sub):
        cfg = site_config(folder / "site", broker, pki)
        log = folder / "child.log"
        ack = folder / "run.ack"
        proc = spawn(cfg, ack, "--rate", str(rate), "--max-seconds", "3600", "--seed", str(seed), log=log)
        try:
            if not wait_for(lambda: parse_acks(ack).ready or proc.poll() is not None, 60):
                fig.problems.append("the pipeline did not come up")
            for i in range(1, restarts + 1):
                before = len(sub.payloads())
                # let some reads through (bounded wait; the figure does not depend on how many)
                wait_for(lambda b=before: len(sub.payloads()) > b + 5, 10, 0.05)
                time.sleep(rng.uniform(0.0, 0.5))
                broker.stop()
                time.sleep(rng.uniform(0.2, 1.0))  # reads keep coming into the outbox meanwhile
                broker.start()
                fig.restarts = i
                if proc.poll() is not None:
                    fig.problems.append(f"the pipeline died during restart {i}:\n{tail(log)}")
                    break
            proc.send_signal(signal.SIGTERM)
            if proc.wait(60) != 0:
                fig.problems.append(f"the pipeline exited {proc.returncode} on SIGTERM:\n{tail(log)}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        db = folder / "site" / "store.db"
        check = integrity(db)
        if check != "ok":
            fig.integrity_failures += 1
            fig.problems.append(f"store integrity_check: {check}")
        drain_and_compare(cfg, folder, sub, fig)
        fig.publisher_connects = tail(log, 10**8).count(f"share {PEER}: connected to")
    fig.seconds = round(time.monotonic() - started, 1)
    return fig


# -- (3) disk full -----------------------------------------------------------------------------------


class Unavailable(Exception):
    """The scenario cannot run here (e.g. no permission to mount); the reason says what is missing."""


@contextlib.contextmanager
def small_filesystem(folder: Path, size_kib: int, fs: str = "tmpfs") -> Iterator[tuple[Path, str]]:
    """A size-limited file system mounted at `folder` (needs root): a tmpfs, or an ext4 image on a loop
    device (the SD card's file system). Yields (mount point, description)."""
    folder.mkdir(parents=True, exist_ok=True)
    image = folder.parent / f".{folder.name}.ext4"
    if fs == "ext4":
        steps = [
            ["truncate", "-s", f"{size_kib}K", str(image)],
            ["mkfs.ext4", "-q", "-F", "-m", "0", str(image)],  # -m 0: no blocks reserved for root
            ["mount", "-o", "loop", str(image), str(folder)],
        ]
        what = f"ext4 image of {size_kib} KiB on a loop device"
    else:
        steps = [["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(folder)]]
        what = f"tmpfs of {size_kib} KiB"
    for cmd in steps:
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
        except OSError as exc:
            raise Unavailable(f"cannot run {cmd[0]}: {exc}") from None
        if res.returncode != 0:
            image.unlink(missing_ok=True)
            raise Unavailable(f"cannot make a {what} (root needed): {cmd[0]}: {res.stderr.strip()}")
    try:
        yield folder, what
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False, timeout=60)
        image.unlink(missing_ok=True)


@dataclass
class DiskFigures:
    filesystem: str = ""
    acked_reads: int = 0
    refused_disk_low: int = 0  # refused up front by the store's min_free_mb check
    failed_enospc: int = 0  # accepted, then the database refused the batch (disk full) and counted it
    ledger_appends_refused: int = 0  # LedgerError while full (fail closed)
    reads_after_recovery: int = 0
    reads_lost: int = 0
    integrity: str = ""
    ledger_ok: bool = False
    recovered: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fill(path: Path) -> int:
    """Write `path` until the file system is full; returns bytes written."""
    written = 0
    chunk = b"\0" * 16384
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        while True:
            try:
                n = os.write(fd, chunk)
            except OSError:
                break
            if n <= 0:
                break
            written += n
    finally:
        os.close(fd)
    return written


def disk_full(
    folder: Path, *, size_kib: int = 6144, batches: int = 40, seed: int = 3, fs: str = "tmpfs"
) -> DiskFigures:
    """Store and ledger on a small tmpfs. Fill the disk: with min_free_mb=1 reads are refused up front
    (counted); with min_free_mb=0 they reach SQLite, which fails the batch (ENOSPC, counted); ledger
    appends fail closed. Free the space: writing resumes. Nothing acknowledged is lost, integrity holds."""
    from edge.audit.events import Action, Actor
    from edge.audit.ledger import LedgerError, open_ledger
    from edge.config import load_config
    from edge.store import Store
    from edge_tools.chaos.chaos_child import synthetic_read

    rng = random.Random(seed)
    fig = DiskFigures()
    started = time.monotonic()
    with small_filesystem(folder, size_kib, fs) as (mnt, what):
        fig.filesystem = what
        cfg = load_config(site_config(mnt / "site", None, None))
        db = Path(cfg.store.path)
        actor = Actor.system(cfg.node_id)
        acked: set[str] = set()
        n = 0

        def batch(store: Store, k: int = 20) -> tuple[int, int]:
            """Write k reads and flush: (accepted and committed, not stored)."""
            nonlocal n
            before = store.stats
            ids = []
            for _ in range(k):
                r = synthetic_read(rng, "chaos", n)
                n += 1
                if store.write(r):
                    ids.append(r.id)
            store.flush()
            after = store.stats
            bad = (after.failed - before.failed) + (after.refused - before.refused)
            if bad == 0:
                acked.update(ids)
                return len(ids), 0
            return 0, bad

        with open_ledger(cfg) as ledger, Store.from_config(cfg) as store:
            for _ in range(5):
                batch(store)
            ledger.append(Action.STARTUP, actor, {"phase": "before full"})
            ballast = mnt / "ballast"
            _fill(ballast)
            # phase A: min_free_mb=1 refuses reads before they are queued
            store.min_free_mb = 1
            for _ in range(3):
                batch(store)
            fig.refused_disk_low = store.stats.refused_by_reason.get("disk_low", 0)
            # phase B: no margin: the database itself hits ENOSPC
            for _ in range(batches):
                store.min_free_mb = 0  # re-checks free space now: every batch goes on to meet ENOSPC itself
                batch(store)
                _fill(ballast)  # whatever SQLite freed (WAL reset) is taken again
                with contextlib.suppress(LedgerError):
                    ledger.append(Action.STARTUP, actor, {"phase": "full"})
                    continue
                fig.ledger_appends_refused += 1
            st = store.stats
            fig.failed_enospc = st.failed
            fig.refused_disk_low = st.refused_by_reason.get("disk_low", 0)
            # recovery: space returns; the store notices on its own (disk check once a second)
            ballast.unlink()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and fig.reads_after_recovery < 200:
                ok, _bad = batch(store)
                fig.reads_after_recovery += ok
                if not ok:
                    time.sleep(0.1)
            fig.recovered = fig.reads_after_recovery >= 200
            try:
                ledger.append(Action.SHUTDOWN, actor, {"phase": "recovered"})
            except LedgerError as exc:
                fig.problems.append(f"ledger still refuses appends after recovery: {exc}")
        fig.acked_reads = len(acked)
        fig.integrity = integrity(db)
        fig.reads_lost = len(acked - read_ids(db))
        fig.ledger_ok, message = verify(db.parent / "audit.db")
        if fig.integrity != "ok":
            fig.problems.append(f"store integrity_check after disk full: {fig.integrity}")
        if fig.reads_lost:
            fig.problems.append(f"{fig.reads_lost} acknowledged reads lost")
        if not fig.ledger_ok:
            fig.problems.append(f"ledger does not verify after disk full: {message}")
        if not fig.recovered:
            fig.problems.append(f"writing did not resume after space returned ({fig.reads_after_recovery} reads)")
        if fig.refused_disk_low == 0:
            fig.problems.append("min_free_mb did not refuse any read on a full disk")
        if fig.failed_enospc == 0:
            fig.problems.append("the database never hit ENOSPC: the disk was not full")
    fig.seconds = round(time.monotonic() - started, 1)
    return fig


# -- (4) corrupt input -------------------------------------------------------------------------------


@dataclass
class InputCase:
    name: str
    outcome: str  # "refused" (clear InputError), "read" (frames and counted errors), "crash"
    frames: int = 0
    decode_errors: int = 0
    disconnects: int = 0
    detail: str = ""


@dataclass
class CorruptFigures:
    cases: list[InputCase] = field(default_factory=list)
    frames_bad: int = 0  # unusable frames fed in on purpose
    frames_bad_counted: int = 0  # ... of which counted (decode_errors, recognition errors)
    cli_runs: int = 0
    cli_tracebacks: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def crashes(self) -> int:
        return sum(c.outcome == "crash" for c in self.cases)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["crashes"] = self.crashes
        return d


def _clip(path: Path, fourcc: str, frames: int = 60, seed: int = 0) -> Path:
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), 15.0, (160, 120))
    if not writer.isOpened():
        raise Unavailable(f"OpenCV cannot write {fourcc} video here")
    for i in range(frames):
        img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
        img[40:80, (i * 2) % 120 : (i * 2) % 120 + 40] = 255
        writer.write(img)
    writer.release()
    return path


def _variants(clip: Path, out: Path, rng: random.Random) -> dict[str, Path]:
    data = clip.read_bytes()
    n = len(data)
    made: dict[str, bytes] = {
        "empty": b"",
        "garbage": rng.randbytes(64 * 1024),
        "truncated-25%": data[: n // 4],
        "truncated-50%": data[: n // 2],
        "truncated-90%": data[: n * 9 // 10],
        "header-then-garbage": data[: n // 10] + rng.randbytes(n - n // 10),
        "zeroed-middle": data[: n // 3] + b"\0" * (n // 3) + data[2 * n // 3 :],
    }
    rot = bytearray(data)
    for _ in range(300):
        rot[rng.randrange(n // 10, n)] ^= 1 << rng.randrange(8)
    made["bit-rot-300"] = bytes(rot)
    paths = {}
    for name, blob in made.items():
        p = out / f"{clip.stem}-{name}{clip.suffix}"
        p.write_bytes(blob)
        paths[f"{clip.suffix[1:]} {name}"] = p
    return paths


def _read_source(name: str, make: Any) -> InputCase:
    from edge.errors import InputError

    try:
        src = make()
    except InputError as exc:
        return InputCase(name, "refused", detail=str(exc).split(": ", 1)[-1][:80])
    except Exception as exc:  # noqa: BLE001 - anything but a clear refusal is the crash being counted
        return InputCase(name, "crash", detail=f"{type(exc).__name__}: {exc}")
    try:
        frames = sum(1 for _ in src.frames())
    except Exception as exc:  # noqa: BLE001
        return InputCase(name, "crash", detail=f"{type(exc).__name__}: {exc}")
    finally:
        src.close()
    stats = src.stats
    if frames != stats.frames:
        return InputCase(name, "crash", frames, stats.decode_errors, detail="frames yielded != frames counted")
    return InputCase(name, "read", frames, stats.decode_errors, int(getattr(stats, "disconnects", 0)))


class ScriptedCapture:
    """Stands in for cv2.VideoCapture: returns the scripted (ok, image) pairs, then (False, None)."""

    def __init__(self, script: list[tuple[bool, Any]]) -> None:
        self.script = list(script)

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def read(self) -> tuple[bool, Any]:
        return self.script.pop(0) if self.script else (False, None)

    def get(self, _prop: int) -> float:
        return 0.0

    def set(self, _prop: int, _value: float) -> bool:
        return True

    def release(self) -> None:
        self.script = []


def bad_images() -> dict[str, Any]:
    import numpy as np

    return {
        "None": None,
        "empty 0x0x3": np.empty((0, 0, 3), np.uint8),
        "float32": np.zeros((120, 160, 3), np.float32),
        "uint16": np.zeros((120, 160, 3), np.uint16),
        "grey 2-D": np.zeros((120, 160), np.uint8),
        "4-channel": np.zeros((120, 160, 4), np.uint8),
        "tiny 8x8": np.zeros((8, 8, 3), np.uint8),
        "1-D": np.zeros(57600, np.uint8),
        "not an array": b"\xff\xd8",
    }


def corrupt_inputs(folder: Path, *, seed: int = 4, cli_limit: int = 100) -> CorruptFigures:
    """Broken video files, image folders with broken images, cameras returning unusable or empty frames
    and unusable frames inside the runtime: every case ends in a clear refusal or counted errors."""
    import cv2
    import numpy as np

    from edge.capture import FileSource, ImageFolderSource, LiveSource, open_source
    from edge.capture.live import MAX_BAD_FRAMES

    rng = random.Random(seed)
    fig = CorruptFigures()
    started = time.monotonic()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for fourcc, suffix in (("MJPG", ".avi"), ("mp4v", ".mp4")):
        files.update(_variants(_clip(folder / f"clip{suffix}", fourcc), folder, rng))
    for name, path in files.items():
        fig.cases.append(_read_source(name, lambda p=path: open_source(p)))

    # an image folder: good frames, and a zero-byte, a garbage, a truncated and a tiny image
    imgs = folder / "images"
    imgs.mkdir()
    good = cv2.imencode(".jpg", np.full((120, 160, 3), 90, np.uint8))[1].tobytes()
    for i in range(5):
        (imgs / f"{i:03d}-good.jpg").write_bytes(good)
    (imgs / "100-zero.jpg").write_bytes(b"")
    (imgs / "101-garbage.jpg").write_bytes(rng.randbytes(5000))
    (imgs / "102-half.jpg").write_bytes(good[: len(good) // 2])
    cv2.imwrite(str(imgs / "103-tiny.png"), np.zeros((8, 8, 3), np.uint8))
    case = _read_source("image folder with broken images", lambda: ImageFolderSource(imgs))
    fig.cases.append(case)
    if case.outcome == "read" and case.frames + case.decode_errors != 9:
        fig.problems.append(f"image folder: {case.frames} frames + {case.decode_errors} errors != 9 files")

    # a camera whose driver hands back unusable frames, then 30 empty ones in a row, then good ones
    bad = bad_images()
    good_img = np.full((120, 160, 3), 50, np.uint8)
    script: list[tuple[bool, Any]] = [(True, good_img)]
    for img in bad.values():
        script += [(True, img), (True, good_img)]
    script += [(True, np.empty((0, 0, 3), np.uint8))] * 30 + [(True, good_img)] * 3
    n_good_live = 1 + len(bad) + 3

    class ScriptedCamera(LiveSource):
        opened = 0

        def _open(self) -> Any:
            self.opened += 1
            return ScriptedCapture(script if self.opened == 1 else [(True, good_img)] * 2)

    cam = ScriptedCamera("/dev/video0", "cam", backoff_initial=0.01, backoff_max=0.02)
    got: list[Any] = []
    try:
        for frame in cam.frames():
            got.append(frame)
            if len(got) >= n_good_live - 1 + 2:  # all good frames but the last one lost with the reopen, + 2
                cam.close()
    except Exception as exc:  # noqa: BLE001
        fig.cases.append(InputCase("camera with unusable frames", "crash", detail=f"{type(exc).__name__}: {exc}"))
    else:
        st = cam.live_stats
        fig.cases.append(InputCase("camera with unusable frames", "read", st.frames, st.decode_errors, st.disconnects))
        # the MAX_BAD_FRAMES-th unusable frame in a row counts as a lost connection and the camera is
        # reopened: the rest of that connection is never read
        read_bad = len(bad) + MAX_BAD_FRAMES
        fig.frames_bad += read_bad
        fig.frames_bad_counted += st.decode_errors
        if st.decode_errors != read_bad or st.disconnects < 1:
            fig.problems.append(
                f"camera: {st.decode_errors} decode errors (expected {read_bad}), {st.disconnects} reconnects"
            )

    # a file whose decoder hands back unusable frames (same counting path as a corrupt stream)
    clip = folder / "clip.avi"
    src = FileSource(clip)
    src._first = None
    src._cap.release()
    scripted = [(True, img) for img in bad.values()] + [(True, good_img)] * 3
    src._cap = ScriptedCapture(scripted)  # type: ignore[assignment]
    src.frame_count = len(bad) + 3
    case = _read_source("file decoder with unusable frames", lambda: src)
    fig.cases.append(case)
    fig.frames_bad += len(bad)
    fig.frames_bad_counted += case.decode_errors
    if case.decode_errors != len(bad) or case.frames != 3:
        fig.problems.append(
            f"file decoder: {case.frames} frames, {case.decode_errors} errors, expected 3 and {len(bad)}"
        )

    # a network camera that sends empty and garbage JPEG parts (real MJPEG server, real FFmpeg demuxer)
    from edge_tools.harness.mjpeg_server import MjpegServer, numbered_frames

    parts = numbered_frames(4) + [b""] * 3 + [b"\xff\xd8not a jpeg\xff\xd9"] * 3 + numbered_frames(4)
    with MjpegServer(parts, fps=200) as srv:
        stream = LiveSource(srv.url, "ipcam", open_timeout=5, read_timeout=0.5, backoff_initial=0.01, backoff_max=0.05)
        n = 0
        try:
            for _ in stream.frames():
                n += 1
                if n >= 12:
                    stream.close()
        except Exception as exc:  # noqa: BLE001
            fig.cases.append(InputCase("stream with empty JPEG parts", "crash", detail=f"{type(exc).__name__}: {exc}"))
        else:
            st = stream.live_stats
            fig.cases.append(
                InputCase("stream with empty JPEG parts", "read", st.frames, st.decode_errors, st.disconnects)
            )
            if st.disconnects + st.decode_errors == 0:
                fig.problems.append("stream with empty parts: nothing counted")

    # unusable frames reaching the runtime itself (a source that does not check): no crash, worker lives on
    fig.cases.append(_runtime_with_bad_frames(bad))
    if cli_limit:
        _cli_on_bad_files(fig, dict(list(files.items())[:: max(1, len(files) // cli_limit)][:cli_limit]))
    for c in fig.cases:
        if c.outcome == "crash":
            fig.problems.append(f"{c.name}: crash: {c.detail}")
    if fig.frames_bad_counted != fig.frames_bad:
        fig.problems.append(f"{fig.frames_bad - fig.frames_bad_counted} unusable frames were not counted")
    fig.seconds = round(time.monotonic() - started, 1)
    return fig


def _runtime_with_bad_frames(bad: dict[str, Any]) -> InputCase:
    """CameraWorker with the real motion gate on its own thread, fed Frames holding unusable images."""
    from datetime import UTC, datetime

    import numpy as np

    from edge.capture.base import SourceStats
    from edge.config.pipeline import GateConfig
    from edge.gate import make_gate
    from edge.pipeline import StageTimes
    from edge.runner import CameraWorker
    from edge.types import Frame, Read, Region

    images = (
        [np.full((120, 160, 3), 60, np.uint8)] * 3 + list(bad.values()) + [np.full((240, 320, 3), 60, np.uint8)] * 3
    )

    class Frames:
        camera, fps, stats = "cam", 30.0, SourceStats()

        def frames(self) -> Iterator[Frame]:
            for i, img in enumerate(images):
                yield Frame(camera="cam", index=i, ts=datetime.now(UTC), image=img, live=False)

        def close(self) -> None:
            return None

    class GateOnly:
        times = StageTimes()
        gate = make_gate(GateConfig())

        def regions(self, frame: Frame) -> list[Region]:
            return self.gate.predict(frame)

        def process(self, frame: Frame, regions: list[Region] | None = None) -> list[Read]:
            return []

        def finish(self) -> list[Read]:
            return []

    worker = CameraWorker(
        "cam",
        Frames(),
        GateOnly(),
        lambda _r: True,
        drop_oldest=False,
        gate_thread=True,
    )
    worker.start()
    if not worker.join(60):
        worker.stop()
        return InputCase("runtime fed unusable frames", "crash", detail="worker did not finish")
    s = worker.snapshot()
    name = "runtime fed unusable frames directly"
    if worker.capture_error or s.processed + s.errors != len(images):
        return InputCase(name, "crash", s.processed, s.errors, detail=f"processed {s.processed}, errors {s.errors}")
    # frames the motion gate cannot take are counted as errors; the rest pass the gate (sources drop
    # them before this point: edge.capture.files.valid_frame)
    return InputCase(name, "read", s.processed, s.errors, detail=f"{s.errors} of {len(bad)} counted as errors")


def _cli_on_bad_files(fig: CorruptFigures, files: dict[str, Path]) -> None:
    """`edge-alpr replay` on every broken file: exit 0 (with counted errors) or 2 (refused), never a traceback.
    Without the shipped detector model the files that open cannot be replayed; those are skipped."""
    det = ROOT / "models" / "plate-det-v1.onnx"
    for name, path in files.items():
        res = cli("replay", str(path), "--db", str(path.parent / "cli.db"), "--json", "--quiet", timeout=300)
        fig.cli_runs += 1
        if "Traceback" in res.stderr:
            fig.cli_tracebacks += 1
            fig.problems.append(f"edge-alpr replay {name}: traceback:\n{res.stderr[-2000:]}")
        elif res.returncode not in (0, 2) and not (not det.exists() and "plate-det" in res.stderr):
            fig.problems.append(f"edge-alpr replay {name}: exit {res.returncode}: {res.stderr[-500:]}")


# -- (5) fuzzing: configs and MQTT search payloads ---------------------------------------------------


@dataclass
class FuzzFigures:
    config_examples: int = 0
    config_valid: int = 0
    config_refused: int = 0  # ConfigError naming the file (and line when there is one)
    config_unclear: int = 0  # ConfigError whose message does not start with the file name
    search_examples: int = 0
    search_replies: dict[str, int] = field(default_factory=dict)
    raw_payloads: int = 0
    raw_replies: int = 0
    atheris_runs: dict[str, int] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


YAML_ODDITIES = [
    "null", "~", "''", '""', "[", "]", "{", "}", "- x", "*a", "&a x", "!!binary aGk=", "!!python/object:os.system",
    "!!float x", "<<: {}", "-1", "0", "1e999", ".nan", "-.inf", "0x10", "0o7", "1_000", "2026-13-45", "12:30:00",
    "yes", "no", "on", "off", "'", '"', "|", ">", "%TAG", "---", "...", "\t", "?", "@", "`", "{a: [b, {c: d}]}",
    "[1, 2, 3]", "-5s", "0d", "99999999999d", "1h30m", "abc/def", "/dev/null", "rtsp://u:p@h/s", "(", "^[",
]  # fmt: skip


def config_texts() -> Any:
    """Hypothesis strategy: mutations of config/example.yaml, schema-shaped random YAML, and any text."""
    import yaml
    from hypothesis import strategies as st
    from pydantic import BaseModel

    from edge.config.model import Config

    lines = (ROOT / "config" / "example.yaml").read_text(encoding="utf-8").splitlines()
    scalars = st.one_of(
        st.sampled_from(YAML_ODDITIES),
        st.integers(-(10**12), 10**12).map(str),
        st.floats().map(repr),
        st.text(max_size=20),
    )

    @st.composite
    def mutated(draw: Any) -> str:
        out = list(lines)
        for _ in range(draw(st.integers(1, 6))):
            if not out:
                break
            i = draw(st.integers(0, len(out) - 1))
            op = draw(st.sampled_from(["value", "value", "delete", "duplicate", "indent", "insert", "cut", "key"]))
            line = out[i]
            if op == "value" and ":" in line:
                out[i] = line.split(":", 1)[0] + ": " + draw(scalars)
            elif op == "delete":
                del out[i]
            elif op == "duplicate":
                out.insert(i, line)
            elif op == "indent":
                out[i] = " " * draw(st.integers(0, 7)) + line.lstrip()
            elif op == "insert":
                out.insert(i, draw(scalars))
            elif op == "cut":
                out[i] = line[: draw(st.integers(0, len(line)))]
            elif op == "key" and ":" in line:
                key, rest = line.split(":", 1)
                out[i] = key[: len(key) - len(key.lstrip())] + draw(st.text(min_size=1, max_size=12)) + ":" + rest
        return "\n".join(out) + "\n"

    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**15), 10**15),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(YAML_ODDITIES),
    )
    values = st.recursive(
        leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=6
    )

    def shaped(model: type[BaseModel], depth: int) -> Any:
        fields: dict[str, Any] = {}
        for name, f in model.model_fields.items():
            ann = f.annotation
            args = typing.get_args(ann)
            if depth < 3 and isinstance(ann, type) and issubclass(ann, BaseModel):
                fields[name] = st.one_of(shaped(ann, depth + 1), values)
            elif (
                depth < 3
                and typing.get_origin(ann) is list
                and args
                and isinstance(args[0], type)
                and issubclass(args[0], BaseModel)
            ):
                fields[name] = st.one_of(st.lists(shaped(args[0], depth + 1), max_size=3), values)
            else:
                fields[name] = values
        return st.fixed_dictionaries({}, optional=fields)

    structured = shaped(Config, 0).map(lambda d: yaml.safe_dump(d, allow_unicode=True))
    return st.one_of(mutated(), mutated(), structured, st.text(max_size=300))


def fuzz_run(seed: int, examples: int) -> Any:
    """The hypothesis settings every fuzz here runs with: seeded, `examples` generated inputs, no
    shrinking, example database or deadline (a finding is reported, not minimised)."""
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis import seed as hseed

    def apply(test: Any) -> Any:
        return hseed(seed)(
            settings(
                max_examples=examples,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(test)
        )

    return apply


def fuzz_configs(folder: Path, examples: int, fig: FuzzFigures, *, seed: int = 5) -> None:
    """Every text: load_config returns a Config or raises ConfigError naming the file; anything else is a crash."""
    from hypothesis import given

    from edge.config import ConfigError, load_config

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fuzzed.yaml"

    @fuzz_run(seed, examples)
    @given(config_texts())
    def one(text: str) -> None:
        fig.config_examples += 1
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            load_config(path)
        except ConfigError as exc:
            fig.config_refused += 1
            if not exc.messages or not all(m.startswith(str(path)) for m in exc.messages):
                fig.config_unclear += 1
                if fig.config_unclear <= 3:
                    fig.problems.append(f"config error without file name: {exc.messages!r:.300}")
        except Exception as exc:  # noqa: BLE001 - the crash being counted
            fig.crashes.append(f"load_config: {type(exc).__name__}: {exc!s:.200} for text {text[:200]!r}")
        else:
            fig.config_valid += 1

    one()


SEARCH_KEYS = ["request_id", "purpose", "case", "reason", "requester", "on_behalf_of", "user", "plate", "pattern"]
SEARCH_KEYS += ["since", "until", "camera", "limit"]
PLAUSIBLE = [
    "stolen-vehicle", "immigration", "SPRINGFIELD-PD", "Springfield PD", "ICE", "2026-00123", "ZZ00001", "ZZ*",
    "Z?0001", "[A-Z]*", "2026-01-01T00:00:00Z", "2026-13-45", "yesterday", "chaos", "", " ", "%", "*", "' OR 1=1 --",
]  # fmt: skip


def fuzz_search(folder: Path, examples: int, fig: FuzzFigures, *, seed: int = 6, raw: int = 200) -> None:
    """MQTT remote-search requests: the handler answers (ok, denied or error) and never raises; raw payloads
    through the publisher's own request loop each get a reply."""
    from hypothesis import given
    from hypothesis import strategies as st

    from edge.audit.ledger import open_ledger
    from edge.config import load_config
    from edge.share.publisher import PeerPublisher
    from edge.share.remote import make_search_handler
    from edge.store import Store
    from edge_tools.chaos.chaos_child import synthetic_read

    folder.mkdir(parents=True, exist_ok=True)
    pki = Pki(folder / "pki")
    cfg = load_config(site_config(folder / "site", None, pki, search=True, broker_url="mqtts://127.0.0.1:1"))
    rng = random.Random(seed)
    with Store.from_config(cfg) as store:
        for i in range(20):
            store.write(synthetic_read(rng, "chaos", i))
        store.flush()
    grant = cfg.sharing.peers[0]
    handler = make_search_handler(cfg, lambda: open_ledger(cfg))
    edges = st.sampled_from([float("inf"), float("-inf"), float("nan"), 10**30, -(10**30), -1, 0, 2**63, 1.5, True])
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.sampled_from(PLAUSIBLE), edges
    )
    jsonish = st.recursive(
        leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3), max_leaves=5
    )
    valid = {
        "request_id": "r-1", "purpose": "stolen-vehicle", "case": "2026-00123", "requester": "SPRINGFIELD-PD",
        "reason": "Vehicle reported stolen from the Elm St lot", "user": "officer1", "plate": "ZZ00001",
    }  # fmt: skip
    one_field_off = st.builds(
        lambda changes, drop: {**{k: v for k, v in valid.items() if k not in drop}, **changes},
        st.dictionaries(st.sampled_from(SEARCH_KEYS), st.one_of(st.sampled_from(PLAUSIBLE), leaves), max_size=2),
        st.sets(st.sampled_from(list(valid)), max_size=2),
    )
    requests = st.one_of(
        one_field_off,
        one_field_off,
        st.fixed_dictionaries({}, optional={k: st.one_of(st.sampled_from(PLAUSIBLE), jsonish) for k in SEARCH_KEYS}),
        st.dictionaries(st.text(max_size=10), jsonish, max_size=5),
    )

    @fuzz_run(seed, examples)
    @given(requests)
    def one(req: dict[str, Any]) -> None:
        fig.search_examples += 1
        if fig.search_examples % 5:  # most signed as peer-a signs (a fresh id each), so they reach the parsing
            req = signed({**req, "request_id": f"r-{fig.search_examples}"})
        try:
            reply = handler(grant, req)
            json.dumps(reply, sort_keys=True)
        except Exception as exc:  # noqa: BLE001 - the crash being counted
            fig.crashes.append(f"search handler: {type(exc).__name__}: {exc!s:.200} for {req!r:.300}")
            return
        status = str(reply.get("status"))
        fig.search_replies[status] = fig.search_replies.get(status, 0) + 1
        if status not in ("ok", "denied", "error"):
            fig.problems.append(f"search reply with status {status!r}")

    one()

    # raw bytes through the real publisher's request loop (no broker needed: its client is replaced)
    class Client:
        def __init__(self) -> None:
            self.sent: list[bytes] = []

        def publish(self, _topic: str, payload: bytes, qos: int = 0) -> None:
            self.sent.append(payload)

    pub = PeerPublisher(
        grant,
        cfg.store.path,
        node_id=cfg.node_id,
        ledger=lambda: open_ledger(cfg),
        actor="chaos",
        search_handler=handler,
    )
    client = Client()
    pub._client = client  # type: ignore[assignment]
    blobs = [rng.randbytes(rng.randrange(0, 200)) for _ in range(raw // 2)]
    blobs += [json.dumps(x).encode() for x in ([], 1, "x", None, {"a": 1}, [{"plate": "ZZ00001"}])]
    blobs += [b'{"limit": 1e999}', b'{"limit": NaN}', b'{"requester": "SPRINGFIELD-PD", "limit": -1}', b"\xff\xfe{"]
    while len(blobs) < raw:
        blobs.append(rng.choice(blobs)[: rng.randrange(0, 50)] + rng.randbytes(rng.randrange(0, 20)))
    for blob in blobs:
        fig.raw_payloads += 1
        before = len(client.sent)
        pub._requests.put_nowait(blob)
        try:
            pub._serve_requests()
        except Exception as exc:  # noqa: BLE001
            fig.crashes.append(f"publisher request loop: {type(exc).__name__}: {exc!s:.200} for {blob!r:.200}")
            continue
        if len(client.sent) == before + 1 and isinstance(json.loads(client.sent[-1]), dict):
            fig.raw_replies += 1
        else:
            fig.problems.append(f"no reply to payload {blob!r:.100}")


def fuzz(folder: Path, config_examples: int, search_examples: int, *, atheris_runs: int = 0) -> FuzzFigures:
    fig = FuzzFigures()
    started = time.monotonic()
    fuzz_configs(folder / "config", config_examples, fig)
    fuzz_search(folder / "search", search_examples, fig)
    if atheris_runs:
        run_atheris(folder / "atheris", atheris_runs, fig)
    fig.seconds = round(time.monotonic() - started, 1)
    return fig


def run_atheris(folder: Path, runs: int, fig: FuzzFigures) -> None:
    """Coverage-guided fuzzing with atheris (libFuzzer), when it is installed; each target in its own process."""
    folder.mkdir(parents=True, exist_ok=True)
    for target in ("config", "search"):
        res = subprocess.run(
            [sys.executable, "-m", "edge_tools.chaos.atheris_fuzz",
             target, str(folder), f"-runs={runs}", "-rss_limit_mb=2048"],
            capture_output=True, text=True, cwd=ROOT, timeout=3600, check=False,
        )  # fmt: skip
        if res.returncode == 3:
            fig.problems.append("atheris is not installed; coverage-guided fuzzing skipped")
            return
        done = [line for line in res.stderr.splitlines() if line.startswith("Done ")]
        fig.atheris_runs[target] = int(done[-1].split()[1]) if done else 0
        if res.returncode != 0:
            fig.crashes.append(f"atheris {target}: exit {res.returncode}: {res.stderr[-1500:]}")


# -- (6) tampering with the ledger and the store files -----------------------------------------------


@dataclass
class TamperCase:
    name: str
    target: str  # "ledger" or "store"
    needs: str  # what outside the device the detection needs ("" = nothing)
    detected: bool
    how: str  # verify problem / integrity_check text / CLI message


@dataclass
class TamperFigures:
    cases: list[TamperCase] = field(default_factory=list)
    cli_runs: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def detected(self) -> int:
        return sum(c.detected for c in self.cases)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["detected"] = self.detected
        return d


def _ledger_cases() -> list[tuple[str, str, Any]]:
    """(name, needs, tamper(path) -> extra verify args) for a ledger of 31 entries (genesis and 30 appended),
    checkpoints every 5.
    The edits are those of tests/audit (edge_tools.harness.ledger_attacks: attacker, rehash, rechain)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from edge.audit.checkpoint import sign_checkpoint, vkey
    from edge.audit.ledger import Ledger
    from edge_tools.harness.ledger_attacks import (
        attacker,
        delete_renumbered,
        insert_hashed,
        rechain,
        rehash,
        swap_entries,
    )

    def sql(statement: str) -> Any:
        def do(p: Path) -> list[str]:
            attacker(p).execute(statement)
            return []

        return do

    def edit_rehash(p: Path) -> list[str]:
        conn = attacker(p)
        conn.execute("UPDATE entries SET outcome = 'denied' WHERE seq = 7")
        rehash(conn, 7)
        return []

    def renumber(p: Path) -> list[str]:
        delete_renumbered(attacker(p), 7, 31)
        return []

    def insert(p: Path) -> list[str]:
        insert_hashed(attacker(p), 7, 31)
        return []

    def reorder(p: Path) -> list[str]:
        swap_entries(attacker(p), 7, 8)
        return []

    def truncate_with_witness(p: Path) -> list[str]:
        witness = Ledger(p, readonly=True).checkpoint_notes()[-1][2]
        conn = attacker(p)
        conn.execute("DELETE FROM entries WHERE seq > 8")
        conn.execute("DELETE FROM checkpoints WHERE size > 8")
        w = p.parent / "witness.txt"
        w.write_text(witness, encoding="utf-8")
        return ["--witness", str(w)]

    def rewrite_chain(p: Path) -> list[str]:
        conn = attacker(p)
        conn.execute("UPDATE entries SET outcome = 'denied' WHERE seq = 7")
        rechain(conn, 7)
        return []

    def swap_checkpoints(p: Path) -> list[str]:
        conn = attacker(p)
        n5 = conn.execute("SELECT note FROM checkpoints WHERE size = 5").fetchone()[0]
        n10 = conn.execute("SELECT note FROM checkpoints WHERE size = 10").fetchone()[0]
        conn.execute("UPDATE checkpoints SET note = ? WHERE size = 5", (n10,))
        conn.execute("UPDATE checkpoints SET note = ? WHERE size = 10", (n5,))
        return []

    def forged_checkpoint(p: Path) -> list[str]:
        origin = Ledger(p, readonly=True).origin
        conn = attacker(p)
        head = bytes(conn.execute("SELECT hash FROM entries WHERE seq = 10").fetchone()[0])
        forged = sign_checkpoint(Ed25519PrivateKey.generate(), origin, 10, head, "2026-11-27T00:00:00.000000Z")
        conn.execute("UPDATE checkpoints SET note = ? WHERE size = 10", (forged.note,))
        return []

    def bad_signature(p: Path) -> list[str]:
        conn = attacker(p)
        note = conn.execute("SELECT note FROM checkpoints WHERE size = 5").fetchone()[0]
        body, sig = note.split("\n\n")
        conn.execute("UPDATE checkpoints SET note = ? WHERE size = 5", (body + "\n\n" + sig[:-10] + "AAAAAAAAA\n",))
        return []

    def resigned(p: Path) -> list[str]:
        led = Ledger(p, readonly=True)
        pinned, origin = led.vkey, led.origin
        led.close(checkpoint=False)
        new = Ed25519PrivateKey.generate()
        conn = attacker(p)
        conn.execute("UPDATE entries SET outcome = 'denied' WHERE seq = 7")
        rechain(conn, 7)
        for size, ts, _head in conn.execute("SELECT size, ts, head FROM checkpoints").fetchall():
            head = bytes(conn.execute("SELECT hash FROM entries WHERE seq = ?", (size,)).fetchone()[0])
            note = sign_checkpoint(new, origin, size, head, ts).note
            conn.execute("UPDATE checkpoints SET note = ?, head = ? WHERE size = ?", (note, head, size))
        conn.execute("UPDATE meta SET value = ? WHERE key = 'vkey'", (vkey(origin, new.public_key()),))
        return ["--public-key", str(pinned)]

    def other_device(p: Path) -> list[str]:
        led = Ledger(p, readonly=True)
        pinned = led.vkey
        led.close(checkpoint=False)
        p.unlink()
        with Ledger(p, p.parent / "other.key", origin=led.origin, checkpoint_every=5) as other:
            for i in range(30):
                other.append("search", _actor(), {"i": i}, "allowed")
        return ["--public-key", str(pinned)]

    def overwrite_header(p: Path) -> list[str]:
        with p.open("r+b") as f:
            f.write(b"definitely not sqlite")
        return []

    def truncate_file(p: Path) -> list[str]:
        os.truncate(p, p.stat().st_size // 2)
        return []

    def delete_file(p: Path) -> list[str]:
        p.unlink()
        return []

    cases: list[tuple[str, str, Any]] = [
        ("entry detail edited", "", sql('UPDATE entries SET detail = \'{"purpose":"amber-alert"}\' WHERE seq = 7')),
    ]
    for col, value in (("user", "someone"), ("agency", "ICE"), ("action", "search_denied"), ("outcome", "denied")):
        cases.append((f"entry {col} edited", "", sql(f"UPDATE entries SET {col} = '{value}' WHERE seq = 3")))
    cases += [
        ("entry time edited", "", sql("UPDATE entries SET ts = '2026-01-01T00:00:00.000000Z' WHERE seq = 3")),
        ("entry edited and re-hashed", "", edit_rehash),
        ("entry deleted", "", sql("DELETE FROM entries WHERE seq = 7")),
        ("entry deleted, later ones renumbered", "", renumber),
        ("entry inserted with a valid hash", "", insert),
        ("two entries swapped", "", reorder),
        ("tail deleted (after the last checkpoint)", "", sql("DELETE FROM entries WHERE seq > 27")),
        ("tail and its checkpoints deleted", "a witness's checkpoint copy", truncate_with_witness),
        ("entry edited and the whole chain after it recomputed", "", rewrite_chain),
        ("checkpoint notes swapped", "", swap_checkpoints),
        ("checkpoint forged with another key", "", forged_checkpoint),
        ("checkpoint signature bytes altered", "", bad_signature),
        ("chain rewritten, re-signed and its recorded key replaced", "the pinned verifier key", resigned),
        ("ledger replaced by another device's intact ledger", "the pinned verifier key", other_device),
        ("ledger file header overwritten", "", overwrite_header),
        ("ledger file truncated to half", "", truncate_file),
        ("ledger file deleted", "", delete_file),
    ]
    return cases


def _actor() -> Any:
    from edge.audit.events import Actor

    return Actor("officer1", "SPRINGFIELD-PD")


def _store_cases() -> list[tuple[str, Any]]:
    def page_of(p: Path, table: str) -> tuple[int, int]:
        conn = sqlite3.connect(p)
        try:
            root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        finally:
            conn.close()
        return int(root), int(size)

    def flip_btree_header(p: Path) -> None:
        root, size = page_of(p, "reads")
        data = bytearray(p.read_bytes())
        off = (root - 1) * size
        data[off + 3] ^= 0xFF  # number of cells on the page
        data[off + 5] ^= 0x55  # start of the cell content area
        p.write_bytes(bytes(data))

    def header(p: Path) -> None:
        with p.open("r+b") as f:
            f.write(b"\0" * 16)

    def truncate(p: Path) -> None:
        os.truncate(p, p.stat().st_size // 2)

    def zero_page(p: Path) -> None:
        _root, size = page_of(p, "reads")
        data = bytearray(p.read_bytes())
        pages = len(data) // size
        mid = pages // 2
        data[mid * size : (mid + 1) * size] = b"\0" * size
        p.write_bytes(bytes(data))

    def plate_bytes(p: Path) -> None:
        """Edit a plate in the file's bytes (not through SQL): the plate index no longer matches."""
        data = p.read_bytes()
        i = data.find(b"ZZ", 4096)
        p.write_bytes(data[:i] + b"QQ" + data[i + 2 :])

    def random_pages(p: Path) -> None:
        _root, size = page_of(p, "reads")
        data = bytearray(p.read_bytes())
        rng = random.Random(9)
        for page in rng.sample(range(1, len(data) // size), min(20, len(data) // size - 1)):
            data[page * size + rng.randrange(0, 12)] ^= 0xFF  # a byte of each page's b-tree header
        p.write_bytes(bytes(data))

    return [
        ("reads table page header bytes flipped", flip_btree_header),
        ("database header zeroed", header),
        ("store file truncated to half", truncate),
        ("a page in the middle zeroed", zero_page),
        ("a plate edited in the file's bytes", plate_bytes),
        ("header bytes flipped on 20 random pages", random_pages),
    ]


def tamper(folder: Path, *, with_cli: bool = True, inprocess: bool = False) -> TamperFigures:
    """Every tamper case on a fresh copy: the ledger ones must make `edge-alpr audit verify` exit non-zero
    (and verify_ledger say not ok); the store ones must fail PRAGMA integrity_check and make
    `edge-alpr retention status --check` exit non-zero saying the file is damaged, not a traceback."""
    import shutil

    from edge.audit.ledger import LedgerError
    from edge.audit.verify import verify_ledger
    from edge_tools.harness.ledger_attacks import make_ledger

    fig = TamperFigures()
    started = time.monotonic()
    run_cli = cli_inprocess if inprocess else cli
    pristine = folder / "pristine"
    pristine.mkdir(parents=True)
    ledger, _key = make_ledger(pristine, 30, every=5)
    if not verify_ledger(ledger).ok:
        fig.problems.append("the untouched ledger does not verify")
    for i, (name, needs, do) in enumerate(_ledger_cases()):
        case = folder / f"ledger-{i:02d}"
        shutil.copytree(pristine, case)
        path = case / "audit.db"
        extra: list[str] = do(path)
        how = ""
        try:
            witness = tuple(Path(extra[1]).read_text().split("\0")) if extra[:1] == ["--witness"] else ()
            key = extra[1] if extra[:1] == ["--public-key"] else None
            res = verify_ledger(path, trusted_key=key, witness_notes=witness)
            found, how = not res.ok, f"{res.problem} at {res.first_bad_seq}"
        except LedgerError as exc:
            found, how = True, str(exc).split(": ", 1)[-1][:80]
        if with_cli:
            res_cli = run_cli(
                "audit", "verify", "--ledger", str(path), "--db", str(case / "store.db"), "--no-record", *extra
            )
            fig.cli_runs += 1
            if "Traceback" in res_cli.stderr:
                fig.problems.append(f"ledger case {name!r}: traceback from audit verify:\n{res_cli.stderr[-1500:]}")
            if res_cli.returncode == 0:
                found = False
                how += " (but audit verify exited 0)"
        fig.cases.append(TamperCase(name, "ledger", needs, found, how))

    store = pristine / "store.db"
    from edge.store import Store
    from edge_tools.chaos.chaos_child import synthetic_read

    rng = random.Random(8)
    with Store(store, min_free_mb=0) as s:
        for i in range(3000):
            s.write(synthetic_read(rng, "chaos", i))
        s.flush()
    conn = sqlite3.connect(store)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    if integrity(store) != "ok":
        fig.problems.append("the untouched store fails integrity_check")
    for i, (name, do) in enumerate(_store_cases()):
        case = folder / f"store-{i:02d}"
        case.mkdir()
        path = case / "store.db"
        shutil.copyfile(store, path)
        do(path)
        check = integrity(path)
        found, how = check != "ok", check[:100]
        if with_cli:
            res_cli = run_cli("retention", "status", "--check", "--db", str(path))
            fig.cli_runs += 1
            if "Traceback" in res_cli.stderr:
                found = False
                how += " (but retention status --check crashed with a traceback)"
            elif res_cli.returncode == 0 or "damaged" not in res_cli.stderr:
                found = False
                how += f" (but retention status --check exited {res_cli.returncode}: {res_cli.stderr[-200:]})"
        fig.cases.append(TamperCase(name, "store", "", found, how))
    for c in fig.cases:
        if not c.detected:
            fig.problems.append(f"{c.target} tamper case not detected: {c.name}: {c.how}")
    fig.seconds = round(time.monotonic() - started, 1)
    return fig
