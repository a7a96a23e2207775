#!/usr/bin/env bash
# Install edge-alpr as a systemd service on a Raspberry Pi 4/5 (64-bit Raspberry Pi OS) or another
# Debian-based device. Idempotent: run it again to upgrade; the config and the ledger key are kept.
#
# Usage: [sudo] bash scripts/install-pi.sh [options]
# Examples:
#   sudo bash scripts/install-pi.sh                      # install, enable and start the service
#   sudo bash scripts/install-pi.sh --camera /dev/video2 # starter config with another camera
#   bash scripts/install-pi.sh --dry-run                 # print every step, change nothing
#   bash scripts/install-pi.sh --prefix /tmp/root        # install the files under a scratch root (tests):
#                                                        # no apt, user, ownership or systemctl (printed)
#
# What it does: apt packages; system user `edge-alpr` (group video for the camera); /etc/edge-alpr,
# /var/lib/edge-alpr, /opt/edge-alpr; a venv with the project and its models; a starter config
# (config/pi-usb.yaml); the ledger signing key (0600); the systemd unit (deploy/edge-alpr.service)
# with restart on failure and hardening; /usr/local/bin/edge-alpr. See docs/DEPLOY.md.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICE=edge-alpr
USER_NAME=edge-alpr
APP_DIR=/opt/edge-alpr
CONFIG_DIR=/etc/edge-alpr
STATE_DIR=/var/lib/edge-alpr
UNIT_DIR=/etc/systemd/system
BIN_LINK=/usr/local/bin/edge-alpr
PREFIX=""
DRY_RUN=0
APT=1
START=1
WITH_VENV=0
UPSTREAM=0
CAMERA=""
PORT=""
RTC=auto
PY=${PYTHON:-python3}
APT_PACKAGES=(python3 python3-venv python3-pip ca-certificates v4l-utils sqlite3 curl)

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
  cat <<'EOF'

Options:
  --prefix DIR     install files under DIR instead of / (no apt, useradd, chown, systemctl: printed)
  --dry-run        print what would be done and change nothing
  --user NAME      service user (default edge-alpr)
  --camera SRC     camera source for a new starter config (default "0": the first USB camera)
  --port N         health endpoint port for a new starter config (default 9108)
  --no-apt         do not install system packages (they are already there)
  --no-start       install and enable, but do not (re)start the service
  --with-venv      with --prefix: also create the venv under DIR (slow; downloads wheels)
  --upstream-models  also pull the upstream models trained on real plates (needs internet; each
                   file checked against its pinned sha256) into the service's models folder;
                   use them with the models: keys of config/upstream.yaml
  --rtc auto|yes|no  does the device keep time when off (a real-time clock)? auto: yes if
                   /sys/class/rtc/rtc0 exists. Without one (a Pi), systemd-time-wait-sync is enabled
                   so the service starts only once the clock is synchronised.
  -h, --help       this help
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) PREFIX="${1#*=}"; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    --user) USER_NAME="${2:?--user needs a name}"; shift 2 ;;
    --camera) CAMERA="${2:?--camera needs a source}"; shift 2 ;;
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --no-apt) APT=0; shift ;;
    --no-start) START=0; shift ;;
    --with-venv) WITH_VENV=1; shift ;;
    --upstream-models) UPSTREAM=1; shift ;;
    --rtc) RTC="${2:?--rtc needs auto, yes or no}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-pi: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { if [ "$DRY_RUN" = 1 ]; then echo "install-pi (dry run): $*" >&2; else echo "install-pi: $*" >&2; fi; }
die() { echo "install-pi: error: $*" >&2; exit 1; }

if [ -n "$PREFIX" ]; then
  case "$PREFIX" in /*) ;; *) PREFIX="$(pwd)/$PREFIX" ;; esac
  PREFIX="${PREFIX%/}"
  [ "$PREFIX" != "" ] || die "--prefix / is the real system: leave --prefix out instead"
fi
if [ -n "$PORT" ] && ! [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]]; then
  die "--port must be a number from 1 to 65535"
fi
case "$RTC" in
  auto) if [ -e /sys/class/rtc/rtc0 ]; then RTC=yes; else RTC=no; fi ;;
  yes|no) ;;
  *) die "--rtc must be auto, yes or no" ;;
esac
if ! [[ "$USER_NAME" =~ ^[a-z_][a-z0-9_-]{0,30}$ ]]; then
  die "--user must be a plain user name (lowercase letters, digits, _ and -)"
fi
if [ -n "$CAMERA" ] && [[ "$CAMERA" == *[\"\\]* ]]; then
  die "--camera must not contain quotes or backslashes"
fi

# real: runs on the target system (skipped with --prefix, printed with --dry-run)
# step: runs in both modes (paths already carry the prefix; printed with --dry-run)
real() {
  if [ "$DRY_RUN" = 1 ] || [ -n "$PREFIX" ]; then
    echo "would run: $(printf '%q ' "$@")"
  else
    echo "+ $(printf '%q ' "$@")" >&2
    "$@"
  fi
}
step() {
  if [ "$DRY_RUN" = 1 ]; then
    echo "would run: $(printf '%q ' "$@")"
  else
    "$@"
  fi
}
# Mode and, on the real system, owner of a path: own MODE OWNER:GROUP PATH
own() {
  step chmod "$1" "$3"
  real chown "$2" "$3"
}

R="$PREFIX"  # every path written below is "$R/..."

# -- 0. checks ---------------------------------------------------------------------------------------
if [ -z "$PREFIX" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root: sudo bash $0 $*"
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  if [ "$APT" = 1 ] && [ -z "$PREFIX" ]; then
    say "python3 >= 3.11 not found yet; apt will install it"
  else
    die "edge-alpr needs Python >= 3.11 ($PY: $("$PY" --version 2>&1 || echo missing))"
  fi
fi
arch="$(uname -m)"
case "$arch" in
  aarch64|x86_64) ;;
  armv7l|armv6l) say "warning: $arch is a 32-bit OS; onnxruntime has no wheels for it: install 64-bit Raspberry Pi OS" ;;
  *) say "warning: untested architecture $arch" ;;
esac
if [ ! -f "$SRC/pyproject.toml" ] || [ ! -d "$SRC/edge" ]; then
  die "run from an edge-alpr checkout ($SRC has no pyproject.toml)"
fi

# -- 1. system packages ------------------------------------------------------------------------------
if [ "$APT" = 1 ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    real apt-get update
    real env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    say "system packages already installed: ${APT_PACKAGES[*]}"
  fi
fi

# -- 2. service user (group video: /dev/video* belongs to it) -----------------------------------------
if [ -n "$PREFIX" ] || [ "$DRY_RUN" = 1 ] || ! id -u "$USER_NAME" >/dev/null 2>&1; then
  real useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell /usr/sbin/nologin \
    --comment "edge-alpr service" "$USER_NAME"
fi
real usermod --append --groups video "$USER_NAME"

# -- 3. directories ----------------------------------------------------------------------------------
step mkdir -p "$R$APP_DIR" "$R$APP_DIR/models" "$R$CONFIG_DIR" "$R$STATE_DIR" "$R$UNIT_DIR" "$R$(dirname "$BIN_LINK")"
own 0755 root:root "$R$APP_DIR"
own 0750 "root:$USER_NAME" "$R$CONFIG_DIR"
own 0750 "$USER_NAME:$USER_NAME" "$R$STATE_DIR"

# -- 4. the project and its models ----------------------------------------------------------------------
copy_tree() {
  local parts=(pyproject.toml README.md edge config deploy requirements)
  [ -d "$SRC/docs" ] && parts+=(docs)
  rm -rf "$R$APP_DIR/src.new"
  mkdir -p "$R$APP_DIR/src.new"
  tar -C "$SRC" --exclude='__pycache__' --exclude='*.pyc' -cf - "${parts[@]}" | tar -C "$R$APP_DIR/src.new" -xf -
  rm -rf "$R$APP_DIR/src"
  mv "$R$APP_DIR/src.new" "$R$APP_DIR/src"
  rm -rf "$R$APP_DIR/docs"
  if [ -d "$R$APP_DIR/src/docs" ]; then cp -r "$R$APP_DIR/src/docs" "$R$APP_DIR/docs"; fi
}
step copy_tree
models=0
for f in "$SRC"/models/*.onnx "$SRC"/models/*.yaml "$SRC"/models/*.calibration.json; do  # calibration: what a confidence means
  [ -f "$f" ] || continue
  step install -m 0644 "$f" "$R$APP_DIR/models/"
  models=$((models + 1))
done
[ -f "$SRC/models/plate-det-v2.onnx" ] || say "warning: models/plate-det-v2.onnx is missing: the service cannot start until it is in $APP_DIR/models"
say "$models model file(s) for $APP_DIR/models"

# -- 5. venv -----------------------------------------------------------------------------------------
make_venv() {
  if [ ! -x "$R$APP_DIR/venv/bin/python" ]; then
    "$PY" -m venv "$R$APP_DIR/venv"
  fi
  "$R$APP_DIR/venv/bin/python" -m pip install -q --upgrade pip
  # the versions this release was tested with, each checked against its sha256 (scripts/lock.sh)
  local lock
  lock="$R$APP_DIR/src/requirements/runtime-$(uname -m).lock"
  if [ -f "$lock" ]; then
    "$R$APP_DIR/venv/bin/python" -m pip install -q --require-hashes -r "$lock"
    "$R$APP_DIR/venv/bin/python" -m pip install -q --no-deps --upgrade "$R$APP_DIR/src"
  else
    say "warning: no lock file for $(uname -m) (requirements/): installing the newest releases pyproject.toml allows"
    "$R$APP_DIR/venv/bin/python" -m pip install -q --upgrade "$R$APP_DIR/src"
  fi
}
if [ -z "$PREFIX" ] || [ "$WITH_VENV" = 1 ]; then
  if [ "$DRY_RUN" = 1 ]; then
    echo "would run: $PY -m venv $R$APP_DIR/venv && pip install --require-hashes -r requirements/runtime-$(uname -m).lock && pip install --no-deps $R$APP_DIR/src"
  else
    say "installing edge-alpr into $R$APP_DIR/venv (the first time takes a few minutes)"
    make_venv
  fi
else
  echo "would run: $PY -m venv $APP_DIR/venv && $APP_DIR/venv/bin/pip install --require-hashes -r $APP_DIR/src/requirements/runtime-$(uname -m).lock && $APP_DIR/venv/bin/pip install --no-deps $APP_DIR/src"
fi

# -- 5b. optional: the upstream models trained on real plates (models/manifest.yaml, sha256 pinned) -----------
UPSTREAM_MODELS=(yolo-v9-t-384-license-plates-end2end cct-xs-v2-global)
if [ "$UPSTREAM" = 1 ]; then
  for name in "${UPSTREAM_MODELS[@]}"; do
    if [ "$DRY_RUN" = 1 ] || { [ -n "$PREFIX" ] && [ "$WITH_VENV" != 1 ]; }; then
      echo "would run: $APP_DIR/venv/bin/edge-alpr models pull $name --dir $APP_DIR/models"
    else
      "$R$APP_DIR/venv/bin/edge-alpr" models pull "$name" --dir "$R$APP_DIR/models"  # made in step 3
    fi
  done
  say "upstream models: set models.detector/models.ocr as in config/upstream.yaml to use them"
else
  say "upstream models (trained on real plates, need internet): rerun with --upstream-models"
fi

# -- 6. starter config (never overwritten) -------------------------------------------------------------
config="$R$CONFIG_DIR/config.yaml"
write_config() {
  local tmp
  tmp="$(mktemp "$R$CONFIG_DIR/.config.XXXXXX")"
  sed -e "s|^\(    source: \)\"0\"|\1\"${CAMERA:-0}\"|" -e "s|^\(  port: \)9108|\1${PORT:-9108}|" \
    "$SRC/config/pi-usb.yaml" >"$tmp"
  chmod 0640 "$tmp"
  mv "$tmp" "$config"
}
if [ -f "$config" ]; then
  say "keeping the existing $CONFIG_DIR/config.yaml (compare with config/pi-usb.yaml after upgrades)"
  [ -z "$CAMERA$PORT" ] || say "warning: --camera/--port only apply to a new config; edit $CONFIG_DIR/config.yaml"
else
  step write_config
  say "starter config $CONFIG_DIR/config.yaml (camera ${CAMERA:-0}, health port ${PORT:-9108})"
fi
real chown "root:$USER_NAME" "$config"
if [ -x "$R$APP_DIR/venv/bin/edge-alpr" ] && [ "$DRY_RUN" = 0 ]; then
  "$R$APP_DIR/venv/bin/edge-alpr" config check "$config" >&2 || die "$config is not valid: fix it and run again"
fi

# -- 7. ledger signing key (never overwritten) --------------------------------------------------------
key="$R$STATE_DIR/audit-ed25519.key"
make_key() {
  local py="$PY"
  [ -x "$R$APP_DIR/venv/bin/python" ] && py="$R$APP_DIR/venv/bin/python"
  PYTHONPATH="$SRC${PYTHONPATH:+:$PYTHONPATH}" "$py" - "$key" <<'PYEOF'
import sys
from pathlib import Path

from edge.audit.checkpoint import load_or_create_key

load_or_create_key(Path(sys.argv[1]))  # 0600, refused if others can read it
PYEOF
}
if [ -f "$key" ]; then
  say "keeping the existing ledger key $STATE_DIR/audit-ed25519.key"
else
  step make_key
  say "created the ledger signing key $STATE_DIR/audit-ed25519.key (back it up off the device)"
fi
own 0600 "$USER_NAME:$USER_NAME" "$key"

# -- 8. systemd unit ------------------------------------------------------------------------------------
unit="$R$UNIT_DIR/$SERVICE.service"
render_unit() {
  sed -e "s|@USER@|$USER_NAME|g" -e "s|@APP_DIR@|$APP_DIR|g" -e "s|@STATE_DIR@|$STATE_DIR|g" \
    -e "s|@CONFIG_DIR@|$CONFIG_DIR|g" -e "s|@CONFIG@|$CONFIG_DIR/config.yaml|g" \
    "$SRC/deploy/edge-alpr.service" >"$unit.tmp"
  chmod 0644 "$unit.tmp"
  mv "$unit.tmp" "$unit"
}
step render_unit
say "systemd unit $UNIT_DIR/$SERVICE.service"
step ln -sfn "$APP_DIR/venv/bin/edge-alpr" "$R$BIN_LINK"

if [ -z "$PREFIX" ] && [ "$DRY_RUN" = 0 ] && command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" || say "warning: systemd-analyze verify reported problems (above)"
fi
real systemctl daemon-reload
# Without a real-time clock the clock starts wrong at every boot (a Pi: the last shutdown's time) until
# NTP answers. time-sync.target (After= in the unit) only waits for that when this is enabled.
if [ "$RTC" = no ]; then
  say "no real-time clock: the service waits for a synchronised clock (systemd-time-wait-sync)"
  real systemctl enable systemd-time-wait-sync.service
fi
real systemctl enable "$SERVICE"
if [ "$START" = 1 ]; then
  real systemctl restart "$SERVICE"
fi
if [ -z "$PREFIX" ] && [ "$DRY_RUN" = 0 ]; then
  real runuser -u "$USER_NAME" -- "$APP_DIR/venv/bin/edge-alpr" audit key --config "$CONFIG_DIR/config.yaml" \
    || say "warning: could not print the ledger's verifier key"
fi

cat >&2 <<EOF
install-pi: done. Next:
  systemctl status $SERVICE                         is it running?
  edge-alpr status --url http://127.0.0.1:${PORT:-9108}         cameras, fps, reads today, outbox, ledger
  curl -s http://127.0.0.1:${PORT:-9108}/healthz                the same as JSON (HTTP 503 when unhealthy)
  journalctl -u $SERVICE -f                         the log (JSON lines, no plate text)
  sudo nano $CONFIG_DIR/config.yaml && sudo systemctl reload $SERVICE   change the config
  Note the verifier key printed above, and keep signed checkpoints off the device
  (edge-alpr audit checkpoint --config $CONFIG_DIR/config.yaml): README.md, step 9.
EOF
