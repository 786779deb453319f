#!/usr/bin/env bash
# Runs a command with a Secret Service to talk to. Where a desktop session
# already has one (DBUS_SESSION_BUS_ADDRESS set, or macOS), the command runs
# as it is. Elsewhere (a server, a container, CI) it starts a private D-Bus
# session and an unlocked gnome-keyring that live only as long as the command,
# with their keyring files in a temporary directory. The session bus's own
# notes (dbus-daemon[PID]: Activating service ...) are kept out of the
# output; everything else the command writes to stderr passes through.
set -euo pipefail

if [ "$(uname -s)" = Darwin ] || [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  exec "$@"
fi

keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
export SELLEROPS_KEYRING_HOME="$keyring_home"
dbus-run-session -- bash -c '
  set -euo pipefail
  # gnome-keyring keeps its files under $XDG_DATA_HOME/keyrings; keep them in
  # the throwaway directory, and give every other program the caller'"'"'s value.
  saved="${XDG_DATA_HOME-}"
  export XDG_DATA_HOME="$SELLEROPS_KEYRING_HOME"
  printf "throwaway\n" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  if [ -n "$saved" ]; then export XDG_DATA_HOME="$saved"; else unset XDG_DATA_HOME; fi
  exec "$@"
' bash "$@" 2> >(grep -v -e "Failed to set fd limit" -e "^dbus-daemon\[[0-9]*\]: " >&2)
