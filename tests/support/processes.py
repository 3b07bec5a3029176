"""Real ``syncro-mcp serve`` processes for the proofs that need more than one (issues 13 and 16).

The in-memory trials run two server instances inside one process; these run them as separate
OS processes, the way a second terminal, a second HTTP instance behind a load balancer or a
restarted server would. The Syncro they talk to is one sandbox served over HTTP on loopback from
the test process (``BackgroundServer``), so a test reads Syncro's state directly and scripts
faults without a control round trip.

Processes start together (start-up is the cost) and are ready when ``GET /healthz`` answers (HTTP)
or the MCP handshake completes (stdio, done by the client). Every process started here is
stopped by its own pid when the block ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_types import CallToolResult, ElicitResult

TOKEN = "procs-test-token-7c1e9b"
START_TIMEOUT_S = 60.0  # a busy 2-core machine starting several servers at once


def command() -> list[str]:
    """The ``syncro-mcp`` of this very environment."""
    exe = shutil.which("syncro-mcp", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "syncro_mcp"]


def server_env(base_url: str, api_key: str, state: Path, **settings: Any) -> dict[str, str]:
    """The environment of one server: this Syncro, this state dir, ``settings`` as ``SYNCRO_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update({
        "SYNCRO_BASE_URL": base_url, "SYNCRO_API_KEY": api_key, "SYNCRO_STATE_DIR": str(state),
        "SYNCRO_SESSION_LOG_DIR": str(state / "clients"), "SYNCRO_TIMEZONE": "UTC",
        "SYNCRO_LOG_LEVEL": "ERROR", "SYNCRO_HTTP_TOKEN": TOKEN,
    })
    env.update({f"SYNCRO_{k.upper()}": str(v) for k, v in settings.items() if v is not None})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def accept(ctx: Any, params: Any) -> ElicitResult:
    """The technician says yes in the confirmation dialog."""
    return ElicitResult(action="accept", content={"confirm": True})


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content)


@dataclass
class Instance:
    """One ``syncro-mcp serve --transport http`` process."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @asynccontextmanager
    async def session(self, **client_kw: Any) -> AsyncIterator[Client]:
        """One MCP session on this instance (a technician's conversation)."""
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {TOKEN}"})
        async with http, Client(
            streamable_http_client(self.url + "/mcp", http_client=http), mode="legacy", **client_kw
        ) as c:
            yield c

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine loses power."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)


def _healthy(inst: Instance) -> bool:
    try:
        return httpx.get(inst.url + "/healthz", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def start_http(name: str, env: dict[str, str]) -> Instance:
    """Start one HTTP server (not yet waited for: see ``wait_ready``)."""
    port = free_port()
    proc = subprocess.Popen(
        [*command(), "serve", "--transport", "http", "--port", str(port)], env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return Instance(name, port, proc)


def wait_ready(instances: list[Instance]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    for inst in instances:
        while not _healthy(inst):
            if inst.proc.poll() is not None:
                err = inst.proc.stderr.read().decode(errors="replace") if inst.proc.stderr else ""
                raise RuntimeError(f"{inst.name} exited with {inst.proc.returncode}:\n{err}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{inst.name} did not answer /healthz within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.05)


@contextmanager
def http_servers(envs: dict[str, dict[str, str]]) -> Iterator[dict[str, Instance]]:
    """Start one HTTP server per name at once, wait until all answer /healthz; stop them after."""
    started: dict[str, Instance] = {}
    try:
        for name, env in envs.items():
            started[name] = start_http(name, env)
        wait_ready(list(started.values()))
        yield started
    finally:
        for inst in started.values():
            _stop(inst.proc)
            if inst.proc.stderr:
                inst.proc.stderr.close()


def stdio_session(env: dict[str, str], **client_kw: Any) -> Client:
    """A client that starts ``syncro-mcp serve`` over stdio; the handshake is its readiness."""
    exe, *pre = command()
    params = StdioServerParameters(command=exe, args=[*pre, "serve"], env=env)
    return Client(params, mode="legacy", **client_kw)


def last_seq(sandbox: Any) -> int:
    """The sandbox's newest request so far: what a trial sent is everything after it."""
    return max((q.seq for q in sandbox.requests), default=0)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll a condition the test cannot be told about (the sandbox received a request)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
