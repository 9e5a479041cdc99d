#!/usr/bin/env bash
# Debian packages the loop and its tests use: git (snapshots), make (exec-rpc targets), curl and
# iproute2 (the bundle's freshness outputs), python3 with venv/pip, and Chromium for the browser tests.
set -euo pipefail
packages=(git make curl iproute2 procps chromium ripgrep libkrb5-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "system packages present: ${packages[*]}"
