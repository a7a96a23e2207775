#!/usr/bin/env bash
# Long form of the chaos suite (tests/chaos at full size); writes docs/RELIABILITY.md with the figures.
# Usage: bash scripts/chaos.sh [N] [extra scripts/chaos.py options]
#   N: SIGKILL cycles (default 200). Broker restarts: max(20, N/10). Needs root for the disk-full tmpfs.
#   Environment: CHAOS_RESTARTS, CHAOS_CONFIG_EXAMPLES, CHAOS_SEARCH_EXAMPLES, CHAOS_ATHERIS_RUNS override sizes.
# The short form (a few cycles of each) runs with the other tests: pytest -m chaos, or bash scripts/test.sh.
# Example: sudo bash scripts/chaos.sh 200        (about an hour; docs/RELIABILITY.md says what it measures)
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$(dirname "$0")/.."
N="${1:-200}"
shift || true
case "$N" in '' | *[!0-9]*) echo "usage: bash scripts/chaos.sh [N] [options]; N must be a number of cycles (--help)" >&2; exit 2 ;; esac
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null
} || { echo "error: mosquitto is needed (apt-get install -y mosquitto)" >&2; exit 1; }
[ -x .venv/bin/python ] || bash scripts/setup.sh --dev
# atheris (coverage-guided fuzzing) is optional: used when it installs
.venv/bin/python -c "import atheris" 2>/dev/null || .venv/bin/pip install -q atheris >/dev/null 2>&1 \
  || echo "warning: atheris did not install; coverage-guided fuzzing is skipped (hypothesis still runs)" >&2
ATHERIS=0
.venv/bin/python -c "import atheris" 2>/dev/null && ATHERIS="${CHAOS_ATHERIS_RUNS:-2000}"
# broken clips make FFmpeg very chatty on stderr; its messages are not the figures
export OPENCV_FFMPEG_LOGLEVEL="${OPENCV_FFMPEG_LOGLEVEL:--8}" OPENCV_LOG_LEVEL="${OPENCV_LOG_LEVEL:-ERROR}"
RESTARTS="${CHAOS_RESTARTS:-$((N / 10 > 20 ? N / 10 : 20))}"
exec .venv/bin/python scripts/chaos.py --cycles "$N" --restarts "$RESTARTS" \
  --config-examples "${CHAOS_CONFIG_EXAMPLES:-5000}" --search-examples "${CHAOS_SEARCH_EXAMPLES:-2000}" \
  --atheris-runs "$ATHERIS" --json "${TMPDIR:-/tmp}/edge-chaos-figures.json" "$@"
