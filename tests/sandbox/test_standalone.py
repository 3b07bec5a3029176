"""The loopback server: subprocess smoke test via ``serve``, and socket-level faults."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.standalone import BackgroundServer


def test_serve_subprocess_lists_open_tickets(tmp_path: Path) -> None:
    state = tmp_path / "sandbox-state.json"
    code = f"from syncro_mcp.sandbox.standalone import serve; serve(port=0, state_path={str(state)!r})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}
    )
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 20
        while not any(line.startswith("Press Ctrl-C") for line in lines):
            assert time.monotonic() < deadline, f"server did not start: {lines}"
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, f"server exited early: {proc.stderr.read()}"  # type: ignore[union-attr]
            lines.append(line.strip())
        text = "\n".join(lines)
        base_url = re.search(r"listening on (http://127\.0\.0\.1:\d+/api/v1)", text).group(1)  # type: ignore[union-attr]
        key = re.search(r"^API key: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
        r = httpx.get(
            f"{base_url}/tickets", params={"status": "Not Closed"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert r.status_code == 200
        assert any(t["number"] == 32164 for t in r.json()["tickets"])
        tid = next(t["id"] for t in r.json()["tickets"] if t["number"] == 32164)
        r = httpx.post(f"{base_url}/tickets/{tid}/comment", params={"api_key": key}, json={"subject": "s", "body": "b"})
        assert r.status_code == 200
        assert state.exists()
        saved = Sandbox.load(state)
        assert any(c["body"] == "b" for c in saved.state.comments.values())
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_background_server_reset_and_timeout_over_sockets() -> None:
    sb = Sandbox(hang_seconds=1.0)
    with BackgroundServer(sb) as srv:
        auth = {"Authorization": sb.api_key}
        sb.faults.add("GET", "/tickets", "reset")
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(f"{srv.base_url}/tickets", headers=auth)
        sb.faults.add("GET", "/me", "timeout")
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{srv.base_url}/me", headers=auth, timeout=0.3)
        sb.faults.add("POST", "/tickets/*/comment", "apply_then_reset")
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{srv.base_url}/tickets/{sb.ticket_id(32164)}/comment",
                headers=auth,
                json={"subject": "s", "body": "b"},
            )
        assert sb.requests_for("POST", "/tickets/*/comment")[0].applied is True
        assert httpx.get(f"{srv.base_url}/me", headers=auth).status_code == 200


def test_control_routes_over_http() -> None:
    sb = Sandbox()
    with BackgroundServer(sb) as srv:
        r = httpx.post(f"{srv.origin}/_sandbox/faults", json={"method": "GET", "path": "/me", "kind": "503"})
        assert r.status_code == 200
        assert httpx.get(f"{srv.base_url}/me", params={"api_key": sb.api_key}).status_code == 503
        log = httpx.get(f"{srv.origin}/_sandbox/requests").json()["requests"]
        assert log[-1]["path"] == "/me" and log[-1]["fault"] == "503" and "api_key" not in log[-1]["query"]
        assert httpx.post(f"{srv.origin}/_sandbox/reset").json() == {"success": True}
        assert httpx.get(f"{srv.origin}/_sandbox/requests").json() == {"requests": []}
        assert httpx.get(f"{srv.base_url}/me", params={"api_key": sb.api_key}).status_code == 200
