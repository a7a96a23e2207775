#!/usr/bin/env bash
# The one command that checks everything: installs what the tests need, then lint, types, tests.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" >&2
ruff check edge tests scripts
echo "== mypy" >&2
mypy edge
echo "== pytest" >&2
pytest "$@"
