#!/usr/bin/env bash
# Installs what scimwatch needs on a fresh Debian 12 / Ubuntu machine, and
# nothing when it is already there. Idempotent and quick on a second run.
#   scripts/install-deps.sh run    — what `make run` needs
#   scripts/install-deps.sh test   — what `make test` needs (a superset)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-test}

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
APT_RUN=(libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev build-essential pkg-config curl python3-venv)
APT_TEST=(xvfb xauth webkit2gtk-driver dunst imagemagick chromium gnome-keyring dbus-x11 libnotify-bin prometheus)
pkgs=("${APT_RUN[@]}")
# Without a display `make run` opens the window on a virtual one (Xvfb).
if [ "$MODE" = run ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then pkgs+=(xvfb xauth); fi
[ "$MODE" = test ] && pkgs+=("${APT_TEST[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# `prometheus` is there for its binaries (promtool, the server the serve
# end-to-end test starts on loopback): no daemon left running on :9090.
if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi

# --- Rust toolchain ---------------------------------------------------------
command -v cargo >/dev/null || { echo "cargo not found: install Rust from rustup first" >&2; exit 1; }
rustup component list --installed 2>/dev/null | grep -q rustfmt || rustup component add rustfmt clippy >/dev/null 2>&1 || true

# --- npm packages (ui/, tests/e2e) -------------------------------------------
npm_install() { # dir
  local dir=$1 stamp=$1/node_modules/.scimwatch-lock
  if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
    say "installing npm packages in $dir"
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    # esbuild ships its binary as an optional dependency: run its install step only.
    [ -d "$dir/node_modules/esbuild" ] && (cd "$dir" && npm rebuild esbuild --loglevel=error >/dev/null 2>&1 || true)
    cp "$dir/package-lock.json" "$stamp"
  fi
}
npm_install ui
[ "$MODE" = test ] && [ -f tests/e2e/package-lock.json ] && npm_install tests/e2e
# SCIMMY + scimmy-routers (npm): an independent SCIM server for the write probe's interop test.
[ "$MODE" = test ] && npm_install tests/interop/scimmy

# --- test-only tools ----------------------------------------------------------
if [ "$MODE" = test ]; then
  if ! command -v tauri-driver >/dev/null; then
    say "installing tauri-driver"
    cargo install tauri-driver --version '^2' --locked --quiet
  fi
  if [ ! -x "$ROOT/.venv/bin/scim2-server" ]; then
    say "creating .venv with scim2-server (interop tests)"
    python3 -m venv "$ROOT/.venv"
    "$ROOT/.venv/bin/pip" install --quiet --disable-pip-version-check scim2-server
  fi
fi
