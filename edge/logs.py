"""Logging for the service: text or JSON lines, and a filter that keeps plate text out of every log line.

Plates are personal data: outside the audit ledger they must not appear in logs. Code logs read ids,
never plates; `PlateFilter` is the safety net under that rule. It is installed on the handlers (so it
sees records from every logger) and, before anything is written, replaces in the message and in any
traceback text:

- plates the pipeline has seen (`remember_plate`; kept only as keyed hashes, never as text),
- values of plate-named fields (``plate=ABC123``, ``'plate': 'ABC123'``),
- plate-shaped tokens: 4-8 uppercase letters and digits with at least one of each (``AB12CD``),
  except inside timestamps and hexadecimal ids.

The replacement is ``[plate]``. A record's arguments are formatted first and dropped, so nothing
reaches a formatter or handler unfiltered.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import sys
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
REDACTED = "[plate]"

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_FIELD = re.compile(
    r"""(?P<key>\b(?:plate|plate_text|pattern)\b['"]?\s*(?:=|:)\s*)(?P<q>['"]?)(?P<value>[^'",\s)}\]]+)(?P=q)""",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"(?<![\w.:/-])[A-Z0-9]{4,8}(?![\w.:/-])")
_WORDS = re.compile(r"[A-Za-z0-9]{2,10}")
_HAS_DIGIT = re.compile(r"\d")
_HAS_LETTER = re.compile(r"[A-Z]")
_HEX = re.compile(r"^[0-9A-F]+$")


class _Seen:
    """Plates the pipeline handed to the store, as keyed hashes (the text itself is never kept here)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._key = os.urandom(16)
        self._limit = limit
        self._hashes: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, text: str) -> bytes:
        norm = "".join(ch for ch in text.upper() if ch.isalnum())
        return hmac.new(self._key, norm.encode(), hashlib.sha256).digest()[:12]

    def add(self, plate: str) -> None:
        if len("".join(ch for ch in plate if ch.isalnum())) < 2:
            return
        d = self._digest(plate)
        with self._lock:
            self._hashes[d] = None
            self._hashes.move_to_end(d)
            while len(self._hashes) > self._limit:
                self._hashes.popitem(last=False)

    def contains(self, word: str) -> bool:
        if not self._hashes:
            return False
        d = self._digest(word)
        with self._lock:
            return d in self._hashes

    def clear(self) -> None:
        with self._lock:
            self._hashes.clear()


_seen = _Seen()


def remember_plate(plate: str) -> None:
    """Tell the log filter about a plate the pipeline read, so it is redacted wherever it shows up."""
    _seen.add(plate)


def forget_plates() -> None:
    _seen.clear()


def _shape(match: re.Match[str]) -> str:
    token = match.group(0)
    if not (_HAS_DIGIT.search(token) and _HAS_LETTER.search(token)):
        return token
    if _HEX.match(token) and len(token) == 8:  # an 8-digit hex id (hash prefix), not a plate
        return token
    return REDACTED


def scrub(text: str) -> str:
    """`text` with everything that is or looks like a plate replaced by ``[plate]``."""
    if not text:
        return text
    text = _FIELD.sub(lambda m: f"{m.group('key')}{m.group('q')}{REDACTED}{m.group('q')}", text)
    if _seen._hashes:
        text = _WORDS.sub(lambda m: REDACTED if _seen.contains(m.group(0)) else m.group(0), text)
    return _TOKEN.sub(_shape, text)


class PlateFilter(logging.Filter):
    """Formats each record's message, scrubs it (and its traceback) and drops the arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_edge_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record (nor leak its args)
            message = f"{record.msg} (unformattable log arguments dropped)"
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
            record.exc_info = None  # the formatter must use the scrubbed text, not re-render the exception
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record._edge_scrubbed = True
        return True


# syslog priorities (what journald files a line under): DEBUG 7, INFO 6, WARNING 4, ERROR 3, CRITICAL 2
PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


def priority(levelno: int) -> int:
    return next((p for lvl, p in sorted(PRIORITY.items(), reverse=True) if levelno >= lvl), 7)


def journal_stream(fd: int = 2) -> bool:
    """True when `fd` is the journal stream systemd connected ($JOURNAL_STREAM is its device:inode):
    a ``<N>`` prefix then sets the line's priority (journald's SyslogLevelPrefix) and is removed."""
    expected = os.environ.get("JOURNAL_STREAM", "")
    if not expected:
        return False
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return expected == f"{st.st_dev}:{st.st_ino}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC), level, priority (syslog), logger, message, thread, and the
    traceback if any. With `journal` (stderr is systemd's journal stream) each line starts with the
    ``<N>`` priority prefix, which journald takes off: the journal holds the JSON at that priority."""

    def __init__(self, *, journal: bool = False) -> None:
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "priority": priority(record.levelno),
            "logger": record.name,
            "message": record.getMessage(),
            "thread": record.threadName,
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = record.stack_info
        line = json.dumps(out, ensure_ascii=False)
        return f"<{out['priority']}>{line}" if self.journal else line


def make_handler(fmt: LogFormat = "text", stream: Any = None, *, journal: bool = False) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter(journal=journal) if fmt == "json" else logging.Formatter(_TEXT_FORMAT))
    handler.addFilter(PlateFilter())
    return handler


def quiet_native_libraries() -> None:
    """OpenCV's own stderr chatter down to errors and FFmpeg's off (unless the environment says otherwise):
    this program logs what they would warn about (a camera that cannot be opened, undecodable frames,
    counted) in its own lines."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    # FFmpeg quiet: with a level set, OpenCV prints FFmpeg's messages on *stdout*, into `--json` output;
    # the frames it cannot decode are counted and reported by this program instead.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    cv2 = sys.modules.get("cv2")
    if cv2 is not None and os.environ["OPENCV_LOG_LEVEL"] == "ERROR":  # already imported: tell it directly
        with contextlib.suppress(AttributeError):
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


class _NativeStderr:
    """In JSON mode, everything else written to file descriptor 2 (OpenCV, FFmpeg, onnxruntime,
    Python warnings, error messages) arrives through a pipe and is written out as JSON lines too, at
    WARNING (ERROR for lines that say error), scrubbed of plates like every log line."""

    def __init__(self, journal: bool) -> None:
        sys.stderr.flush()
        self.journal = journal
        self.saved = os.dup(2)
        self.out = os.fdopen(os.dup(self.saved), "w", buffering=1, encoding="utf-8", errors="replace")
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self.reader = os.fdopen(read_end, "r", encoding="utf-8", errors="replace")
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._pump, name="stderr-json", daemon=True)
        self.thread.start()

    def write_line(self, line: str) -> None:
        with self.lock:
            self.out.write(line + "\n")

    def _pump(self) -> None:
        for raw in self.reader:
            text = raw.rstrip("\n")
            if not text.strip():
                continue
            error = re.match(r"^\W*(error|fatal|\[ ?error)", text, re.IGNORECASE)
            levelno = logging.ERROR if error else logging.WARNING
            record = logging.LogRecord("stderr", levelno, "", 0, text, None, None)
            record.threadName = "native"
            PlateFilter().filter(record)
            self.write_line(JsonFormatter(journal=self.journal).format(record))

    def close(self) -> None:
        """Put fd 2 back (the pipe's last writer goes, the pump reads to its end), then wait for it."""
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.thread.join(5)
        self.out.flush()


_native: _NativeStderr | None = None


def _capture_native_stderr(journal: bool) -> _NativeStderr | None:
    """Route fd 2 through the JSON pump once per process, only when stderr is the process's real one
    (not a test's capture, not a stream handed in)."""
    global _native  # noqa: PLW0603 - one pump per process, undone at exit
    if _native is None and sys.stderr is sys.__stderr__ and sys.stderr is not None:
        try:
            if sys.stderr.fileno() != 2:
                return None
        except (OSError, ValueError):
            return None
        _native = _NativeStderr(journal)
        atexit.register(_native.close)
    return _native


def setup(verbose: int = 0, fmt: LogFormat = "text", stream: Any = None, *, force: bool = False) -> None:
    """Root logging for the CLI: level from -v count, text or JSON lines on stderr, plate filter on.

    Replaces the handler an earlier call installed. Like `logging.basicConfig`, it leaves alone a root
    logger that something else configured (a test harness, an embedding program) unless `force`.
    """
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    root = logging.getLogger()
    ours = [h for h in root.handlers if getattr(h, "_edge_alpr", False)]
    if len(ours) < len(root.handlers) and not force:
        return
    for h in list(root.handlers) if force else ours:
        root.removeHandler(h)
    quiet_native_libraries()
    journal = stream is None and journal_stream()
    native = _capture_native_stderr(journal) if fmt == "json" and stream is None else None
    handler = make_handler(fmt, native.out if native is not None else stream, journal=journal)
    handler._edge_alpr = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
