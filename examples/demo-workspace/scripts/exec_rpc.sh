#!/bin/sh
# Starts, stops and restarts the exec-rpc service: with Docker Compose when a Docker engine answers,
# otherwise as a local background process tracked by a pid file. `restart` is idempotent.
set -eu
cd "$(dirname "$0")/.."

PORT="${EXEC_RPC_PORT:-8790}"
PYTHON="${PYTHON:-python3}"
RUN_DIR=.exec-rpc
PID_FILE="$RUN_DIR/exec-rpc.pid"
LOG_FILE="$RUN_DIR/exec-rpc.log"
START_TIMEOUT="${EXEC_RPC_START_TIMEOUT:-30}"
export EXEC_RPC_PORT="$PORT"

use_docker() {
  [ "${EXEC_RPC_NO_DOCKER:-}" = "1" ] && return 1
  command -v docker >/dev/null 2>&1 || return 1
  docker compose version >/dev/null 2>&1 || return 1
  # A client without a running engine is common (CI, containers): ask the engine itself.
  if command -v timeout >/dev/null 2>&1; then timeout 10 docker info >/dev/null 2>&1; else docker info >/dev/null 2>&1; fi
}

# True while the pid names a live exec-rpc process of ours (not a zombie, not a recycled pid).
is_ours() {
  if [ -r "/proc/$1/cmdline" ]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'service/exec_rpc.py'
  else
    ps -o args= -p "$1" 2>/dev/null | grep -q 'service/exec_rpc.py'
  fi
}

# True while the process exists and is not a zombie (pid 1 in a container may never reap it).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    ! sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'
  fi
}

answers() {
  "$PYTHON" - "$PORT" <<'PY' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/__meta", timeout=2) as r:
    json.loads(r.read())
PY
}

wait_until_answers() {
  # $1: pid to watch (local) or empty (docker)
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if [ -n "$1" ]; then
      # Not is_ours: right after the fork the pid still runs this shell, not yet the service.
      if ! alive "$1"; then
        echo "exec-rpc: the service exited while starting; its log ($LOG_FILE):" >&2
        tail -n 20 "$LOG_FILE" >&2 || true
        rm -f "$PID_FILE"
        return 1
      fi
      # Answering is not enough: another process could hold the port. Ours says when it has bound.
      if grep -q EXEC_RPC_LISTENING "$LOG_FILE" 2>/dev/null && answers; then return 0; fi
    elif answers; then
      return 0
    fi
    sleep 0.2
  done
  echo "exec-rpc: not answering on 127.0.0.1:$PORT after ${START_TIMEOUT}s" >&2
  return 1
}

stop_local() {
  [ -f "$PID_FILE" ] || return 0
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  if [ -n "$pid" ] && is_ours "$pid"; then
    kill "$pid" 2>/dev/null || true
    i=0
    while is_ours "$pid" && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    if is_ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "exec-rpc: stopped pid $pid"
  fi
  rm -f "$PID_FILE"
}

start_local() {
  mkdir -p "$RUN_DIR"
  : >"$LOG_FILE"
  # Own session and no inherited output: the caller's `make` returns at once and a cancel of the
  # caller does not take the service with it; the pid file is how it is stopped.
  if command -v setsid >/dev/null 2>&1; then
    setsid "$PYTHON" service/exec_rpc.py </dev/null >>"$LOG_FILE" 2>&1 &
  else
    nohup "$PYTHON" service/exec_rpc.py </dev/null >>"$LOG_FILE" 2>&1 &
  fi
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_until_answers "$pid"
  echo "exec-rpc: started pid $pid on 127.0.0.1:$PORT (local process)"
}

compose_up() {
  EXEC_RPC_GIT_SHA=$(git rev-parse HEAD 2>/dev/null || echo unknown) docker compose up -d --force-recreate exec-rpc
  wait_until_answers ""
  echo "exec-rpc: started on 127.0.0.1:$PORT (docker compose)"
}

case "${1:-}" in
  restart)
    if use_docker; then compose_up; else stop_local; start_local; fi ;;
  start)
    if use_docker; then compose_up; else start_local; fi ;;
  stop)
    if use_docker; then docker compose stop exec-rpc; fi
    stop_local ;;
  *)
    echo "usage: $0 restart|start|stop" >&2
    exit 2 ;;
esac
