#!/usr/bin/env bash
# Export a fast-plate-ocr Keras checkpoint as models/NAME.onnx (input `input`, output `plate`) with its
# plate config models/NAME.yaml (a copy of models/train/ocr-plate.yaml), and print their sha256 for
# models/manifest.yaml.
# Usage: scripts/export_ocr.sh [--help] RUN_DIR/best.keras [NAME]   (NAME default plate-ocr-v8;
#        PYTHON: training venv python)
# Example: PYTHON=/work/venv-train/bin/python bash scripts/export_ocr.sh runs/2026-12-01/best.keras plate-ocr-v8
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" || $# -lt 1 ]]; then sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
HERE="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-/work/venv-train/bin/python}"
export KERAS_BACKEND=torch
CKPT="$1"
NAME="${2:-plate-ocr-v8}"
PLATE_CFG="$HERE/models/train/ocr-plate.yaml"
OUT="$(mktemp -d)"
"$PY" -c "from fast_plate_ocr.cli.export import export; export()" \
  -m "$CKPT" -f onnx --no-simplify --plate-config-file "$PLATE_CFG" --save-dir "$OUT"
cp "$OUT"/*.onnx "$HERE/models/$NAME.onnx"
cp "$PLATE_CFG" "$HERE/models/$NAME.yaml"
chmod 644 "$HERE/models/$NAME.onnx" "$HERE/models/$NAME.yaml"
rm -rf "$OUT"
echo "[export_ocr] wrote $HERE/models/$NAME.onnx ($(stat -c %s "$HERE/models/$NAME.onnx") bytes) and $NAME.yaml"
sha256sum "$HERE/models/$NAME.onnx" "$HERE/models/$NAME.yaml"
