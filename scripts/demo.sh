#!/usr/bin/env bash
# The main job on a fresh machine: replay the shipped sample clip on the shipped models into a local
# SQLite store (data/demo.db), and score the reads against the clip's ground truth. No network needed
# after the one-time install of the Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/edge-alpr replay samples/sample.mp4 --db data/demo.db --truth samples/sample.json "$@"
