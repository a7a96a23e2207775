"""Camera sources."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator

from edge.config.common import Duration, Strict


class CameraConfig(Strict):
    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
        description="Short camera id used in reads and the ledger (lowercase letters, digits, - and _).",
    )
    source: str = Field(
        description="What to open: a device index ('0'), a device path ('/dev/video0'), an rtsp:// or "
        "http(s):// stream URL, a video file or a folder of images.",
    )
    width: int | None = Field(default=None, gt=0, description="Requested capture width (live cameras).")
    height: int | None = Field(default=None, gt=0, description="Requested capture height (live cameras).")
    fps: float | None = Field(default=None, gt=0, description="Requested capture rate (live cameras).")
    fourcc: str | None = Field(
        default=None, min_length=4, max_length=4, description="Capture pixel format, e.g. MJPG (USB cameras)."
    )
    reopen_backoff_max: Duration = Field(
        default=timedelta(seconds=30), description="Longest wait between attempts to reopen a camera that disappeared."
    )
    open_timeout: Duration = Field(
        default=timedelta(seconds=10), description="Longest wait for a camera or stream to open (live cameras)."
    )
    read_timeout: Duration = Field(
        default=timedelta(seconds=5),
        description="A live camera that gives no frame for this long is treated as stalled and reopened.",
    )
    queue_size: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Frames buffered between capture and recognition; when full the oldest is dropped (and "
        "counted) so the newest frame wins.",
    )
    roi: list[tuple[int, int]] | None = Field(
        default=None,
        min_length=3,
        description="Region of interest polygon in frame pixels [[x, y], ...]; motion outside it is ignored.",
    )
    masks: list[list[tuple[int, int]]] = Field(
        default_factory=list,
        description="Polygons in frame pixels [[[x, y], ...], ...] where no plate is read (a date/time overlay, "
        "a sign, a parking lot): a plate box whose centre lies in one is dropped before OCR. Burned-in text is also "
        "learned (overlays.learn); `edge-alpr cameras --preview NAME` draws both.",
    )

    @field_validator("masks")
    @classmethod
    def _masks_are_polygons(cls, value: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
        for i, poly in enumerate(value):
            if len(poly) < 3:
                raise ValueError(f"mask {i} has {len(poly)} point(s): a polygon needs at least 3 [x, y] points")
            bad = [pt for pt in poly if pt[0] < 0 or pt[1] < 0]
            if bad:
                raise ValueError(f"mask {i} has negative coordinates {bad[0]}: points are frame pixels from 0")
        return value
