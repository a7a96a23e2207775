#!/usr/bin/env bash
# Train plate-detector candidates on one GPU in one go: data on every core, then three networks
# side by side on the same images (models/README.md says which one was kept, and why).
#
# Usage: scripts/train_plate_det_gpu.sh [--help]
#   environment: ROOT  data and runs (default /tmp/det4)      OUT    where weights and logs are copied
#                CLIPS training clips (default 1600, 25 frames each: 40,000 images)
#                MIN   minutes of training (default 6)         DEVICE torch device (default cuda)
#                LOADERS DataLoader processes per run (default: a third of the cores, less one)
#                DEADLINE_S  if set, MIN is what is left of this many seconds from the start, less 45,
#                            once the data is made       PYTHON (default python3)
#
# Stages:
#   data   scripts/make_detector_dataset.py, training generator edge_tools.synth only, seed 11 (v2's
#          320 clips are the first 320 of these), half the clips with the camera's date/time overlay,
#          walkers and trees (--hard), half the images with signs, house numbers and overlays pasted as
#          negatives (--clutter), half the clips with lamps of varied shape and size (--lamps); a
#          600-image val set from clips 20000-20039 made alike
#   train  a: v1/v2's network (width 1) from scratch, lr 3e-3
#          b: the same network twice as wide (width 2, ~4x the multiply-adds) from scratch, lr 3e-3
#          c: plate-det-v2 fine-tuned (BatchNorms frozen), lr 1.5e-3
#          each: batch 64, half the images degraded (--hard-aug 0.5), grilles pasted into a fifth,
#          one-cycle learning rate ending at MIN minutes; the last weights are what counts
# Export here afterwards (CPU is enough):
#   python scripts/train_detector.py --eval-only --weights RUN/last.pt --val VAL --out RUN --export models/NAME.onnx
# Needs: torch, numpy, opencv-python-headless, Pillow, the plate fonts (edge_tools/synth/plates.py).
# On a machine without the plate fonts' Debian packages (a lent GPU machine): copy them here into a folder
# git ignores that travels with the tree, and there into place; DataLoader workers need a /dev/shm of
# a few GB (as root: mount -o remount,size=32G /dev/shm):
#   python -c "from edge_tools.synth.plates import available_fonts as a; print(*a(), sep='\n')" |
#     while read -r f; do mkdir -p ".devfonts$(dirname "$f")"; cp "$f" ".devfonts$f"; done
#   (there) cp -r .devfonts/usr / && DEADLINE_S=500 OUT=$OUT bash scripts/train_plate_det_gpu.sh
# Example (the device machine): OUT=$OUT bash scripts/train_plate_det_gpu.sh
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
ROOT=${ROOT:-/tmp/det4}
OUT=${OUT:-$ROOT/out}
CLIPS=${CLIPS:-1600}
MIN=${MIN:-6}
DEVICE=${DEVICE:-cuda}
CORES=$(nproc)
LOADERS=${LOADERS:-$(( CORES / 3 > 1 ? CORES / 3 - 1 : 1 ))}
PY=${PYTHON:-python3}
mkdir -p "$ROOT" "$OUT"
D=(--seed 11 --hard 0.5 --clutter 0.5 --lamps 0.5 --workers "$CORES")
{
  "$PY" scripts/make_detector_dataset.py --out "$ROOT/val" --clips 40 --per-clip 15 --first-clip 20000 "${D[@]}"
  "$PY" scripts/make_detector_dataset.py --out "$ROOT/train" --clips "$CLIPS" --per-clip 25 "${D[@]}"
} >"$OUT/data.log" 2>&1
if [[ -n "${DEADLINE_S:-}" ]]; then MIN=$(python3 -c "print(max(0.5, ($DEADLINE_S - $SECONDS - 45) / 60))"); fi
echo "data made in $SECONDS s; training $MIN min on $DEVICE, $LOADERS loaders each" >>"$OUT/data.log"
COMMON=(--data "$ROOT/train" --val "$ROOT/val" --device "$DEVICE" --workers "$LOADERS" --anneal-by-time
        --max-minutes "$MIN" --epochs 1000 --batch 64 --hard-aug 0.5 --grilles 0.2 --threads 1)
"$PY" scripts/train_detector.py "${COMMON[@]}" --out "$ROOT/a" --width 1 --lr 3e-3 >"$OUT/a.log" 2>&1 &
"$PY" scripts/train_detector.py "${COMMON[@]}" --out "$ROOT/b" --width 2 --lr 3e-3 >"$OUT/b.log" 2>&1 &
"$PY" scripts/train_detector.py "${COMMON[@]}" --out "$ROOT/c" --init-onnx models/plate-det-v2.onnx --freeze-bn \
    --lr 1.5e-3 >"$OUT/c.log" 2>&1 &
(  # the latest weights reach OUT as they are written, so a stopped run still returns them
  while sleep 15; do
    for v in a b c; do [[ -f "$ROOT/$v/last.pt" ]] && cp "$ROOT/$v/last.pt" "$OUT/.$v.tmp" && mv "$OUT/.$v.tmp" "$OUT/$v.pt"; done
  done
) &
COPIER=$!
FAIL=0
for job in $(jobs -p | grep -v "^$COPIER\$"); do wait "$job" || FAIL=1; done
kill "$COPIER" 2>/dev/null || true
for v in a b c; do [[ -f "$ROOT/$v/last.pt" ]] && cp "$ROOT/$v/last.pt" "$OUT/$v.pt"; done
exit $FAIL
