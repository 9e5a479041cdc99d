#!/usr/bin/env bash
# Installs code-server (real VS Code: workbench in the browser, extension host in Node) and the Debian
# packages the VS Code tests need, without prompts and without downloads outside npm and Debian.
# Safe to run again: every step is skipped when already done. Prints the code-server binary's path last.
#
#   SMOKES_FIXER_CODE_SERVER_DIR   where code-server is installed (default ~/.cache/smokes-fixer/code-server)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# The nested @vscode/ripgrep of code-server 4.100.3 and the archive its install script looks for.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_ARCHIVE=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

DIR="${SMOKES_FIXER_CODE_SERVER_DIR:-$HOME/.cache/smokes-fixer/code-server}"
BIN="$DIR/node_modules/.bin/code-server"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[install-code-server] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else log "need root (or sudo) to run: $*"; return 1
  fi
}

# 1. Debian packages: libkrb5-dev for a native module of code-server, ripgrep for VS Code's search,
#    chromium for the browser the tests drive.
missing=()
for pkg in libkrb5-dev ripgrep chromium; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update </dev/null
  as_root apt-get install -y "${missing[@]}" </dev/null
else
  log "Debian packages present"
fi

# 2. Seed @vscode/ripgrep's download cache with Debian's rg, so its install script finds the archive
#    instead of fetching it from the internet.
cache="$(node -p "require('os').tmpdir()")/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
if [ ! -s "$cache/$RIPGREP_ARCHIVE" ]; then
  log "seeding ripgrep cache $cache"
  mkdir -p "$cache"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  chmod 755 "$stage/rg"
  tar -czf "$cache/$RIPGREP_ARCHIVE.tmp" -C "$stage" rg
  mv "$cache/$RIPGREP_ARCHIVE.tmp" "$cache/$RIPGREP_ARCHIVE"
  rm -rf "$stage"
fi

# 3. code-server itself, outside the project's dependencies (it is large), in a folder kept between runs.
installed_version() {
  node -p "require('$DIR/node_modules/code-server/package.json').version" 2>/dev/null || true
}
if [ -x "$BIN" ] && [ "$(installed_version)" = "$CODE_SERVER_VERSION" ]; then
  log "code-server $CODE_SERVER_VERSION already installed in $DIR"
else
  log "installing code-server $CODE_SERVER_VERSION into $DIR (a few minutes)"
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || printf '{ "name": "smokes-fixer-code-server", "private": true }\n' >"$DIR/package.json"
  # unsafe_perm: as root its install script refuses to run otherwise; yes: a nested `npx node-gyp` has no terminal.
  npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false \
    npm install --prefix "$DIR" "code-server@$CODE_SERVER_VERSION" </dev/null >&2
  if [ "$(installed_version)" != "$CODE_SERVER_VERSION" ] || [ ! -x "$BIN" ]; then
    log "code-server did not install into $DIR"
    exit 1
  fi
fi

echo "$BIN"
