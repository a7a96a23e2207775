"""Log lines never carry plate text: the filter (edge.logs) scrubs messages, arguments and tracebacks;
the JSON formatter writes one parseable object per line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from edge.logs import REDACTED, JsonFormatter, PlateFilter, forget_plates, make_handler, remember_plate, scrub, setup
from tests.support.health import make_read


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    forget_plates()
    yield
    forget_plates()


def capture(fmt: str = "text") -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger(f"edge.test.{fmt}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(make_handler("json" if fmt == "json" else "text", stream))
    return logger, stream


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("read AB12CD stored", f"read {REDACTED} stored"),
        ("plate=XYZ789 camera=lane-1", f"plate={REDACTED} camera=lane-1"),
        ("{'plate': 'HELLO', 'camera': 'lane-1'}", f"{{'plate': '{REDACTED}', 'camera': 'lane-1'}}"),
        ("Read(id='1', plate='7ABC123', confidence=0.9)", f"Read(id='1', plate='{REDACTED}', confidence=0.9)"),
        ("frame 1234 of lane-1 at 2026-11-27T20:08:52Z", "frame 1234 of lane-1 at 2026-11-27T20:08:52Z"),
        ("ledger head 3F2A9B1C, entry 17", "ledger head 3F2A9B1C, entry 17"),
        ("WARNING MJPG 1280x720 read a1b2c3d4-e5f6", "WARNING MJPG 1280x720 read a1b2c3d4-e5f6"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_a_plate_the_pipeline_read_is_redacted_even_without_digits() -> None:
    assert scrub("vanity HELLO seen") == "vanity HELLO seen"  # letters only: not plate-shaped
    remember_plate("HELLO")
    assert scrub("vanity HELLO seen") == f"vanity {REDACTED} seen"
    assert scrub("hello there") == f"{REDACTED} there"


def test_arguments_and_tracebacks_are_scrubbed_before_any_handler_sees_them() -> None:
    logger, stream = capture()
    read = make_read("QW12ER")
    logger.warning("read %s: %r", read.id, read)
    try:
        raise ValueError(f"cannot parse plate {read.plate}")  # noqa: TRY301
    except ValueError:
        logger.exception("recognition failed for %s", read.id)
    out = stream.getvalue()
    assert "QW12ER" not in out
    assert read.id in out  # ids are what logs carry
    assert "Traceback" in out
    assert "cannot parse plate [plate]" in out


def test_json_lines_parse_and_carry_no_plate() -> None:
    logger, stream = capture("json")
    remember_plate("ZZTOP1")
    logger.info("store: read %s refused (%s)", "id-1", "disk_low")
    logger.error("match for ZZTOP1 failed")
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("boom")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [r["level"] for r in records] == ["INFO", "ERROR", "ERROR"]
    assert records[0]["message"] == "store: read id-1 refused (disk_low)"
    assert records[0]["logger"] == "edge.test.json"
    assert records[0]["ts"].endswith("Z")
    assert records[1]["message"] == f"match for {REDACTED} failed"
    assert "ZeroDivisionError" in records[2]["exc"]
    assert "ZZTOP1" not in stream.getvalue()


def test_bad_format_arguments_do_not_lose_the_record() -> None:
    logger, stream = capture()
    logger.warning("two %s %s", "AB12CD")  # noqa: PLE1206 - on purpose
    out = stream.getvalue()
    assert "unformattable" in out
    assert "AB12CD" not in out


def test_filter_runs_once_per_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plate %s", ("AB12CD",), None)
    f = PlateFilter()
    assert f.filter(record)
    assert f.filter(record)
    assert record.getMessage() == f"plate {REDACTED}"
    assert JsonFormatter().format(record).startswith("{")


def test_setup_leaves_a_foreign_root_configuration_alone_unless_forced() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        stream = io.StringIO()
        setup(1, "json", stream, force=True)
        logging.getLogger("edge.test.root").info("plate AB12CD")
        assert json.loads(stream.getvalue())["message"] == f"plate {REDACTED}"
        setup(0, "text", io.StringIO())  # replaces its own handler
        assert len(root.handlers) == 1
        assert root.level == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
