"""The health endpoint of a running service: /healthz JSON, /metrics parsed as Prometheus text, the
status page; cameras up and stalled; the ledger reported broken when it is. In-process runner with
stand-in models and an endless camera; the server on 127.0.0.1 with a free port."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edge.config import load_config
from edge.health.service import Observability
from edge.store import Store
from edge.track.tracker import DROP_REASONS
from tests.support.health import Service, get, get_json, healthy_doc, make_read, wait_for, write_config


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with Service(tmp_path) as svc:
        yield svc


def test_healthz_reports_cameras_frames_outbox_ledger_purge_and_disk(service: Service) -> None:
    assert service.url.startswith("http://127.0.0.1:")
    doc = wait_for(lambda: healthy_doc(service), "the camera to be up", extra=service)
    assert doc["healthy"] is True
    assert doc["problems"] == []
    cam = doc["cameras"][0]
    assert cam["camera"] == "lane-1"
    assert cam["up"] is True
    assert cam["frames"] > 0
    assert isinstance(cam["last_frame_age_s"], float)
    assert doc["outbox"] == {"depth": 0, "peers": []}
    ledger = doc["ledger"]
    assert ledger["ok"] is True
    assert ledger["entries"] >= 1  # the config was recorded at start
    assert ledger["actions"]["config_loaded"] == 1
    assert doc["retention"]["lag_s"] == 0
    assert doc["disk"]["free_mb"] > 0
    assert doc["disk"]["low"] is False
    assert doc["service"]["running"] is True
    assert doc["service"]["node_id"] == "test-node"
    assert doc["config"]["sha256"]
    assert doc["config"]["reloads"] == {"applied": 0, "unchanged": 0, "refused": 0}
    from edge.health.clock import clock_synchronised

    assert doc["clock"] == {"synchronised": clock_synchronised()}  # a flag, not a problem
    assert isinstance(doc["clock"]["synchronised"], bool)  # Linux: the kernel answers


def recognised_doc(svc: Service) -> dict[str, Any] | None:
    """/healthz once the camera is up and at least one frame went through recognition: "up" only says
    frames arrive, and on a busy machine the first frame can still be in the detector."""
    doc = healthy_doc(svc)
    return doc if doc is not None and doc["cameras"][0]["latency_histogram"]["count"] > 0 else None


def test_metrics_parse_as_prometheus_text(service: Service) -> None:
    wait_for(lambda: recognised_doc(service), "a frame to be recognised", extra=service)
    assert service.store.write(make_read("AB12CD"))
    service.store.flush()
    service.obs.monitor.cache_seconds = 0
    status, ctype, body = get(service.url + "/metrics")
    assert status == 200
    assert ctype.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body)}

    def value(name: str, **labels: str) -> float:
        for s in families[name].samples:
            if all(s.labels.get(k) == v for k, v in labels.items()) and s.name in (name, name + "_total"):
                return float(s.value)
        raise AssertionError(f"{name} {labels} not in /metrics")

    assert families["edge_alpr_frames"].type == "counter"
    assert value("edge_alpr_frames", camera="lane-1") > 0
    assert value("edge_alpr_frames_dropped", camera="lane-1") >= 0
    assert value("edge_alpr_camera_up", camera="lane-1") == 1
    assert value("edge_alpr_stage_seconds", camera="lane-1", stage="gate") >= 0
    assert value("edge_alpr_stage_seconds", camera="lane-1", stage="capture") >= 0
    for reason in DROP_REASONS:  # tracks that ended without a read, by reason: every reason exported
        assert value("edge_alpr_tracks_dropped", camera="lane-1", reason=reason) >= 0
    # reads stored because the second OCR agreed (ocr.verifier): part of the reads, never more
    assert 0 <= value("edge_alpr_reads_verified", camera="lane-1") <= value("edge_alpr_reads", camera="lane-1")
    for reason in ("masked", "no_vehicle"):  # plate boxes dropped before OCR
        assert value("edge_alpr_plate_boxes_dropped", camera="lane-1", reason=reason) >= 0
    assert value("edge_alpr_store_written") == 1
    assert value("edge_alpr_store_reads") == 1
    assert "edge_alpr_reads_today" not in families  # a gauge that fell at midnight: counts are counters
    assert value("edge_alpr_purge_lag_seconds") == 0
    assert value("edge_alpr_ledger_ok") == 1
    assert value("edge_alpr_ledger_entries", action="config_loaded") == 1
    assert families["edge_alpr_ledger_entries"].type == "counter"
    assert value("edge_alpr_ledger_size_bytes") > 0
    assert "edge_alpr_ledger_size" not in families
    assert value("edge_alpr_config_reloads", outcome="refused") == 0
    assert value("edge_alpr_healthy") == 1
    assert value("edge_alpr_clock_synchronised") in (0, 1)
    assert "edge_alpr_outbox_depth" in families
    assert "edge_alpr_audit_entries" in families  # the audit counters of the process
    assert "process_cpu_seconds" in families
    assert "AB12CD" not in body
    # latency is a histogram (buckets, sum, count), not a gauge with a quantile label
    latency = families["edge_alpr_frame_latency_seconds"]
    assert latency.type == "histogram"
    buckets = [s for s in latency.samples if s.name.endswith("_bucket") and s.labels["camera"] == "lane-1"]
    assert [s.labels["le"] for s in buckets][-1] == "+Inf"
    counts = [s.value for s in buckets]
    assert counts == sorted(counts)  # cumulative
    (count,) = [s.value for s in latency.samples if s.name.endswith("_count")]
    (total,) = [s.value for s in latency.samples if s.name.endswith("_sum")]
    assert count == counts[-1] > 0
    assert total > 0
    assert not any("quantile" in s.labels for f in families.values() for s in f.samples)
    # every counter's samples end in _total; names with a unit carry it
    for fam in families.values():
        if fam.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in fam.samples), fam.name


def test_head_is_served_like_get_without_a_body(service: Service) -> None:
    import http.client
    from urllib.parse import urlsplit

    wait_for(lambda: healthy_doc(service), "the camera to be up", extra=service)
    url = urlsplit(service.url)
    for path in ("/healthz", "/metrics", "/", "/nope"):
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.request("HEAD", path)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        get_status, get_ctype, _ = get(service.url + path)
        assert resp.status == get_status, path
        assert resp.status != 501
        assert resp.getheader("Content-Type") == get_ctype
        assert int(resp.getheader("Content-Length") or 0) > 0
        assert body == b""


def test_status_page_and_unknown_path(service: Service) -> None:
    wait_for(lambda: healthy_doc(service), "the camera to be up", extra=service)
    status, ctype, body = get(service.url + "/")
    assert status == 200
    assert ctype.startswith("text/html")
    assert "lane-1" in body
    assert "healthy" in body
    assert "reads today" in body
    status, _ctype, _body = get(service.url + "/nope")
    assert status == 404


def test_stalled_camera_turns_healthz_503(tmp_path: Path) -> None:
    with Service(tmp_path, stale_after="1s") as svc:
        wait_for(lambda: healthy_doc(svc), "the camera to be up", extra=svc)
        svc.obs.monitor.cache_seconds = 0
        svc.camera.hold.set()

        def stalled() -> dict[str, Any] | None:
            status, doc = get_json(svc.url + "/healthz")
            return doc if status == 503 else None

        # the camera is reported stalled once no frame came for stale_after (1s here)
        doc = wait_for(stalled, "the stalled camera to be reported", timeout=120)
        assert doc["healthy"] is False
        assert doc["cameras"][0]["state"] == "stalled"
        assert doc["cameras"][0]["up"] is False
        assert "camera lane-1: stalled" in doc["problems"]
        _status, _ctype, body = get(svc.url + "/metrics")
        up = [s for f in text_string_to_metric_families(body) if f.name == "edge_alpr_camera_up" for s in f.samples]
        assert up[0].value == 0


def test_tampered_ledger_is_reported_not_ok(tmp_path: Path) -> None:
    with Service(tmp_path) as svc:
        wait_for(lambda: healthy_doc(svc), "the camera to be up", extra=svc)
        db = Path(svc.cfg.store.path).parent / "audit.db"
        with sqlite3.connect(db) as conn:  # edit an entry behind the ledger's back
            conn.execute("DROP TRIGGER entries_no_update")
            conn.execute("UPDATE entries SET detail = '{}' WHERE seq = 1")
        svc.obs.verifier.verify()
        svc.obs.monitor.cache_seconds = 0
        status, doc = get_json(svc.url + "/healthz")
        assert status == 503
        assert doc["ledger"]["ok"] is False
        assert any(p.startswith("ledger: verification failed") for p in doc["problems"])


def test_port_in_use_is_a_clear_error_and_the_service_runs_on(
    tmp_path: Path, service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    from edge.health.server import HealthServer, HealthServerError

    assert service.obs.server is not None
    port = service.obs.server.port
    with pytest.raises(HealthServerError, match=r"cannot listen on 127\.0\.0\.1"):
        HealthServer(service.obs.monitor, service.obs.registry, "127.0.0.1", port)
    cfg = load_config(write_config(tmp_path / "b.yaml", tmp_path / "b" / "edge.db", port=port))
    with Store.from_config(cfg) as store, Observability(cfg, service.runner, store, sighup=False) as obs:
        assert obs.server is None  # the second service runs without an endpoint
        assert obs.reloader.current is cfg
    assert "running WITHOUT the health endpoint" in caplog.text


def test_a_failed_ledger_write_is_reported(service: Service) -> None:
    from edge.audit import metrics as audit_metrics

    wait_for(lambda: healthy_doc(service), "the camera to be up", extra=service)
    audit_metrics.WRITE_FAILURES.inc()  # what Ledger.append counts when a write does not reach the disk
    service.obs.monitor.cache_seconds = 0
    status, doc = get_json(service.url + "/healthz")
    assert status == 503
    assert doc["ledger"]["ok"] is False
    assert doc["ledger"]["write_failures"] == 1
    assert any("ledger write(s) failed" in p for p in doc["problems"])


def test_healthz_is_the_status_model(service: Service) -> None:
    """/healthz has every field of edge.health.status.HealthStatus, of its type, and no other; dropping
    any one required field is caught (so a field renamed in the monitor fails here, not as a 0 metric)."""
    import copy

    from edge.health.status import HealthStatus
    from tests.support.health import required_paths, shape_problems

    wait_for(lambda: recognised_doc(service), "a frame to be recognised", extra=service)
    service.store.purge()
    service.obs.monitor.cache_seconds = 0
    _status, doc = get_json(service.url + "/healthz")
    assert shape_problems(doc, HealthStatus) == []
    assert "frames" in doc["cameras"][0]  # the live camera shape, not the configured-only one
    assert "written" in doc["store"]  # the running store's counters
    paths = list(required_paths(doc, HealthStatus))
    for must in (("clock", "synchronised"), ("cameras", 0, "latency_histogram", "sum_s"), ("ledger", "ok")):
        assert must in paths
    for path in paths:
        broken = copy.deepcopy(doc)
        part = broken
        for key in path[:-1]:
            part = part[key]
        del part[path[-1]]
        assert shape_problems(broken, HealthStatus), f"{path} deleted, yet the document conforms"
    doc["ledger"]["entries_total"] = 1
    assert shape_problems(doc, HealthStatus) == ["status.ledger.entries_total: not in the model"]


def test_every_documented_metric_is_exported_and_no_other(service: Service) -> None:
    """The names in edge.health.metrics' docstring are exactly the edge_alpr_ families of a scrape."""
    import re

    from edge.health import metrics

    doc = metrics.__doc__ or ""
    listing = re.sub(r"\([^)]*\)", "", doc[doc.index("``edge_alpr_``") : doc.index("process_*")])  # no remarks
    names = re.findall(r"\b([a-z]+(?:_[a-z]+)*)(?:\{\w+\})?\s*[,;]", listing)  # each name ends in , or ;
    documented = {"edge_alpr_" + n.removesuffix("_total") for n in names}
    assert {"edge_alpr_healthy", "edge_alpr_frames", "edge_alpr_misuse_signals"} <= documented
    assert len(documented) == len(names) > 30
    wait_for(lambda: recognised_doc(service), "a frame to be recognised", extra=service)
    service.store.purge()  # the last purge's time is exported once there was one
    service.obs.monitor.cache_seconds = 0
    _status, _ctype, body = get(service.url + "/metrics")
    exported = {
        f.name
        for f in text_string_to_metric_families(body)
        if f.name.startswith("edge_alpr_") and not f.name.endswith("_created")  # prometheus_client's start times
    }
    assert documented - exported == set()
    assert exported - documented == set()
