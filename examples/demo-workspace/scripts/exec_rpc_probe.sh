#!/bin/sh
# Prints the exec-rpc service's /__meta. Fails when nothing answers or the answer has no "t_ms".
set -u
URL="http://127.0.0.1:${EXEC_RPC_PORT:-8790}/__meta"
if command -v curl >/dev/null 2>&1; then
  body=$(curl -s --max-time 5 "$URL") || body=""
else
  body=$("${PYTHON:-python3}" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$URL" 2>/dev/null) || body=""
fi
if [ -z "$body" ]; then
  echo "exec-rpc probe: nothing answered at $URL" >&2
  exit 1
fi
printf '%s\n' "$body"
case "$body" in
  *'"t_ms"'*) exit 0 ;;
  *) echo "exec-rpc probe: /__meta has no \"t_ms\"" >&2; exit 1 ;;
esac
