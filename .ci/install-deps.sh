#!/usr/bin/env bash
# Installs the system packages sellerops needs, and only the missing ones.
#   .ci/install-deps.sh run    Chromium and fonts (the browser), gnome-keyring and dbus (the keyring)
#   .ci/install-deps.sh test   the above plus tmux (terminal tests) and Dovecot (the IMAP server of the email tests)
# Debian/Ubuntu: apt-get, as root or through sudo. macOS: Homebrew.
set -euo pipefail

want=${1:-run}
case "$want" in
  run|test) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

if ! command -v go >/dev/null 2>&1; then
  echo "sellerops needs Go 1.26 or newer: see https://go.dev/doc/install" >&2
  exit 1
fi

case "$(uname -s)" in
Linux)
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no apt-get here: install chromium, gnome-keyring and dbus (and tmux for the tests) with your package manager" >&2
    exit 0
  fi
  declare -A bin_of=(
    [chromium]=/usr/bin/chromium
    [fonts-liberation]=/usr/share/fonts/truetype/liberation
    [gnome-keyring]=/usr/bin/gnome-keyring-daemon
    [dbus-daemon]=/usr/bin/dbus-run-session
  )
  pkgs=(chromium fonts-liberation gnome-keyring dbus-daemon)
  if [ "$want" = test ]; then
    bin_of[tmux]=/usr/bin/tmux
    bin_of[dovecot-imapd]=/usr/sbin/dovecot
    pkgs+=(tmux dovecot-imapd)
  fi
  missing=()
  for p in "${pkgs[@]}"; do
    [ -e "${bin_of[$p]}" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    exit 0
  fi
  echo "installing missing system packages: ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "not root and no sudo: install ${missing[*]} as root, then run this again" >&2
      exit 1
    fi
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "installed: ${missing[*]}" >&2
  ;;
Darwin)
  if ! command -v brew >/dev/null 2>&1; then
    echo "install Homebrew (https://brew.sh), or install Chromium yourself and set SELLEROPS_BROWSER" >&2
    exit 1
  fi
  if [ ! -d "/Applications/Chromium.app" ] && ! command -v chromium >/dev/null 2>&1; then
    echo "installing Chromium with Homebrew" >&2
    brew install --cask chromium
  fi
  if [ "$want" = test ] && ! command -v tmux >/dev/null 2>&1; then
    echo "installing tmux with Homebrew" >&2
    brew install tmux
  fi
  # Dovecot for the email tests: Homebrew's formula (2.4), found by the tests
  # under $(brew --prefix)/sbin. The tests start it themselves on a loopback
  # port with a throwaway configuration; no service is set up.
  if [ "$want" = test ] && [ ! -x "$(brew --prefix)/sbin/dovecot" ] && ! command -v dovecot >/dev/null 2>&1; then
    echo "installing dovecot with Homebrew" >&2
    brew install dovecot
  fi
  ;;
*)
  echo "unsupported system $(uname -s): install Chromium and set SELLEROPS_BROWSER" >&2
  ;;
esac
