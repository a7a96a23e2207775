#!/usr/bin/env bash
# Export a fast-plate-ocr Keras checkpoint to models/plate-ocr-v1.onnx (input `input`, output `plate`).
# Usage: scripts/export_ocr.sh [--help] RUN_DIR/best.keras     (PYTHON: training venv python)
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" || $# -lt 1 ]]; then sed -n '2,3p' "$0"; exit 0; fi
HERE="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-/work/venv-train/bin/python}"
export KERAS_BACKEND=torch
CKPT="$1"
OUT="$(mktemp -d)"
"$PY" -c "from fast_plate_ocr.cli.export import export; export()" \
  -m "$CKPT" -f onnx --no-simplify --plate-config-file "$HERE/models/plate-ocr-v1.yaml" --save-dir "$OUT"
cp "$OUT"/*.onnx "$HERE/models/plate-ocr-v1.onnx"
chmod 644 "$HERE/models/plate-ocr-v1.onnx"
echo "[export_ocr] wrote $HERE/models/plate-ocr-v1.onnx ($(stat -c %s "$HERE/models/plate-ocr-v1.onnx") bytes)"
