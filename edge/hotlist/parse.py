"""Reading a hotlist file: CSV or JSON of plates, each with an optional note and expiry.

CSV: a header with a ``plate`` column (and optionally ``note``, ``expires``), or no header and rows of
``plate[,note[,expires]]``. JSON: a list of plates or of ``{"plate": ..., "note": ..., "expires": ...}``
objects, or an object with such a list under ``"entries"``. Expiry: a date (the entry matches through
that UTC day) or an ISO date-time with a zone. Any bad row refuses the whole file, naming the row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from edge.errors import InputError
from edge.hotlist.match import plate_key, valid_plate

MAX_NOTE = 200
MAX_FILE_BYTES = 512 * 1024 * 1024
_SHOW = 5


@dataclass(frozen=True, slots=True)
class Entry:
    plate: str
    note: str | None = None
    expires: datetime | None = None


@dataclass(frozen=True, slots=True)
class Parsed:
    entries: list[Entry]
    sha256: str
    rows: int
    duplicates: int


def parse_expiry(value: str | date | datetime) -> datetime:
    """'2026-12-31' -> the end of that UTC day (2027-01-01T00:00Z); a date-time needs a zone (or 'Z')."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("a date-time needs a zone, e.g. 2026-12-31T18:00:00Z")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time(0), tzinfo=UTC)
    text = str(value).strip()
    if len(text) == 10:
        return parse_expiry(date.fromisoformat(text))
    dt = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    return parse_expiry(dt)


def _entry(where: str, plate: Any, note: Any, expires: Any) -> Entry:
    if not isinstance(plate, str):
        raise ValueError(f"{where}: plate must be text")
    key = plate_key(plate)
    if not valid_plate(key):
        raise ValueError(f"{where}: not a plate (2-10 letters and digits)")
    if note is not None and not isinstance(note, str):
        raise ValueError(f"{where}: note must be text")
    note = (note or "").strip() or None
    if note is not None and (len(note) > MAX_NOTE or any(ord(c) < 0x20 for c in note)):
        raise ValueError(f"{where}: note longer than {MAX_NOTE} characters or with control characters")
    exp: datetime | None = None
    if expires not in (None, ""):
        try:
            exp = parse_expiry(expires)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: expires {expires!r}: {exc}") from None
    return Entry(key, note, exp)


def _rows_csv(text: str) -> list[tuple[str, Any, Any, Any]]:
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    out: list[tuple[str, Any, Any, Any]] = []
    if rows and "plate" in [c.strip().lower() for c in rows[0]]:
        header = [c.strip().lower() for c in rows[0]]
        unknown = sorted(set(header) - {"plate", "note", "expires"})
        if unknown:
            raise ValueError(f"row 1: unknown column(s) {', '.join(unknown)} (plate, note, expires)")
        col = {name: i for i, name in enumerate(header)}
        for n, row in enumerate(rows[1:], start=2):
            cell = {k: (row[i].strip() if i < len(row) else None) for k, i in col.items()}
            out.append((f"row {n}", cell.get("plate"), cell.get("note"), cell.get("expires")))
        return out
    for n, row in enumerate(rows, start=1):
        if len(row) > 3:
            raise ValueError(f"row {n}: more than 3 columns (plate, note, expires)")
        cells = [c.strip() for c in row] + [""] * (3 - len(row))
        out.append((f"row {n}", cells[0], cells[1], cells[2]))
    return out


def _rows_json(text: str) -> list[tuple[str, Any, Any, Any]]:
    data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("entries")
    if not isinstance(data, list):
        raise ValueError('expected a list of plates or of {plate, note, expires} objects (or {"entries": [...]})')
    out: list[tuple[str, Any, Any, Any]] = []
    for n, item in enumerate(data):
        where = f"entry {n}"
        if isinstance(item, str):
            out.append((where, item, None, None))
        elif isinstance(item, dict):
            unknown = sorted(set(item) - {"plate", "note", "expires"})
            if unknown:
                raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (plate, note, expires)")
            out.append((where, item.get("plate"), item.get("note"), item.get("expires")))
        else:
            raise ValueError(f"{where}: a plate or a {{plate, note, expires}} object")
    return out


def parse_file(path: Path, fmt: str | None = None) -> Parsed:
    """Parse and validate a hotlist file; InputError naming the file and the bad rows."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    kind = fmt or ("json" if path.suffix.lower() == ".json" else "csv")
    try:
        text = raw.decode("utf-8-sig")
        rows = _rows_json(text) if kind == "json" else _rows_csv(text)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except (ValueError, csv.Error) as exc:
        raise InputError(f"{path}: {exc}") from None
    entries: list[Entry] = []
    errors: list[str] = []
    seen: set[str] = set()
    duplicates = 0
    for where, plate, note, expires in rows:
        try:
            e = _entry(where, plate, note, expires)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if e.plate in seen:
            duplicates += 1
            continue
        seen.add(e.plate)
        entries.append(e)
    if errors:
        more = f" (and {len(errors) - _SHOW} more)" if len(errors) > _SHOW else ""
        raise InputError(f"{path}: {len(errors)} bad row(s), nothing imported: " + "; ".join(errors[:_SHOW]) + more)
    if not entries:
        raise InputError(f"{path}: no plates")
    return Parsed(entries, hashlib.sha256(raw).hexdigest(), len(rows), duplicates)
