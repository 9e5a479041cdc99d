"""The exec-rpc service: runs the invoice helpers over HTTP for the rest of the system.

Standard library only. Endpoints:
  GET  /__meta  -> {"git_sha": ..., "started_at": ISO 8601, "t_ms": milliseconds since start}
  POST /exec    -> {"result": ...} for {"op": "format_money" | "line_total" | "page_count", "args": [...]}

Environment: EXEC_RPC_HOST (default 127.0.0.1), EXEC_RPC_PORT (default 8790), EXEC_RPC_GIT_SHA (report
this sha instead of `git rev-parse HEAD`, used inside a container without git).
"""

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORKSPACE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, WORKSPACE)

import invoice  # noqa: E402  (needs the workspace on sys.path)

OPS = {"format_money": invoice.format_money, "line_total": invoice.line_total, "page_count": invoice.page_count}


def read_git_sha():
    fixed = os.environ.get("EXEC_RPC_GIT_SHA", "").strip()
    if fixed:
        return fixed
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=WORKSPACE, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "unknown"


STARTED_MONOTONIC = time.monotonic()
STARTED_AT = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
GIT_SHA = read_git_sha()


def plain(value):
    return str(value) if isinstance(value, Decimal) else value


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] == "/__meta":
            t_ms = int((time.monotonic() - STARTED_MONOTONIC) * 1000)
            self.reply(200, {"git_sha": GIT_SHA, "started_at": STARTED_AT, "t_ms": t_ms})
        else:
            self.reply(404, {"error": f"no such endpoint {self.path}"})

    def do_POST(self):
        if self.path.split("?")[0] != "/exec":
            self.reply(404, {"error": f"no such endpoint {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            op = OPS[request.get("op")]
            self.reply(200, {"result": plain(op(*request.get("args", [])))})
        except KeyError:
            self.reply(400, {"error": f"unknown op; known: {sorted(OPS)}"})
        except (ValueError, TypeError, ArithmeticError) as error:
            self.reply(400, {"error": str(error)})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        sys.stderr.write("exec-rpc: " + (format % args) + "\n")


def main():
    host = os.environ.get("EXEC_RPC_HOST", "127.0.0.1")
    port = int(os.environ.get("EXEC_RPC_PORT", "8790"))
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"EXEC_RPC_LISTENING {host} {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
