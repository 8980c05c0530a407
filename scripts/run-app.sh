#!/usr/bin/env bash
# Opens the desktop app built by `make app`; under Xvfb on a machine without a display.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/scimwatch
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$APP" "$@"
else
  echo "No display found: opening the window on a virtual display (Xvfb)." >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$APP" "$@"
fi
