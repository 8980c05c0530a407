#!/usr/bin/env bash
# End-to-end tests against the real app. Run inside Xvfb and a private D-Bus
# session (see `make e2e`): starts a keyring, a notification daemon and
# tauri-driver, runs tests/e2e/*.test.mjs, stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
export SCIMWATCH_APP=$TARGET/debug/scimwatch
export SCIMWATCH_CLI=$TARGET/debug/scimwatch-cli
export SCIMWATCH_E2E_OUT=$TARGET/e2e
mkdir -p "$SCIMWATCH_E2E_OUT"
export NO_AT_BRIDGE=1
export XDG_DATA_HOME=$(mktemp -d)
echo -n "scimwatch-e2e-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

dunst >/dev/null 2>&1 & pids+=($!)
PORT=${E2E_DRIVER_PORT:-4444}
tauri-driver --port "$PORT" --native-port $((PORT + 1)) --native-driver /usr/bin/WebKitWebDriver \
  >"$SCIMWATCH_E2E_OUT/tauri-driver.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.1
done
export E2E_DRIVER_PORT=$PORT
node --test --test-concurrency=1 "$ROOT"/tests/e2e/*.test.mjs
