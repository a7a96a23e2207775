"""Tracking plates across frames and voting one read per vehicle pass."""

from edge.track.tracker import PlateTracker, vote

__all__ = ["PlateTracker", "vote"]
