"""Health, metrics and status of a running device: /healthz, /metrics, an HTML page and `edge-alpr status`."""
