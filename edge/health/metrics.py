"""Prometheus metrics of the running service, in a registry of its own (not the global one).

Everything is read from the health monitor's status document (`edge.health.status.HealthStatus`) at
scrape time (a custom collector), so the pipeline carries no metric objects of its own. Prometheus
conventions: counts only ever go up and are counters (``_total``), latency is a histogram
(``_bucket``/``_sum``/``_count``, aggregate and take quantiles in PromQL), names carry their unit
(``_seconds``, ``_bytes``). Names (all prefixed ``edge_alpr_``; a test checks that a running service
exports each of them and no other):

    camera_up, camera_last_frame_age_seconds, camera_fps, frames_total, frames_dropped_total,
    frames_processed_total, decode_errors_total, recognition_errors_total, camera_reopens_total,
    reads_total, reads_verified_total, reads_refused_total, stage_seconds_total{stage}, tracks_dropped_total{reason},
    plate_boxes_dropped_total{reason},
    frame_latency_seconds (histogram)
    (per camera); store_written_total, store_refused_total{reason}, store_queue_depth, store_reads
    (reads held now: falls when retention purges), disk_free_bytes, disk_low, purge_lag_seconds,
    last_purge_timestamp_seconds, outbox_depth{peer}, share_peer_connected{peer}, ledger_ok,
    ledger_size_bytes, ledger_entries_total{action} (shares, denials, searches, purges, ... recorded in
    the ledger by any process), config_reloads_total{outcome}, healthy, clock_synchronised; the audit
    counters of this process: audit_entries_total, audit_write_failures_total, search_denied_total,
    misuse_signals_total; process_* from prometheus_client.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from prometheus_client import CollectorRegistry, PlatformCollector, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from edge.health.monitor import HealthMonitor
from edge.health.status import CameraStatus, HealthStatus, LedgerInfo
from edge.track.tracker import DROP_REASONS

P = "edge_alpr_"

# The per-camera counters of `CameraLive`, each exported as one counter family.
CounterKey = Literal[
    "frames", "dropped", "processed", "decode_errors", "errors", "reopens", "reads", "refused", "reads_verified"
]


def _ts(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _le(bound: float) -> str:
    """A bucket bound as Prometheus writes it ('0.5', '1.0', '10.0')."""
    return repr(float(bound))


class ServiceCollector(Collector):
    """Turns one status document into metric families at each scrape."""

    def __init__(self, monitor: HealthMonitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterator[Metric]:
        doc = self.monitor.snapshot()
        yield from _camera_metrics(doc["cameras"])
        yield from _store_metrics(doc)
        yield from _ledger_metrics(doc["ledger"])
        reloads = CounterMetricFamily(P + "config_reloads", "Config reloads (SIGHUP) by outcome.", labels=["outcome"])
        config = doc["config"]
        if "reloads" in config:  # the running service's reloader (none when the files were read)
            for outcome, n in config["reloads"].items():
                reloads.add_metric([outcome], n)
        yield reloads
        yield GaugeMetricFamily(P + "healthy", "1 when /healthz reports no problem.", value=1 if doc["healthy"] else 0)
        synced = doc["clock"]["synchronised"]
        if synced is not None:
            yield GaugeMetricFamily(
                P + "clock_synchronised", "1 when the kernel says the clock is synchronised (NTP).", value=int(synced)
            )


def _camera_metrics(cameras: list[CameraStatus]) -> Iterator[Metric]:
    cam = ["camera"]
    up = GaugeMetricFamily(P + "camera_up", "1 while the camera delivers frames.", labels=cam)
    age = GaugeMetricFamily(P + "camera_last_frame_age_seconds", "Seconds since the camera's last frame.", labels=cam)
    fps = GaugeMetricFamily(P + "camera_fps", "Frames per second captured over the last minute.", labels=cam)
    counters: dict[CounterKey, tuple[str, str]] = {
        "frames": ("frames", "Frames decoded and handed to recognition."),
        "dropped": ("frames_dropped", "Frames dropped because recognition was busy (newest frame wins)."),
        "processed": ("frames_processed", "Frames recognised."),
        "decode_errors": ("decode_errors", "Frames that could not be decoded."),
        "errors": ("recognition_errors", "Frames whose recognition failed (skipped)."),
        "reopens": ("camera_reopens", "Attempts to reopen a lost camera or stream."),
        "reads": ("reads", "Reads (one per vehicle pass) the store accepted."),
        "reads_verified": (
            "reads_verified",
            "Reads stored only because a second OCR read them the same way (ocr.verifier), at the calibration's "
            "verified confidence.",
        ),
        "refused": ("reads_refused", "Reads the store refused (disk low, queue full, closed)."),
    }
    fams = {k: CounterMetricFamily(P + name, text, labels=cam) for k, (name, text) in counters.items()}
    stage = CounterMetricFamily(
        P + "stage_seconds",
        "Seconds spent per pipeline stage (divide its rate by frames_processed for the mean per frame).",
        labels=["camera", "stage"],
    )
    dropped_tracks = CounterMetricFamily(
        P + "tracks_dropped",
        f"Plate tracks that ended without a read, by reason ({', '.join(DROP_REASONS)}).",
        labels=["camera", "reason"],
    )
    dropped_boxes = CounterMetricFamily(
        P + "plate_boxes_dropped",
        "Plate boxes dropped before OCR, by reason (masked: a configured mask or learned burned-in text; "
        "no_vehicle: on no vehicle the vehicle detector found, models.vehicle).",
        labels=["camera", "reason"],
    )
    latency = HistogramMetricFamily(
        P + "frame_latency_seconds",
        "Seconds from a frame decoded to recognised and its reads handed to the store.",
        labels=["camera"],
    )
    for c in cameras:
        name = [c["camera"]]
        up.add_metric(name, 1 if c["up"] else 0)
        if "frames" not in c:  # a camera of the config only: the service is not running
            continue
        if c["last_frame_age_s"] is not None:
            age.add_metric(name, c["last_frame_age_s"])
        fps.add_metric(name, c["fps"])
        for k, fam in fams.items():
            fam.add_metric(name, c[k])
        for st, seconds in c["stage_seconds"].items():
            stage.add_metric([c["camera"], st], seconds)
        for reason, n in c["tracks_dropped"].items():
            dropped_tracks.add_metric([c["camera"], reason], n)
        for reason, n in c["boxes_dropped"].items():
            dropped_boxes.add_metric([c["camera"], reason], n)
        hist = c["latency_histogram"]
        buckets = [(_le(le), n) for le, n in zip(hist["le"], hist["counts"], strict=True)]
        latency.add_metric(name, [*buckets, ("+Inf", hist["count"])], sum_value=hist["sum_s"])
    yield from (up, age, fps, *fams.values(), stage, dropped_tracks, dropped_boxes, latency)


def _store_metrics(doc: HealthStatus) -> Iterator[Metric]:
    store = doc["store"]
    if "written" in store:  # the running service's store writer
        yield CounterMetricFamily(P + "store_written", "Reads committed to the store.", value=store["written"])
        refused = CounterMetricFamily(P + "store_refused", "Reads the store refused, by reason.", labels=["reason"])
        for reason, n in sorted(store["refused_by_reason"].items()):
            refused.add_metric([reason], n)
        yield refused
        yield GaugeMetricFamily(P + "store_queue_depth", "Reads waiting for the store writer.", value=store["queued"])
    total = doc["reads"]["total"]
    if total is not None:
        yield GaugeMetricFamily(
            P + "store_reads", "Reads held in the store now (falls when retention purges).", value=total
        )
    disk = doc["disk"]
    yield GaugeMetricFamily(P + "disk_free_bytes", "Free space beside the store.", value=disk["free_mb"] * 1048576)
    yield GaugeMetricFamily(P + "disk_low", "1 when new reads are refused for lack of disk.", value=int(disk["low"]))
    ret = doc["retention"]
    if ret["lag_s"] is not None:
        yield GaugeMetricFamily(
            P + "purge_lag_seconds", "How far past its retention the oldest overdue read is.", value=ret["lag_s"]
        )
    last = _ts(ret["last_purge"])
    if last is not None:
        yield GaugeMetricFamily(P + "last_purge_timestamp_seconds", "Unix time of the last purge.", value=last)
    depth = GaugeMetricFamily(P + "outbox_depth", "Reads waiting to be sent, by peer.", labels=["peer"])
    conn = GaugeMetricFamily(P + "share_peer_connected", "1 while the peer's broker connection is up.", labels=["peer"])
    for p in doc["outbox"]["peers"]:
        depth.add_metric([p["peer"]], p["pending"])
        if p["connected"] is not None:
            conn.add_metric([p["peer"]], int(p["connected"]))
    yield depth
    yield conn


def _ledger_metrics(ledger: LedgerInfo) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        P + "ledger_ok",
        "1 when the ledger is readable, verified and writes succeed.",
        value=1 if ledger["ok"] else 0,
    )
    if "size_bytes" in ledger:  # absent without a ledger file (or when it could not be read)
        yield GaugeMetricFamily(
            P + "ledger_size_bytes", "Size of the audit ledger file and its WAL.", value=ledger["size_bytes"]
        )
    entries = CounterMetricFamily(
        P + "ledger_entries",
        "Ledger entries by action (share, share_denied, search, search_denied, purge, ...), all processes.",
        labels=["action"],
    )
    for action, n in sorted(ledger.get("actions", {}).items()):
        entries.add_metric([action], n)
    yield entries


class _AuditCounters(Collector):
    """The audit counters of this process (defined in edge.audit.metrics) in the service's registry."""

    def collect(self) -> Iterator[Metric]:
        from edge.audit import metrics as audit_metrics

        for counter in (
            audit_metrics.ENTRIES,
            audit_metrics.WRITE_FAILURES,
            audit_metrics.SEARCH_DENIED,
            audit_metrics.MISUSE_SIGNALS,
        ):
            yield from counter.collect()


def make_registry(monitor: HealthMonitor, *, process: bool = True) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(monitor))
    registry.register(_AuditCounters())
    if process:
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
    return registry
