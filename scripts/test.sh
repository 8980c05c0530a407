#!/usr/bin/env bash
# Everything `make test` runs, in CI order: fmt → clippy → library tests →
# UI tests → bindings drift → app build → end-to-end.
set -euo pipefail
cd "$(dirname "$0")/.."
FEATURES=(--features tauri/custom-protocol)
step() { printf '\n\033[1;34m=== %s\033[0m\n' "$*"; }
start=$(date +%s)

step "self-contained: no tracked file reads outside the repository"
# A bare clone has nothing beside it: fixtures live in tests/fixtures/.
if git grep -n -E '\.\./shared' -- . ; then
  echo "these tracked files refer to a folder beside the repository; copy what they need into tests/fixtures/" >&2; exit 1
fi

step "rustfmt"
cargo fmt --all --check

step "UI build (the app embeds ui/dist)"
npm --prefix ui run build

step "clippy -D warnings"
cargo clippy --workspace --all-targets "${FEATURES[@]}" -- -D warnings

step "the libraries never depend on Tauri"
if cargo tree -p scimwatch-core -p scimwatch-engine -p scimwatch-cli -e normal,build | grep -E '^.*\b(tauri|wry|webkit2gtk)\b' ; then
  echo "a library depends on tauri/wry/webkit" >&2; exit 1
fi

step "the desktop app ships without entra-sim's test helpers"
if cargo tree -p scimwatch -e normal -i entra-sim -f '{p} {f}' | grep -w testing ; then
  echo "the app's entra-sim dependency enables the testing feature (a Python server launcher)" >&2; exit 1
fi

step "dependency policy: licences and duplicate versions (offline)"
python3 scripts/check-deps.py

step "Prometheus alert rules (promtool check/test rules)"
if command -v promtool >/dev/null; then
  (cd deploy/prometheus && promtool check rules scimwatch-rules.yml && promtool test rules scimwatch-rules.test.yml)
elif [ -n "${CI:-}" ]; then
  echo "promtool is missing in CI: scripts/install-deps.sh test installs the Debian package prometheus" >&2; exit 1
else
  printf '\n\033[1;31m!!! promtool not found: alert-rule tests SKIPPED (scripts/install-deps.sh test installs the Debian package prometheus) !!!\033[0m\n\n'
fi

step "Rust tests (with a real keychain on a private D-Bus session; bindings drift included)"
dbus-run-session -- scripts/with-keychain.sh cargo test --workspace "${FEATURES[@]}"

step "generated files committed (bindings, the capability file from commands.list, the verdict matrix)"
if ! git diff --quiet -- ui/src/bindings src-tauri/capabilities docs/VERDICTS.md || [ -n "$(git ls-files --others --exclude-standard ui/src/bindings src-tauri/capabilities)" ]; then
  echo "generated files changed: commit them (bindings: the bindings test; capabilities/main.json: the build from src-tauri/commands.list; docs/VERDICTS.md: make verdicts)" >&2
  git status --short ui/src/bindings src-tauri/capabilities docs/VERDICTS.md; exit 1
fi

step "UI unit tests (Vitest)"
npm --prefix ui test

step "desktop app build"
cargo build --workspace --bins "${FEATURES[@]}"

step "process benchmarks at small size (correctness only: idle watch, cold start)"
# The web view's D-Bus chatter (portals, a11y) goes to a log, shown on failure.
T="${CARGO_TARGET_DIR:-target}"
dbus-run-session -- "$T/debug/scimwatch-bench" --small --only process "$T/bench-small.md" 2>"$T/bench-small.log" \
  || { tail -50 "$T/bench-small.log"; exit 1; }

step "UI screens in Chromium (mocked IPC)"
npm --prefix ui run shots

step "end to end: the real app under Xvfb through tauri-driver"
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- scripts/e2e.sh

echo
echo "make test: all green in $(( $(date +%s) - start ))s"
