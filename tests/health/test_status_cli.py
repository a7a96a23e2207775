"""`edge-alpr status`: from the running service's endpoint, and from the files when it is not running."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from edge.cli import main
from edge.config import load_config
from edge.health.metrics import make_registry
from edge.health.monitor import HealthMonitor
from edge.health.server import HealthServer
from edge.reload import Reloader
from edge.store import Store
from tests.support.health import make_read, write_config


def seeded(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "edge.yaml", tmp_path / "data" / "edge.db", port=1)  # port 1: nothing there
    cfg = load_config(path)
    Reloader(cfg, path).record_start()
    with Store.from_config(cfg) as store:
        for plate in ("AB12CD", "XY98ZT"):
            assert store.write(make_read(plate))
        store.purge()
    return path


def test_status_reads_the_files_when_the_service_is_not_running(tmp_path: Path) -> None:
    path = seeded(tmp_path)
    res = CliRunner().invoke(main, ["status", "--config", str(path)])
    assert res.exit_code == 1  # not running is not healthy
    assert "service not running" in res.output
    assert "reads today  2 (total 2" in res.output
    assert "ledger       OK, 2 entries" in res.output  # the genesis and the purge
    from edge.health.clock import clock_synchronised

    assert ("clock        synchronised" if clock_synchronised() else "clock        NOT synchronised") in res.output
    assert "lane-1" in res.output
    assert "AB12CD" not in res.output
    res = CliRunner().invoke(main, ["status", "--config", str(path), "--json", "--no-verify"])
    doc = json.loads(res.output)
    assert doc["healthy"] is False
    assert doc["service"]["running"] is False
    assert doc["reads"]["today"] == 2
    assert doc["retention"]["last_purge"] is not None
    assert doc["ledger"]["entries"] == 2  # genesis and purge
    assert doc["cameras"] == [{"camera": "lane-1", "source_kind": "usb", "up": None, "state": "not running"}]


def test_status_asks_the_running_service(tmp_path: Path) -> None:
    path = seeded(tmp_path)
    cfg = load_config(path)
    monitor = HealthMonitor(cfg, reloader=Reloader(cfg, path))
    monitor.runner = type("NoCameras", (), {"workers": []})()  # a running service whose cameras list is empty
    with HealthServer(monitor, make_registry(monitor, process=False)) as server:
        html = tmp_path / "status.html"
        res = CliRunner().invoke(main, ["status", "--config", str(path), "--url", server.url, "--html", str(html)])
        assert res.exit_code == 0, res.output
        assert "status       healthy" in res.output
        assert "running (pid" in res.output
        assert "reads today  2" in res.output
        page = html.read_text()
        assert "<html" in page
        assert "AB12CD" not in page
        res = CliRunner().invoke(main, ["status", "--url", server.url + "/", "--json"])
        assert json.loads(res.output)["service"]["running"] is True


def test_status_refuses_a_non_http_url(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["status", "--url", "file:///etc/passwd"])
    assert res.exit_code != 0
    assert "must start with http:// or https://" in str(res.exception)
