"""The exec-rpc service must be up (make exec-rpc-restart) and serve the invoice code."""

import json
import os
import urllib.error
import urllib.request

PORT = int(os.environ.get("EXEC_RPC_PORT", "8790"))
BASE = f"http://127.0.0.1:{PORT}"


def call(path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())
    except urllib.error.URLError as error:
        raise AssertionError(f"exec-rpc is not answering on {BASE} ({error.reason}); run make exec-rpc-restart") from None


def test_smoke_exec_rpc_meta():
    meta = call("/__meta")
    assert {"git_sha", "started_at", "t_ms"} <= set(meta)


def test_smoke_exec_rpc_formats_money():
    answer = call("/exec", {"op": "format_money", "args": ["1234.5", "USD"]})
    assert answer == {"result": "1,234.50 USD"}
