#!/usr/bin/env bash
# Train CTC plate-OCR candidates on one GPU in one go: crops rendered on most cores while two runs
# train side by side on the same folder (models/plate-ocr-ctc-v1.md says what the CPU recipe did).
#
# Usage: scripts/train_ctc_ocr_gpu.sh [--help]
#   environment: ROOT   crops and runs (default /tmp/ocr)        OUT     where weights and logs are copied
#                CROPS  crops to render in all (default 400000)  START   crops before training starts (4000)
#                MIN    minutes of training (default 8)          DEVICE  torch device (default cuda)
#                GEN    render processes (default: half the cores)
#                WORKERS batch-making processes per run (default: a quarter of the cores, at least 1)
#                BATCH  (default 128)                            PYTHON  (default python3)
#                FONTS  extra font files for the renders (default: the CPU recipe's 11,
#                       scripts/ctc-ocr-fonts.txt)
#                DEADLINE_S  if set, MIN is what is left of this many seconds from the start, less 60,
#                            once START crops exist
#
# Stages:
#   crops  edge_tools.ctc_ocr.gen, GEN processes, seeds 101.. (training generator edge_tools.synth
#          only, plus the FONTS the cross renderer never uses); they keep rendering while the runs
#          train, and the runs re-read the folder (the first 300 crops are each run's held-out sanity set)
#   train  a: the CPU recipe at scale: PP-OCR's weights (rapidocr 3.10.0's PP-OCRv6 recognition, head
#             cut to blank + 0-9A-Z), last half of the parameters, lr 2e-4
#          b: plate-ocr-ctc-v1 fine-tuned (its export, BatchNorms folded), lr 1e-4
#          each: batch BATCH, inputs padded to 192 columns as the runtime reads them, cosine learning
#          rate ending at MIN minutes; the last weights are what counts (no checkpoint is chosen)
# Export here afterwards (CPU is enough), then judge on the development splits (models/README.md):
#   python -m edge_tools.ctc_ocr.export OUT/a.pt models/NAME.onnx --two-line-below 2.4
#   python -m edge_tools.ctc_ocr.export OUT/b.pt models/NAME.onnx --two-line-below 2.4 --init-onnx models/plate-ocr-ctc-v1.onnx
# Needs: torch, onnx, onnx2torch 1.5.15, opencv-python-headless, Pillow, numpy, pyyaml, the synth's
# plate fonts (edge_tools/synth/plates.py), FONTS, and for run a PP-OCR's recognition ONNX (rapidocr
# 3.10.0's wheel, or a copy of models/PP-OCRv6_rec_small.onnx from it named by EDGE_PPOCR_REC). A lent
# GPU machine has torch, onnx, OpenCV, Pillow, numpy and pyyaml; carry the rest (about 30 MB with the
# tree's 20), once, here in the repository's root:
#   echo /.devfonts/ >>.git/info/exclude; echo /.whl/ >>.git/info/exclude
#   (python -c "from edge_tools.synth.plates import available_fonts as a; print(*a(), sep='\n')";
#    grep -v '^#' scripts/ctc-ocr-fonts.txt) | while read -r f; do mkdir -p ".devfonts$(dirname "$f")"; cp "$f" ".devfonts$f"; done
#   cp "$(python -c 'from edge_tools.ctc_ocr.convert import rapidocr_rec_model as m; print(m())')" .devfonts/ppocr-rec.onnx
#   python3 -m pip download --no-deps --only-binary=:all: -d .whl onnx2torch==1.5.15
# and there (carry .devfonts and .whl): cp -r .devfonts/usr / && pip install -q --no-deps --target /tmp/site
#   .whl/*.whl && PYTHONPATH=/tmp/site EDGE_PPOCR_REC=$PWD/.devfonts/ppocr-rec.onnx OUT=$OUT DEADLINE_S=480 \
#   bash scripts/train_ctc_ocr_gpu.sh
# Example (here, on the CPU, a few steps): DEVICE=cpu GEN=1 WORKERS=1 CROPS=1200 START=600 MIN=1 BATCH=16 bash scripts/train_ctc_ocr_gpu.sh
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
ROOT=${ROOT:-/tmp/ocr}
OUT=${OUT:-$ROOT/out}
CROPS=${CROPS:-400000}
START=${START:-4000}
MIN=${MIN:-8}
DEVICE=${DEVICE:-cuda}
CORES=$(nproc)
GEN=${GEN:-$(( CORES / 2 > 1 ? CORES / 2 : 1 ))}
WORKERS=${WORKERS:-$(( CORES / 4 > 1 ? CORES / 4 : 1 ))}
BATCH=${BATCH:-128}
PY=${PYTHON:-python3}
mkdir -p "$ROOT/crops" "$ROOT/fonts" "$OUT"
FONTS=${FONTS:-$(grep -v '^#' scripts/ctc-ocr-fonts.txt)}
for f in $FONTS; do
  [[ -f "$f" ]] && ln -sf "$f" "$ROOT/fonts/" || echo "font missing: $f" >&2
done
export EDGE_SYNTH_FONT_DIR="$ROOT/fonts"
PIDS=()
for ((i = 0; i < GEN; i++)); do
  "$PY" -m edge_tools.ctc_ocr.gen --out "$ROOT/crops" --count $(( CROPS / GEN )) --seed $(( 101 + i )) \
    >"$OUT/gen-$i.log" 2>&1 &
  PIDS+=($!)
done
while (( $(find "$ROOT/crops" -name '*.jpg' ! -name '.*' | wc -l) < START )); do
  for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null || { echo "a render process stopped: $OUT/gen-*.log" >&2; exit 1; }; done
  sleep 2
done
if [[ -n "${DEADLINE_S:-}" ]]; then MIN=$("$PY" -c "print(max(0.5, ($DEADLINE_S - $SECONDS - 60) / 60))"); fi
echo "$START crops in $SECONDS s; training $MIN min on $DEVICE, $WORKERS batch makers per run" | tee "$OUT/data.log"
COMMON=(--data "$ROOT/crops" --device "$DEVICE" --workers "$WORKERS" --threads 2 --minutes "$MIN"
        --batch "$BATCH" --pad-width 192 --holdout 300 --rescan 200)
"$PY" -m edge_tools.ctc_ocr.train "${COMMON[@]}" --out "$ROOT/a" --lr 2e-4 >"$OUT/a.log" 2>&1 &
RUNS=($!)
"$PY" -m edge_tools.ctc_ocr.train "${COMMON[@]}" --out "$ROOT/b" --lr 1e-4 \
    --init-onnx models/plate-ocr-ctc-v1.onnx >"$OUT/b.log" 2>&1 &
RUNS+=($!)
(  # the latest weights reach OUT as they are written, so a stopped run still returns them
  while sleep 15; do
    for v in a b; do [[ -f "$ROOT/$v/last.pt" ]] && cp "$ROOT/$v/last.pt" "$OUT/.$v.tmp" && mv "$OUT/.$v.tmp" "$OUT/$v.pt"; done
  done
) &
COPIER=$!
FAIL=0
for job in "${RUNS[@]}"; do wait "$job" || FAIL=1; done
kill "$COPIER" "${PIDS[@]}" 2>/dev/null || true
for v in a b; do [[ -f "$ROOT/$v/last.pt" ]] && cp "$ROOT/$v/last.pt" "$OUT/$v.pt"; done
echo "$(find "$ROOT/crops" -name '*.jpg' ! -name '.*' | wc -l) crops rendered in all" >>"$OUT/data.log"
exit $FAIL
