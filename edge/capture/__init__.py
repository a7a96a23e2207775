"""Frame sources: video files, image folders (live cameras and streams in edge.capture.live)."""

from edge.capture.base import Source, SourceStats
from edge.capture.files import FileSource, ImageFolderSource, open_source

__all__ = ["FileSource", "ImageFolderSource", "Source", "SourceStats", "open_source"]
