"""Frame sources: video files, image folders, live cameras and streams (edge.capture.live)."""

from edge.capture.base import Source, SourceStats
from edge.capture.files import FileSource, ImageFolderSource, open_source
from edge.capture.live import LiveSource, LiveStats, list_devices, open_camera, probe_camera, source_kind

__all__ = [
    "FileSource",
    "ImageFolderSource",
    "LiveSource",
    "LiveStats",
    "Source",
    "SourceStats",
    "list_devices",
    "open_camera",
    "open_source",
    "probe_camera",
    "source_kind",
]
