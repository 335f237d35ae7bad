#!/usr/bin/env bash
# Make sure Debian's Chromium and a Chinese font are installed for the browser tests.
# Playwright drives this Chromium (its own browser download cannot work on our machines).
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && { echo "Chromium ready: $(chromium --version 2>/dev/null)"; exit 0; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} from Debian's packages..."
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "The browser tests need ${missing[*]}: install them (Debian: apt-get install chromium" >&2
  echo "fonts-wqy-microhei), or point GONGZHI_CHROMIUM at a Chromium binary." >&2
  exit 1
fi
echo "Chromium ready: $(chromium --version 2>/dev/null)"
