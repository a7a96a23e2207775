#!/usr/bin/env bash
# Regenerate requirements/lock.txt: every runtime package of pyproject.toml pinned with its sha256
# hashes, one file for x86-64 and aarch64 (a Raspberry Pi) on Python 3.11, then check that every pin
# has a wheel on both (the installer uses --only-binary: nothing is compiled on the device).
#   bash scripts/lock.sh                 # newest versions the pyproject ranges allow
#   bash scripts/lock.sh tested.txt      # the versions in tested.txt (e.g. `pip freeze` of the venv the tests passed in)
# Needs uv (pip install uv) and the package index.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
constraints=()
if [ $# -gt 0 ]; then
  [ -f "$1" ] || { echo "lock: $1: no such file" >&2; exit 2; }
  constraints=(-c "$1")
fi
"$UV" pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 --no-annotate --quiet \
  --custom-compile-command "bash scripts/lock.sh" \
  "${constraints[@]}" -o requirements/lock.txt
for platform in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do
  "$UV" pip compile requirements/lock.txt --python-platform "$platform" --python-version 3.11 \
    --only-binary :all: --no-deps --quiet -o /dev/null \
    || { echo "lock: a pinned package has no wheel for $platform" >&2; exit 1; }
done
echo "lock: requirements/lock.txt: $(grep -c '==' requirements/lock.txt) packages, wheels for x86-64 and aarch64" >&2
