"""The whole stack in memory (sandbox → SyncroClient → our app, no sockets), for tests and benchmarks.

``tests/`` and ``bench/`` both build their stack here, so the two cannot drift apart, and a
non-editable install can run the benchmarks. Nothing in the server imports this module.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server.app import App, build_app
from syncro_mcp.server.serving import make_client
from syncro_mcp.server.settings import Settings

__all__ = ["BUDGETS", "FIXED_NOW", "Env", "FakeClock", "ToolsList", "in_memory", "stack_settings", "tools_list"]

#: The app's "now" in the in-memory stack: the sandbox's seed data is dated around it.
FIXED_NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


class FakeClock:
    """The one fake monotonic clock (client tests, fault rig, benchmarks): time moves only when
    someone sleeps, so pacing and back-off cost no real time; ``sleeps`` records every delay.

    Pass it as the client's ``clock`` and its ``sleep`` (and the sandbox's limiter clock)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)  # let other tasks run, as a real sleep would

    @property
    def slept(self) -> float:
        """Seconds slept in total."""
        return sum(max(0.0, s) for s in self.sleeps)

    def backoffs(self, floor: float = 0.05) -> list[float]:
        """Sleeps long enough to be retry back-off rather than limiter pacing."""
        return [s for s in self.sleeps if s >= floor]


async def _no_wait(seconds: float) -> None:
    """The engine's waits in the in-memory stack: no real time passes (pass ``sleep`` to move a fake clock)."""
    await asyncio.sleep(0)


def stack_settings(folder: Path, **over: Any) -> Settings:
    """Settings whose files (state, session logs) all live under ``folder``; UTC unless ``timezone`` is given."""
    return Settings(state_dir=folder / "state", session_log_dir=folder / "clients", **{"timezone": "UTC", **over})


@dataclass
class Env:
    sandbox: Sandbox
    client: SyncroClient
    app: App

    @property
    def server(self) -> Any:
        return self.app.server


@asynccontextmanager
async def in_memory(
    folder: Path | None = None,
    *,
    sandbox: Sandbox | None = None,
    api_key: str | None = None,
    client_kw: dict[str, Any] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    now: Callable[[], datetime] | None = None,
    **settings: Any,
) -> AsyncIterator[Env]:
    """The whole stack without sockets; the caller gets the sandbox to read its request log.

    ``folder`` holds the app's files (a temporary folder if None); ``settings`` go to
    :class:`Settings`; ``client_kw`` to :class:`SyncroClient` (``transport`` may wrap the sandbox's).
    """
    sb = sandbox or Sandbox(rate_limit_per_min=None)
    # No client pacing and no backoff sleeps unless asked: callers count requests, not waits.
    kw: dict[str, Any] = {"retry_base_s": 0, "rate_limit_per_min": 10**6, **(client_kw or {})}
    with tempfile.TemporaryDirectory(prefix="syncro-mcp-stack-") as tmp:
        conf = stack_settings(folder or Path(tmp), **settings)
        key = SecretStr(api_key) if api_key else None
        async with make_client(conf, sandbox=sb, api_key=key, **kw) as client:
            app = build_app(conf, client, clock=now or (lambda: FIXED_NOW), sleep=sleep or _no_wait)
            yield Env(sb, client, app)


BUDGETS = {"visible_default": 10_000, "visible_all": 16_000, "wire_all": 30_000}
"""What tools/list may cost (issues 12 and 15), in compact JSON bytes: the model-visible list
(name + description + inputSchema per tool, what Claude Code sends the model) with the default
toolsets and with every toolset on, and the whole tools/list result over the wire, every toolset on."""


def compact_json(data: Any) -> bytes:
    """JSON as sent: no spaces, UTF-8."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass
class ToolsList:
    """One server's tools/list, as a client received it, and what it costs."""

    tools: list[Any]
    wire_bytes: int

    @property
    def visible(self) -> list[dict[str, Any]]:
        """What Claude Code hands the model per tool: name, description, input schema."""
        return [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in self.tools]

    @property
    def visible_bytes(self) -> int:
        return len(compact_json(self.visible))

    def per_tool_visible_bytes(self) -> dict[str, int]:
        return {v["name"]: len(compact_json(v)) for v in self.visible}


async def tools_list(**settings: Any) -> ToolsList:
    """tools/list through an in-memory MCP client, with these settings (e.g. ``toolsets=["all"]``)."""
    from mcp import Client

    async with in_memory(**settings) as env, Client(env.server, mode="legacy") as c:
        result = await c.list_tools()
    wire = compact_json(result.model_dump(mode="json", by_alias=True, exclude_none=True))
    return ToolsList(result.tools, len(wire))


# -- a throwaway PostgreSQL (the shared journal's tests and the team bench) --------------------------
def free_port() -> int:
    """A loopback port nobody listens on now (for a throwaway server)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server(exe: str) -> Iterator[str]:
    """``exe`` (redis-server) on a free loopback port, nothing saved to disk; yields its URL once it
    answers PING; stopped on exit. Tests and the team bench share it, as they share ``postgres_cluster``."""
    import socket
    import subprocess
    import time

    def pong(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="syncro-mcp-redis-") as folder:
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not pong(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def postgres_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, if this machine has them (on PATH or Debian's folder)."""
    import glob
    import os
    import shutil

    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return Path(folder)
    return None


def _cluster_user() -> str | None:
    """Root may not run PostgreSQL: the ``postgres`` user (Debian's package makes it), else ``nobody``."""
    import os
    import pwd

    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


@contextmanager
def postgres_cluster(bin_dir: Path) -> Iterator[str]:
    """initdb + pg_ctl start on a free loopback port in a temporary folder (trust auth, no fsync: throwaway);
    yields its URL; stopped and removed on exit. As root it runs as ``postgres`` (or ``nobody``)."""
    import os
    import shutil
    import subprocess

    user = _cluster_user()

    def run(*argv: str) -> None:
        subprocess.run([*(["runuser", "-u", user, "--"] if user else []), *argv], check=True, capture_output=True)

    port = free_port()
    folder = tempfile.mkdtemp(prefix="syncro-mcp-pg-")
    data = os.path.join(folder, "data")
    try:
        if user is not None:
            shutil.chown(folder, user)
        run(str(bin_dir / "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        run(str(bin_dir / "pg_ctl"), "-D", data, "-l", os.path.join(folder, "log"), "-w", "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300", "start")
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            with suppress(subprocess.CalledProcessError):
                run(str(bin_dir / "pg_ctl"), "-D", data, "-m", "immediate", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def postgres_schema(base: str, schema: str) -> str:
    """``base`` with its search_path set to ``schema`` (created here): a journal of its own on a shared server."""
    from urllib.parse import quote

    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
