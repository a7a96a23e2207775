#!/usr/bin/env bash
# Train and export edge-alpr's plate OCR model (fast-plate-ocr 1.1.0, tiny CCT) on synthetic crops.
#
# Usage: scripts/train_ocr.sh [--help] [NAME] [DATA_ROOT]
#   NAME       model name to write: models/NAME.onnx + models/NAME.yaml  (default plate-ocr-v8)
#   DATA_ROOT  folder with the crop sets, made by                        (default /work/data-gen)
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr  --seed 20261127
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr2 --seed 20261128 --val 0
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr3 --seed 20261129
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr4 --seed 20261130 --val 0
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr5 --seed 20261201 --val 0
#                python scripts/make_ocr_dataset.py --out DATA_ROOT/ocr6 --seed 20261202 --val 0
#                python -m edge_tools.make_ocr_clip_crops --out DATA_ROOT/clipcrops  --clips 26 --seed 3000000
#                python -m edge_tools.make_ocr_clip_crops --out DATA_ROOT/clipcrops2 --clips 26 --seed 3100000
#                python -m edge_tools.make_ocr_clip_crops --out DATA_ROOT/clipcrops3 --clips 14 --seed 3200000
#                python -m edge_tools.make_ocr_clip_crops --out DATA_ROOT/clipcrops4 --clips 26 --seed 3300000
#                python -m edge_tools.make_ocr_clip_crops --out DATA_ROOT/clipcrops5 --clips 26 --seed 3400000 --near 72:2
#                python -m edge_tools.make_ocr_clip_crops --out DATA_ROOT/clipcrops6 --clips 26 --seed 3500000 --near 72:2
#              (ocr by a draft renderer, see models/plate-ocr-v3.md; ocr2 with the short-shutter
#              night and rain; ocr3 to ocr6 also with motion blur up to the legibility limit;
#              clipcrops* are the pipeline's own crops from rendered clips, cut with plate-det-v1 and
#              the default gate: 10.3k, 9.9k, 4.3k, 8.5k crops, ~30 min each set on one core;
#              clipcrops5 and clipcrops6 also have the near-legible plates the tracker votes on:
#              13.8k and 13.9k crops)
# The stages below are the ones the shipped models went through (see models/NAME.md), each starting
# from the previous stage's best checkpoint:
#   A  8 epochs, lr 0.002, fast-plate-ocr's default augmentation, set ocr      (from scratch)
#   B  3 epochs, lr 0.0005, default augmentation, set ocr                      (= plate-ocr-v1)
#   C 10 epochs, lr 0.001, light augmentation (models/train/ocr-augment.yaml), set ocr (= v2)
#   D  2 epochs, lr 0.0007, light augmentation, sets ocr + ocr2 (48k crops; a 6-epoch schedule
#      stopped after 2 when ocr3 was ready)
#   E  5 epochs, lr 0.0007, light augmentation, sets ocr2 + ocr3 (48k), validated on ocr3's val (= v3)
#   F  3 epochs, lr 0.0003, light augmentation, sets ocr2 + ocr3, validated on ocr3's val
#   G  5 epochs, lr 0.0005, light augmentation, sets ocr3 + ocr4 (48k), validated on ocr3's val
#   H  5 epochs, lr 0.001, light augmentation, sets ocr3 + ocr4, a third transformer layer
#      (models/train/ocr-model-deep.yaml; the other layers start from G's weights)     (= v4)
#   I  8 epochs, lr 0.0008, light augmentation, sets ocr4 + ocr5 (48k), validated on ocr3's val, a
#      fourth transformer layer (models/train/ocr-model-deep4.yaml; the others from H)  (= v5)
#   J  5 epochs, lr 0.0005, light augmentation, sets clipcrops + clipcrops2 + ocr6 (44k), validated
#      on clipcrops3 (held-out clips): the pipeline's own crops                         (= v6)
#   K  4 epochs, lr 0.0005, light augmentation, sets clipcrops + clipcrops2 + clipcrops4 + ocr6 (53k),
#      validated on clipcrops3
#   L  2 epochs, lr 0.0004, light augmentation, K's sets + clipcrops5 (66k; its near-legible plates),
#      validated on clipcrops3                                                          (= v7)
#   M  3 epochs, lr 0.0004, light augmentation, L's sets + clipcrops6 (80k), validated on clipcrops3
#                                                                                       (= v8)
# INIT=CKPT.keras starts the first stage from that checkpoint instead of the previous stage's (or from
# scratch for A): a new machine has no checkpoints of earlier runs, so e.g.
#   python scripts/ocr_keras_from_onnx.py models/plate-ocr-v8.onnx models/train/ocr-model-deep4.yaml \
#       DATA_ROOT/v8.keras --crops DATA_ROOT/clipcrops3/train.csv
#   INIT=DATA_ROOT/v8.keras STAGES=M scripts/train_ocr.sh plate-ocr-v9   (M's data, from v8)
# STAGES picks stages (default "A B C D E F G H I J K L M"; v2 was "A B C", v3 "A B C D E", v4 to "H", v5 to "I",
# v6 to "J", v7 to "L"). OCR_THREADS sets torch
# threads (default 1). On 2 x86 cores: 5 min per epoch of 24k crops, 8-12 min of 48k.
#
# Needs a training venv (PYTHON, default /work/venv-train/bin/python) with:
#   pip install "fast-plate-ocr[onnx]==1.1.0" "keras>=3.10,<4" albumentations click "pydantic>=2.5.2,<3" \
#       pandas scikit-learn torch==2.13.0 onnx onnxscript onnxslim opencv-python-headless pillow
# (not the [train] extra: it pulls tensorflow). The train/export commands are called through their
# click functions, because fast-plate-ocr's CLI entry point also imports matplotlib.
# Example: PYTHON=/work/venv-train/bin/python bash scripts/train_ocr.sh plate-ocr-v8 /work/data-gen
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; fi
HERE="$(cd "$(dirname "$0")/.." && pwd)"
NAME="${1:-plate-ocr-v8}"
DATA="${2:-/work/data-gen}"
STAGES="${STAGES:-A B C D E F G H I J K L M}"
PY="${PYTHON:-/work/venv-train/bin/python}"
export KERAS_BACKEND=torch
# One torch thread: on a shared 2-core machine two threads were several times slower (sync stalls).
export OMP_NUM_THREADS="${OCR_THREADS:-1}" MKL_NUM_THREADS="${OCR_THREADS:-1}"
PLATE_CFG="$HERE/models/train/ocr-plate.yaml"
RUNS="$DATA/ocr-train-$NAME"
mkdir -p "$RUNS"
combine() {  # combine OUT.csv SET/SPLIT... : one CSV over several sets, paths relative to DATA
  local out=$1; shift
  { echo "image_path,plate_text"; for part in "$@"; do
      tail -n +2 "$DATA/${part%/*}/${part#*/}.csv" | sed "s#^#${part%/*}/#"; done; } > "$DATA/$out"
}

weights=()
if [[ -n "${INIT:-}" ]]; then weights=(--weights-path "$INIT"); fi
stage() {  # stage ID EPOCHS LR AUGMENT(default|light) TRAIN_CSV VAL_CSV SEED [MODEL_YAML]
  local id=$1 epochs=$2 lr=$3 aug=$4 train=$5 val=$6 seed=$7 model=${8:-$HERE/models/train/ocr-model.yaml} out="$RUNS/$1"
  local augment=()
  if [[ "$aug" == light ]]; then augment=(--augmentation-path "$HERE/models/train/ocr-augment.yaml"); fi
  echo "[train_ocr] $(date -u +%FT%TZ) stage $id: $epochs epochs, lr $lr, $aug augmentation, $train"
  mkdir -p "$out"
  "$PY" -c "from fast_plate_ocr.cli.train import train; train()" \
    --model-config-file "$model" --plate-config-file "$PLATE_CFG" \
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
    D) combine comb-train.csv ocr/train ocr2/train; combine comb-val.csv ocr/val
       stage D 2 0.0007 light "$DATA/comb-train.csv" "$DATA/comb-val.csv" 1129 ;;
    E) combine comb2-train.csv ocr2/train ocr3/train; combine comb2-val.csv ocr3/val
       stage E 5 0.0007 light "$DATA/comb2-train.csv" "$DATA/comb2-val.csv" 1130 ;;
    F) combine comb2-train.csv ocr2/train ocr3/train; combine comb2-val.csv ocr3/val
       stage F 3 0.0003 light "$DATA/comb2-train.csv" "$DATA/comb2-val.csv" 1131 ;;
    G) combine comb3-train.csv ocr3/train ocr4/train; combine comb3-val.csv ocr3/val
       stage G 5 0.0005 light "$DATA/comb3-train.csv" "$DATA/comb3-val.csv" 1132 ;;
    H) combine comb3-train.csv ocr3/train ocr4/train; combine comb3-val.csv ocr3/val
       stage H 5 0.001 light "$DATA/comb3-train.csv" "$DATA/comb3-val.csv" 1134 "$HERE/models/train/ocr-model-deep.yaml" ;;
    I) combine comb4-train.csv ocr4/train ocr5/train; combine comb3-val.csv ocr3/val
       stage I 8 0.0008 light "$DATA/comb4-train.csv" "$DATA/comb3-val.csv" 1140 "$HERE/models/train/ocr-model-deep4.yaml" ;;
    J) combine comb6-train.csv clipcrops/train clipcrops2/train ocr6/train; combine clip3-val.csv clipcrops3/train
       stage J 5 0.0005 light "$DATA/comb6-train.csv" "$DATA/clip3-val.csv" 1160 "$HERE/models/train/ocr-model-deep4.yaml" ;;
    K) combine comb7-train.csv clipcrops/train clipcrops2/train clipcrops4/train ocr6/train; combine clip3-val.csv clipcrops3/train
       stage K 4 0.0005 light "$DATA/comb7-train.csv" "$DATA/clip3-val.csv" 1180 "$HERE/models/train/ocr-model-deep4.yaml" ;;
    L) combine comb8-train.csv clipcrops/train clipcrops2/train clipcrops4/train ocr6/train clipcrops5/train
       combine clip3-val.csv clipcrops3/train
       stage L 2 0.0004 light "$DATA/comb8-train.csv" "$DATA/clip3-val.csv" 1190 "$HERE/models/train/ocr-model-deep4.yaml" ;;
    M) combine comb9-train.csv clipcrops/train clipcrops2/train clipcrops4/train ocr6/train clipcrops5/train clipcrops6/train
       combine clip3-val.csv clipcrops3/train
       stage M 3 0.0004 light "$DATA/comb9-train.csv" "$DATA/clip3-val.csv" 1200 "$HERE/models/train/ocr-model-deep4.yaml" ;;
    *) echo "unknown stage $s" >&2; exit 2 ;;
  esac
done
echo "[train_ocr] $(date -u +%FT%TZ) exporting ${weights[1]} as $NAME"
"$HERE/scripts/export_ocr.sh" "${weights[1]}" "$NAME"
