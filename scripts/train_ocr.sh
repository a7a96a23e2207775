#!/usr/bin/env bash
# Train and export edge-alpr's plate OCR model (fast-plate-ocr 1.1.0, tiny CCT) on synthetic crops.
#
# Usage: scripts/train_ocr.sh [--help] [DATA_DIR] [EPOCHS] [RUNS_DIR]
#   DATA_DIR  output of scripts/make_ocr_dataset.py  (default /work/data-gen/ocr)
#   EPOCHS    training epochs                         (default 8) 
#   RUNS_DIR  where fast-plate-ocr writes its runs    (default /work/data-gen/ocr-runs)
# OCR_THREADS sets torch threads (default 1). Then copies the best checkpoint's ONNX export to models/plate-ocr-v1.onnx.
#
# Needs a training venv (PYTHON, default /work/venv-train/bin/python) with:
#   pip install "fast-plate-ocr[onnx]==1.1.0" "keras>=3.10,<4" albumentations click "pydantic>=2.5.2,<3" \
#       pandas scikit-learn torch==2.13.0 onnx onnxscript opencv-python-headless pillow
# (not the [train] extra: it pulls tensorflow). The train/export commands are called through their
# click functions, because fast-plate-ocr's CLI entry point also imports matplotlib.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,15p' "$0"; exit 0; fi
HERE="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${1:-/work/data-gen/ocr}"
EPOCHS="${2:-8}"
RUNS="${3:-/work/data-gen/ocr-runs}"
PY="${PYTHON:-/work/venv-train/bin/python}"
export KERAS_BACKEND=torch
# One torch thread: on a shared 2-core machine two threads were several times slower (sync stalls).
export OMP_NUM_THREADS="${OCR_THREADS:-1}" MKL_NUM_THREADS="${OCR_THREADS:-1}"
mkdir -p "$RUNS"
echo "[train_ocr] $(date -u +%FT%TZ) training $EPOCHS epochs on $DATA -> $RUNS"
"$PY" -c "from fast_plate_ocr.cli.train import train; train()" \
  --model-config-file "$HERE/models/train/ocr-model.yaml" \
  --plate-config-file "$HERE/models/plate-ocr-v1.yaml" \
  --annotations "$DATA/train.csv" \
  --val-annotations "$DATA/val.csv" \
  --epochs "$EPOCHS" --batch-size 64 --lr 0.002 --seed 1127 \
  --output-dir "$RUNS"
RUN="$(ls -td "$RUNS"/*/ | head -1)"
echo "[train_ocr] $(date -u +%FT%TZ) exporting $RUN/best.keras"
"$HERE/scripts/export_ocr.sh" "$RUN/best.keras"
