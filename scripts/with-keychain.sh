#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME keyring,
# so the real OS keychain (Secret Service) is exercised by the tests.
# Usage: dbus-run-session -- scripts/with-keychain.sh CMD...
set -euo pipefail
export XDG_DATA_HOME=${KEYRING_HOME:-$(mktemp -d)}
echo -n "scimwatch-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
export SCIMWATCH_TEST_KEYCHAIN=1
exec "$@"
