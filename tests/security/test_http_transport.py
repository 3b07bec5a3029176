"""The streamable HTTP transport, started for real on loopback and probed with real requests.

No token → 401; wrong token → 401; a foreign Host or Origin (DNS rebinding) → rejected; the right
token with loopback Host → an MCP session; a non-loopback bind without a token refuses to start.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

TOKEN = "http-token-for-tests-5b1f0e"
INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
ACCEPT = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def _command() -> list[str]:
    exe = shutil.which("syncro-mcp")
    return [exe] if exe else [sys.executable, "-m", "syncro_mcp"]


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update({"SYNCRO_STATE_DIR": str(tmp / "state"), "SYNCRO_SESSION_LOG_DIR": str(tmp / "clients"), **extra})
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def http_server(
    tmp: Path, *args: str, sandbox: bool = True, **env: str
) -> Iterator[tuple[int, subprocess.Popen]]:
    """``syncro-mcp serve [--sandbox] --transport http`` until the block ends; yields its port and process."""
    port = _free_port()
    proc = subprocess.Popen(
        [*_command(), "serve", *(["--sandbox"] if sandbox else []), "--transport", "http", "--port", str(port), *args],
        env=_env(tmp, **env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.05)
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with http_server(tmp_path_factory.mktemp("http"), SYNCRO_HTTP_TOKEN=TOKEN) as (port, _):
        yield port


def _post(port: int, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{port}/mcp", json=INIT, headers={**ACCEPT, **headers}, timeout=10)


def test_no_token_is_401(server):
    r = _post(server, {})
    assert r.status_code == 401 and r.headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize("auth", [f"Bearer {TOKEN}x", "Bearer", TOKEN, f"Basic {TOKEN}", f"bearer  {TOKEN}"])
def test_wrong_token_is_401(server, auth):
    assert _post(server, {"Authorization": auth}).status_code == 401


def test_right_token_and_loopback_host_start_a_session(server):
    r = _post(server, {"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert "serverInfo" in r.text and "syncro" in r.text


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"Host": "evil.example:80"},
        {"Host": "attacker.test:{port}"},
        {"Origin": "http://evil.example"},
        {"Origin": "http://evil.example:{port}"},
        {"Origin": "null"},
    ],
    ids=["host", "host-port80", "host-same-port", "origin", "origin-same-port", "origin-null"],
)
def test_foreign_host_or_origin_is_rejected(server, headers):
    """DNS rebinding: a page on another name that resolves to 127.0.0.1 must not reach the server."""
    sent = {k: v.format(port=server) for k, v in headers.items()}
    r = _post(server, {"Authorization": f"Bearer {TOKEN}", **sent})
    assert r.status_code in (400, 403, 421), (r.status_code, r.text)
    assert "serverInfo" not in r.text


def test_loopback_without_a_configured_token_makes_one(tmp_path):
    with http_server(tmp_path) as (port, proc):
        assert _post(port, {}).status_code == 401
        assert _post(port, {"Authorization": "Bearer guess"}).status_code == 401
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "this run's token" in err


def test_non_loopback_bind_without_a_token_refuses_to_start(tmp_path):
    port = _free_port()
    done = subprocess.run(
        [*_command(), "serve", "--sandbox", "--transport", "http", "--host", "0.0.0.0", "--port", str(port)],
        env=_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "refusing" in done.stderr and "http_token" in done.stderr
    with socket.socket() as s:  # nothing is listening
        assert s.connect_ex(("127.0.0.1", port)) != 0
