"""The whole configuration: one section per concern, each in its own module."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from edge.config.audit import AuditConfig, SearchConfig
from edge.config.cameras import CameraConfig
from edge.config.common import Strict
from edge.config.health import HealthConfig
from edge.config.hotlist import HotlistConfig
from edge.config.pipeline import (
    DetectorConfig,
    GateConfig,
    ModelsConfig,
    OcrConfig,
    OverlayConfig,
    TrackingConfig,
    VehicleConfig,
)
from edge.config.sharing import SharingConfig
from edge.config.store import RetentionConfig, StoreConfig
from edge.policy.profiles import check_profile

Profile = Literal["IL", "CA", "VA", "NH", "ME", "none"]


class Config(Strict):
    node_id: str = Field(
        default="edge-node",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$",
        description="Name of this device in reads, shares and the ledger.",
    )
    profile: Profile = Field(default="none", description="Jurisdiction profile whose ALPR law this device enforces.")
    cameras: list[CameraConfig] = Field(default_factory=list, description="Cameras run by `edge-alpr run`.")
    models: ModelsConfig = Field(default_factory=ModelsConfig, description="Which models to load.")
    gate: GateConfig = Field(default_factory=GateConfig, description="Motion gate before the detector.")
    detector: DetectorConfig = Field(default_factory=DetectorConfig, description="Plate detector settings.")
    vehicles: VehicleConfig = Field(
        default_factory=VehicleConfig, description="Optional vehicle detector settings (models.vehicle)."
    )
    overlays: OverlayConfig = Field(
        default_factory=OverlayConfig, description="Burned-in text (date/time overlays) learned per camera and masked."
    )
    ocr: OcrConfig = Field(default_factory=OcrConfig, description="OCR settings.")
    tracking: TrackingConfig = Field(default_factory=TrackingConfig, description="Tracking and voting.")
    store: StoreConfig = Field(default_factory=StoreConfig, description="Local SQLite store.")
    retention: RetentionConfig = Field(default_factory=RetentionConfig, description="How long data is kept.")
    audit: AuditConfig = Field(default_factory=AuditConfig, description="Audit ledger.")
    search: SearchConfig = Field(default_factory=SearchConfig, description="Justified search: purposes, agencies.")
    sharing: SharingConfig = Field(default_factory=SharingConfig, description="Per-peer grants (none: nothing leaves).")
    hotlists: HotlistConfig = Field(
        default_factory=HotlistConfig, description="Hotlist categories, tolerant matching and alert muting."
    )
    health: HealthConfig = Field(
        default_factory=HealthConfig, description="Local health, metrics and status endpoint of `edge-alpr run`."
    )

    def with_db(self, path: Path | str) -> Config:
        """This config with the store at `path` (the `--db` of every command; ledger, outbox and
        keys follow the store unless configured elsewhere)."""
        return self.model_copy(update={"store": self.store.model_copy(update={"path": str(path)})})

    @model_validator(mode="after")
    def _unique_camera_names(self) -> Config:
        names = [c.name for c in self.cameras]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"camera names must be unique; repeated: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _grant_categories_known(self) -> Config:
        """A grant naming a category no hotlist can have would silently share nothing: refuse it."""
        known = {c.code for c in self.hotlists.categories}
        problems = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "category",
                    "{message}",
                    {"message": f"hotlist category {cat!r} is not in hotlists.categories ({', '.join(sorted(known))})"},
                ),
                loc=("sharing", "peers", i, "categories", j),
                input=cat,
            )
            for i, peer in enumerate(self.sharing.peers)
            for j, cat in enumerate(peer.categories)
            if cat not in known
        ]
        if problems:
            raise ValidationError.from_exception_data("Config", problems)
        return self

    @model_validator(mode="after")
    def _ocr_reads_what_the_tracker_keeps(self) -> Config:
        """A track whose plate grows to tracking.min_plate_width but stays under ocr.min_width would be
        kept by the one and never read by the other: refuse the pair."""
        if self.ocr.min_width > self.tracking.min_plate_width:
            raise ValueError(
                f"ocr.min_width {self.ocr.min_width} is above tracking.min_plate_width "
                f"{self.tracking.min_plate_width}: plates between the two would be tracked and never read; "
                "lower ocr.min_width (0 reads every plate)"
            )
        return self

    @model_validator(mode="after")
    def _jurisdiction_profile(self) -> Config:
        check_profile(self)  # refuses retention, purposes or requester rules the profile's law forbids
        return self
