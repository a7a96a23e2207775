#!/usr/bin/env bash
# Train and export edge-alpr's plate OCR model (fast-plate-ocr 1.1.0, tiny CCT) on synthetic crops.
#
# Usage: scripts/train_ocr.sh [--help] [NAME] [DATA_ROOT]
#   NAME       model name to write: models/NAME.onnx + models/NAME.yaml  (default plate-ocr-v3)
#   DATA_ROOT  folder with the crop sets, made by                        (default /work/data-gen)
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr  --seed 20261127
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr2 --seed 20261128 --val 0
# The stages below are the ones the shipped model went through (see models/NAME.md), each starting
# from the previous stage's best checkpoint:
#   A  8 epochs, lr 0.002, fast-plate-ocr's default augmentation, set ocr      (from scratch)
#   B  3 epochs, lr 0.0005, default augmentation, set ocr
#   C 10 epochs, lr 0.001, light augmentation (models/train/ocr-augment.yaml), set ocr
#   D  6 epochs, lr 0.0007, light augmentation, sets ocr + ocr2 (48k crops)   (plate-ocr-v3 only)
# STAGES picks stages (default "A B C D"; plate-ocr-v2 is "A B C"). OCR_THREADS sets torch threads
# (default 1). On 2 x86 cores: ~5 min per epoch of 24k crops, ~11 min of 48k.
#
# Needs a training venv (PYTHON, default /work/venv-train/bin/python) with:
#   pip install "fast-plate-ocr[onnx]==1.1.0" "keras>=3.10,<4" albumentations click "pydantic>=2.5.2,<3" \
#       pandas scikit-learn torch==2.13.0 onnx onnxscript opencv-python-headless pillow
# (not the [train] extra: it pulls tensorflow). The train/export commands are called through their
# click functions, because fast-plate-ocr's CLI entry point also imports matplotlib.
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,26p' "$0"; exit 0; fi
HERE="$(cd "$(dirname "$0")/.." && pwd)"
NAME="${1:-plate-ocr-v3}"
DATA="${2:-/work/data-gen}"
STAGES="${STAGES:-A B C D}"
PY="${PYTHON:-/work/venv-train/bin/python}"
export KERAS_BACKEND=torch
# One torch thread: on a shared 2-core machine two threads were several times slower (sync stalls).
export OMP_NUM_THREADS="${OCR_THREADS:-1}" MKL_NUM_THREADS="${OCR_THREADS:-1}"
PLATE_CFG="$HERE/models/train/ocr-plate.yaml"
RUNS="$DATA/ocr-train-$NAME"
mkdir -p "$RUNS"
# The combined set for stage D: paths relative to DATA.
{ echo "image_path,plate_text"; tail -n +2 "$DATA/ocr/train.csv" | sed 's#^#ocr/#'
  if [[ -f "$DATA/ocr2/train.csv" ]]; then tail -n +2 "$DATA/ocr2/train.csv" | sed 's#^#ocr2/#'; fi; } > "$DATA/comb-train.csv"
{ echo "image_path,plate_text"; tail -n +2 "$DATA/ocr/val.csv" | sed 's#^#ocr/#'; } > "$DATA/comb-val.csv"

weights=()
stage() {  # stage ID EPOCHS LR AUGMENT(default|light) TRAIN_CSV VAL_CSV SEED
  local id=$1 epochs=$2 lr=$3 aug=$4 train=$5 val=$6 seed=$7 out="$RUNS/$1"
  local augment=()
  if [[ "$aug" == light ]]; then augment=(--augmentation-path "$HERE/models/train/ocr-augment.yaml"); fi
  echo "[train_ocr] $(date -u +%FT%TZ) stage $id: $epochs epochs, lr $lr, $aug augmentation, $train"
  mkdir -p "$out"
  "$PY" -c "from fast_plate_ocr.cli.train import train; train()" \
    --model-config-file "$HERE/models/train/ocr-model.yaml" --plate-config-file "$PLATE_CFG" \
    --annotations "$train" --val-annotations "$val" "${augment[@]}" \
    --epochs "$epochs" --batch-size 64 --lr "$lr" --warmup-fraction "$([[ $id == A ]] && echo 0.05 || echo 0.02)" \
    --seed "$seed" "${weights[@]}" --output-dir "$out"
  local runs=("$out"/*/)  # fast-plate-ocr names each run by its start time: the last is this one
  weights=(--weights-path "${runs[-1]}best.keras")
}
for s in $STAGES; do
  case $s in
    A) stage A 8 0.002 default "$DATA/ocr/train.csv" "$DATA/ocr/val.csv" 1127 ;;
    B) stage B 3 0.0005 default "$DATA/ocr/train.csv" "$DATA/ocr/val.csv" 1128 ;;
    C) stage C 10 0.001 light "$DATA/ocr/train.csv" "$DATA/ocr/val.csv" 1128 ;;
    D) stage D 6 0.0007 light "$DATA/comb-train.csv" "$DATA/comb-val.csv" 1129 ;;
    *) echo "unknown stage $s" >&2; exit 2 ;;
  esac
done
echo "[train_ocr] $(date -u +%FT%TZ) exporting ${weights[1]} as $NAME"
"$HERE/scripts/export_ocr.sh" "${weights[1]}" "$NAME"
