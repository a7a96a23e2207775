#!/usr/bin/env bash
# The one command that checks everything: installs what the tests need, then lint, types, tests.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
# MQTT sharing tests need a real broker (they start their own on random ports; a system service on 1883 is harmless)
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; } || echo "warning: could not install mosquitto (Debian package); MQTT tests fail under CI=true, skip elsewhere" >&2
# Deploy tests: shellcheck of install-pi.sh and `systemd-analyze verify` of the unit (Debian packages shellcheck, systemd)
command -v shellcheck >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; } || echo "warning: could not install shellcheck (Debian package); its test fails under CI=true, skips elsewhere" >&2
command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; } || echo "warning: could not install systemd (Debian package, for systemd-analyze); its test fails under CI=true, skips elsewhere" >&2
bash scripts/setup.sh --dev
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" >&2
ruff check edge tests scripts
echo "== mypy" >&2
mypy edge
echo "== pytest" >&2
pytest "$@"
