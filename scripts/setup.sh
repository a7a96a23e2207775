#!/usr/bin/env bash
# Create .venv and install edge-alpr into it, editable (idempotent).
# Usage: bash scripts/setup.sh [--dev | --train]
#   (none)   the runtime: what the device runs (no Pillow, no training or test tools)
#   --train  plus the tooling's dependencies (edge_tools: synthetic clips, validation, benchmarks)
#   --dev    plus what the tests and checks need (includes --train); scripts/test.sh uses this
# Example: bash scripts/setup.sh --train && .venv/bin/python -m edge_tools.validate --help
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
case "${1:-}" in
  "") ;;
  --dev) extras="[dev]" ;;
  --train) extras="[train]" ;;
  -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "error: setup.sh: unknown option '$1' (expected --dev or --train; see --help)" >&2; exit 2 ;;
esac
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "error: edge-alpr needs Python >= 3.11 ($PY is $("$PY" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
stamp=".venv/.installed${extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing edge-alpr${extras} into .venv (first run takes a minute)" >&2
  .venv/bin/python -m pip install -q -e ".${extras}"
  touch "$stamp"
fi
