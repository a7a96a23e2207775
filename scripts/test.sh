#!/usr/bin/env bash
# The one command that checks everything: installs what the tests need, then lint, types, tests.
# Usage: bash scripts/test.sh [pytest args...]
# Example: bash scripts/test.sh tests/share -x      (what .ci/run and README's test command run, without args)
set -euo pipefail
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$(dirname "$0")/.."

# Debian packages the tests use for real (never mocked); installed when missing. Under CI=true a test
# whose tool is still missing fails instead of skipping.
#   mosquitto      MQTT sharing tests start their own TLS broker on random ports
#   (shellcheck)   lint of scripts/install-pi.sh
#   systemd        `systemd-analyze verify` of the service unit
#   e2fsprogs      mkfs.ext4 for the disk-full chaos test on a loop-mounted image
#   fonts-*        the synthetic plate renderer's TrueType fonts (the models were trained on them) and
#                  the cross-renderer's (fonts the models never saw)
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
have mosquitto || missing+=(mosquitto)
have shellcheck || missing+=(shellcheck)
have systemd-analyze || missing+=(systemd)
have mkfs.ext4 || missing+=(e2fsprogs)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
[ -d /usr/share/fonts/truetype/roboto ] || missing+=(fonts-roboto-unhinted)
[ -d /usr/share/fonts/opentype/b612 ] || [ -d /usr/share/fonts/truetype/b612 ] || missing+=(fonts-b612)
[ -f /usr/share/fonts/truetype/osifont/osifont.ttf ] || [ -f /usr/share/fonts/opentype/osifont/osifont.ttf ] || missing+=(fonts-osifont)
# the cross-renderer's fonts (edge_tools/xrender, validation only): families the training never sees
[ -d /usr/share/fonts/truetype/freefont ] || missing+=(fonts-freefont-ttf)
[ -d /usr/share/fonts/opentype/urw-base35 ] || missing+=(fonts-urw-base35)
[ -d /usr/share/fonts/truetype/open-sans ] || missing+=(fonts-open-sans)
[ -d /usr/share/fonts/opentype/cantarell ] || missing+=(fonts-cantarell)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test: installing Debian packages: ${missing[*]}" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } \
    || echo "warning: could not install ${missing[*]}; tests that need them fail under CI=true, skip elsewhere" >&2
fi

bash scripts/setup.sh --dev
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff" >&2
ruff check edge tests scripts
echo "== mypy" >&2
mypy edge
echo "== pytest" >&2
pytest "$@"
