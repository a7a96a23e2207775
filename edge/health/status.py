"""The typed health status: one model for /healthz (its JSON), /metrics, the status page and `edge-alpr status`.

`HealthMonitor.snapshot()` returns a `HealthStatus`; the endpoint serves it as JSON unchanged, the
metrics collector and the renderers read it by key. These are TypedDicts (total: every key listed is
always there) so the JSON shape is the model itself and mypy checks every producer and consumer: a
renamed field is a type error, not a metric that silently exports 0. Keys marked ``NotRequired`` are
genuinely optional (a note or an error beside the figures); parts with two states (a camera of a
running service or of the config only, a store with or without its live counters, a config from the
running reloader or none) are unions of final TypedDicts told apart by a key that only one of them has
(``"frames" in camera``, ``"written" in store``, ``"reloads" in config``), which mypy narrows.
"""

# No `from __future__ import annotations` here: evaluated annotations let Python 3.11 see NotRequired
# (its TypedDict reads string annotations as required keys), so `__required_keys__` is right at runtime.
from typing import Literal, NotRequired, TypedDict, final

from edge.reload import ConfigInfo, ReloadInfo
from edge.types import LatencyHistogram

__all__ = [
    "CameraIdle",
    "CameraLive",
    "CameraStatus",
    "CheckpointInfo",
    "ClockInfo",
    "ConfigInfo",
    "DiskInfo",
    "HealthStatus",
    "LatencyHistogram",
    "LedgerInfo",
    "NoConfigInfo",
    "OutboxInfo",
    "PeerInfo",
    "ReadsInfo",
    "ReloadInfo",
    "RetentionInfo",
    "ServiceInfo",
    "StoreFiles",
    "StoreLive",
    "VerifiedInfo",
]


class ServiceInfo(TypedDict):
    running: bool
    node_id: str
    pid: int | None  # None (and started, uptime_s) when the files of a stopped service were read
    started: str | None
    uptime_s: float | None


@final
class CameraIdle(TypedDict):
    """A configured camera when the service is not running (`edge-alpr status` from the files)."""

    camera: str
    source_kind: str  # usb, rtsp, http, file, ...
    up: None
    state: Literal["not running"]


@final
class CameraLive(TypedDict):
    """A camera of the running service: its state and counters since start."""

    camera: str
    up: bool
    state: str  # up, starting, no frames, stalled, failed, ended
    fps: float
    last_frame_age_s: float | None
    frames: int
    dropped: int
    processed: int
    decode_errors: int
    errors: int
    reads: int
    refused: int
    reads_verified: int  # of those reads, stored because ocr.verifier agreed
    reopens: int
    disconnects: int
    latency_p50_ms: float
    latency_p95_ms: float
    latency_histogram: LatencyHistogram
    stage_ms: dict[str, float]
    tracks_dropped: dict[str, int]
    stage_seconds: dict[str, float]
    boxes_dropped: dict[str, int]  # plate boxes dropped before OCR, by reason (masked, no_vehicle)


CameraStatus = CameraIdle | CameraLive


class ReadsInfo(TypedDict):
    today: int | None  # None: no store (yet)
    total: int | None
    last: str | None  # store time of the newest read
    note: NotRequired[str]
    error: NotRequired[str]


@final
class StoreFiles(TypedDict):
    path: str


@final
class StoreLive(TypedDict):
    """The store of the running service: its writer's counters since start."""

    path: str
    written: int
    refused: int
    failed: int
    queued: int
    refused_by_reason: dict[str, int]


class RetentionInfo(TypedDict):
    lag_s: float | None  # None: no store or no purge log yet
    last_purge: str | None
    next_purge: str | None
    overdue: NotRequired[int]
    purge_interval_s: NotRequired[float]


class DiskInfo(TypedDict):
    path: str
    free_mb: float
    min_free_mb: int
    low: bool


class PeerInfo(TypedDict):
    peer: str
    pending: int
    connected: bool | None  # None: the publisher never reported
    last_ack: str | None
    expired: bool
    last_error: NotRequired[str | None]


class OutboxInfo(TypedDict):
    depth: int
    peers: list[PeerInfo]


class CheckpointInfo(TypedDict):
    size: int
    time: str


class VerifiedInfo(TypedDict):
    ok: bool | None  # None: not verified yet
    at: str | None
    entries: int
    problem: str | None


class SharingChangeInfo(TypedDict):
    """The latest signed change of sharing, profile or search policy (issue 27: such changes are loud)."""

    seq: int
    ts: str
    keys: list[str]
    recent: bool  # within SHARING_CHANGE_NOTICE of now


class LedgerInfo(TypedDict):
    path: str
    ok: bool
    entries: int
    head: str | None
    checkpoint: CheckpointInfo | None
    note: NotRequired[str]
    error: NotRequired[str]
    size_bytes: NotRequired[int]
    actions: NotRequired[dict[str, int]]
    write_failures: NotRequired[int]
    verified: NotRequired[VerifiedInfo]
    sharing_changed: NotRequired[SharingChangeInfo]


@final
class NoConfigInfo(TypedDict):
    """No reloader (the files of a stopped service were read)."""

    source: None


class ClockInfo(TypedDict):
    synchronised: bool | None  # None: the kernel does not say


class HealthStatus(TypedDict):
    healthy: bool
    problems: list[str]
    time: str
    service: ServiceInfo
    cameras: list[CameraStatus]
    reads: ReadsInfo
    store: StoreFiles | StoreLive
    retention: RetentionInfo
    disk: DiskInfo
    outbox: OutboxInfo
    ledger: LedgerInfo
    config: ConfigInfo | NoConfigInfo
    clock: ClockInfo
