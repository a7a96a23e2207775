"""edge-alpr: licence-plate recognition at the edge, every read, share and search accounted for."""

__version__ = "0.1.0"
