#!/usr/bin/env bash
# Opens the desktop app built by `make app`; under Xvfb on a machine without a display.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
APP=${TARGET:-target}/debug/scimwatch
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$APP" "$@"
else
  command -v xvfb-run >/dev/null || { echo "No display found and xvfb-run is missing: run scripts/install-deps.sh run (installs xvfb and xauth)" >&2; exit 1; }
  echo "No display found: opening the window on a virtual display (Xvfb)." >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$APP" "$@"
fi
