"""`edge-alpr hotlist` as a user runs it: exit codes, stderr messages, ledger entries, help examples."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.hotlist import random_plates, write_csv


@dataclass
class Result:
    exit_code: int
    output: str
    stderr: str


_state: dict[str, Callable[..., Result]] = {}


@pytest.fixture(autouse=True)
def _cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Run the real `edge-alpr` entry point in-process (errors to stderr, exit status as a user sees it)."""
    from edge.cli import run as entry

    def invoke(*args: str) -> Result:
        monkeypatch.setattr(sys, "argv", ["edge-alpr", *args])
        try:
            entry()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    _state["run"] = invoke


def run(*args: str) -> Result:
    return _state["run"](*args)


def ledger_actions(folder: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(folder / "audit.db") as conn:
        return conn.execute("SELECT action, outcome FROM entries WHERE action != 'genesis' ORDER BY seq").fetchall()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    cfg = tmp_path / "edge.yaml"
    cfg.write_text(
        f"profile: IL\nstore:\n  path: {tmp_path / 'store.db'}\n  min_free_mb: 0\n"
        "hotlists:\n  categories:\n    - {code: stolen-vehicle, description: Stolen vehicle}\n"
    )
    return cfg


def imp(site: Path, f: Path, *extra: str, name: str = "ncic", category: str = "stolen-vehicle") -> Result:
    return run(
        "hotlist", "import", str(f), "--config", str(site), "--name", name, "--category", category,
        "--source", "NCIC extract", "--basis", "agreement 17", "--user", "tester", *extra,
    )  # fmt: skip


def test_import_list_remove_roundtrip(site: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(30))
    res = imp(site, f, "--expires", "2099-01-01", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["entries"] == 30
    res = run("hotlist", "list", "--config", str(site), "--json")
    (info,) = json.loads(res.output)
    assert (info["name"], info["active"], info["imported_by"]) == ("ncic", 30, "tester")
    assert info["expires"].startswith("2099-01-02T00:00:00")
    res = run("hotlist", "remove", "ncic", "--config", str(site))
    assert res.exit_code != 0
    assert "--reason" in res.stderr
    res = run("hotlist", "remove", "ncic", "--reason", "agreement ended", "--config", str(site), "--user", "tester")
    assert res.exit_code == 0, res.output
    assert json.loads(run("hotlist", "list", "--config", str(site), "--json").output) == []
    assert ledger_actions(tmp_path) == [("hotlist_imported", "ok"), ("hotlist_removed", "ok")]


def test_prohibited_category_refused_with_message_exit_3_and_ledger(site: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(5))
    res = imp(site, f, name="iv", category="Immigration-Violator")
    assert res.exit_code == 3
    assert "prohibited use" in res.stderr
    assert ledger_actions(tmp_path) == [("hotlist_refused", "denied")]
    assert (
        not (tmp_path / "hotlists.db").exists()
        or json.loads(run("hotlist", "list", "--config", str(site), "--json").output) == []
    )


def test_profile_prohibited_purpose_code_refused(site: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(5))
    res = imp(site, f, name="rh", category="reproductive-health-care")
    assert res.exit_code == 3
    assert ledger_actions(tmp_path) == [("hotlist_refused", "denied")]


def test_unconfigured_category_and_bad_file(site: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(5))
    res = imp(site, f, category="amber-alert")  # allowed by default, not in this site's config
    assert res.exit_code == 3
    assert "not configured" in res.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("plate\nKX7731\n!!\n")
    res = imp(site, bad)
    assert res.exit_code == 2
    assert "row 3" in res.stderr
    assert ledger_actions(tmp_path) == [("hotlist_refused", "denied")]  # a bad file changes nothing


def test_remove_expired_needs_no_name(site: Path, tmp_path: Path) -> None:
    res = run("hotlist", "remove", "--expired", "--config", str(site))
    assert res.exit_code == 0, res.output
    assert "removed 0 expired lists" in res.output


@pytest.mark.parametrize("cmd", [["hotlist"], ["hotlist", "import"], ["hotlist", "list"], ["hotlist", "remove"]])
def test_every_command_has_an_example(cmd: list[str]) -> None:
    res = run(*cmd, "--help")
    assert res.exit_code == 0
    assert "Example:" in res.output


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("DHS Chicago field office", "prohibited_text"),  # issue 27, finding 3: was accepted
        ("Department of Homeland Security, ERO", "prohibited_text"),
        ("FBI Springfield field office", "federal-or-out-of-state-source"),
        ("U.S. Marshals task force", "federal-or-out-of-state-source"),
        ("Indiana State Police", "federal-or-out-of-state-source"),
    ],
)
def test_federal_or_out_of_state_sources_are_refused_under_il(site: Path, tmp_path: Path, source: str, rule: str):
    f = write_csv(tmp_path / "l.csv", random_plates(5))
    res = run(
        "hotlist", "import", str(f), "--config", str(site), "--name", "fed", "--category", "stolen-vehicle",
        "--source", source, "--basis", "agreement 17", "--user", "tester",
    )  # fmt: skip
    assert res.exit_code == 3, res.output
    assert "source" in res.stderr
    assert ledger_actions(tmp_path) == [("hotlist_refused", "denied")]
    with sqlite3.connect(tmp_path / "audit.db") as conn:
        (detail,) = conn.execute("SELECT detail FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
    assert json.loads(detail)["rule"] == rule


def test_an_in_state_source_is_accepted_under_il(site: Path, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "l.csv", random_plates(5))
    res = run(
        "hotlist", "import", str(f), "--config", str(site), "--name", "isp", "--category", "stolen-vehicle",
        "--source", "Illinois State Police LEADS extract", "--basis", "agreement 17", "--user", "tester",
    )  # fmt: skip
    assert res.exit_code == 0, res.output


def test_require_os_user_refuses_another_name_for_hotlist_changes(site: Path, tmp_path: Path) -> None:
    """Finding 8 of issue 27: with audit.require_os_user, --user must be the account running the command."""
    from edge.audit.identity import os_identity

    site.write_text(site.read_text() + "audit:\n  require_os_user: true\n")
    f = write_csv(tmp_path / "l.csv", random_plates(3))
    res = imp(site, f)  # --user tester
    assert res.exit_code != 0
    assert "audit.require_os_user is set" in res.stderr
    assert not (tmp_path / "audit.db").exists()  # refused before anything was recorded or changed
    res = run(
        "hotlist", "import", str(f), "--config", str(site), "--name", "ncic", "--category", "stolen-vehicle",
        "--source", "NCIC extract", "--basis", "agreement 17", "--user", os_identity()["os_user"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output + res.stderr
