#!/usr/bin/env bash
# Regenerate the hash-pinned lock files of the runtime install (what scripts/install-pi.sh installs),
# one per machine: requirements/runtime-x86_64.lock and requirements/runtime-aarch64.lock.
# Run after changing [project] dependencies in pyproject.toml, and commit the result.
# Usage: bash scripts/lock.sh            (needs the package registry; installs uv into a temporary venv)
# Example: bash scripts/lock.sh && git diff --stat requirements/
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q uv
for arch in x86_64 aarch64; do
  out="requirements/runtime-$arch.lock"
  echo "lock: $out" >&2
  # Python 3.11 (Raspberry Pi OS Bookworm, Debian 12); the hashes cover every wheel of each pinned
  # release, so the same file also installs on newer Pythons the release has wheels for.
  "$tmp/venv/bin/uv" pip compile pyproject.toml --quiet --generate-hashes --no-header \
    --python-version 3.11 --python-platform "$arch-unknown-linux-gnu" -o "$out.tmp"
  { echo "# Runtime dependencies of edge-alpr for $arch Linux, pinned with hashes by scripts/lock.sh."
    echo "# Installed by scripts/install-pi.sh: pip install --require-hashes -r $out, then the project itself."
    cat "$out.tmp"; } > "$out"
  rm -f "$out.tmp"
done
