"""Overhead: ``get_ticket`` through the MCP server over stdio vs the bare client, same sandbox, loopback.

A standalone sandbox (``syncro_mcp.sandbox.standalone.serve``, rate limit off so pacing does not
hide the overhead) runs in a subprocess on 127.0.0.1. Then, one run each:

- **bare**: ``SyncroClient.get_ticket(id)`` in this process (the id resolved once beforehand);
- **mcp**: ``tools/call get_ticket`` to ``syncro-mcp serve`` (a subprocess over stdio) pointed at
  the same sandbox; after the first call the server has number→id cached, so both paths make one
  Syncro request per call (checked from the sandbox's request log and printed).

Both clients are configured with a huge rate limit so the token bucket never waits. Cold start is
the wall time from spawning ``syncro-mcp serve --sandbox`` to the first ``tools/list`` answer.
"""

from __future__ import annotations

import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from mcp import StdioServerParameters
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client
from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.sandbox.sandbox import DEFAULT_API_KEY

NUMBER = 32164
START_TIMEOUT_S = 30.0
NO_PACING = 10**6

SANDBOX_CODE = (
    "from syncro_mcp.sandbox.standalone import serve; "
    "raise SystemExit(serve('127.0.0.1', 0, rate_limit_per_min=None))"
)
def stop(proc: subprocess.Popen[Any]) -> None:
    """Terminate, then kill if it will not go: every subprocess the bench starts ends here."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def listening_url(proc: subprocess.Popen[str]) -> str:
    """The base URL a sandbox subprocess prints on stdout ("Syncro sandbox listening on …")."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError("standalone sandbox did not start") from None
        if line.startswith("Syncro sandbox listening on "):
            return line.split(" on ", 1)[1].strip()
        if time.monotonic() > deadline:
            raise RuntimeError("standalone sandbox did not start")


@contextmanager
def standalone_sandbox():
    """A sandbox subprocess on a free loopback port; yields its base URL; always stopped."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_CODE], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        yield listening_url(proc)
    finally:
        stop(proc)


def server_command() -> tuple[str, list[str]]:
    """The ``syncro-mcp`` of this very environment (not whichever one PATH finds first)."""
    exe = Path(sys.executable).with_name("syncro-mcp")
    return (str(exe), []) if exe.is_file() else (sys.executable, ["-m", "syncro_mcp"])


def server_env(folder: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update({"SYNCRO_STATE_DIR": str(folder / "state"), "SYNCRO_SESSION_LOG_DIR": str(folder / "clients"),
                "SYNCRO_TIMEZONE": "UTC", **extra})
    return env


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(samples), "median_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000,
            "mean_ms": statistics.fmean(ordered) * 1000}


async def _timed(n: int, warmup: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    for _ in range(warmup):
        await call()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        out.append(time.perf_counter() - t0)
    return out


async def _request_count(origin: str) -> int:
    async with httpx.AsyncClient() as h:
        return len((await h.get(f"{origin}/_sandbox/requests")).json()["requests"])


async def latency(n: int = 200, warmup: int = 10) -> dict[str, Any]:
    with standalone_sandbox() as base_url, tempfile.TemporaryDirectory(prefix="syncro-bench-") as tmp:
        origin = base_url.rsplit("/api/v1", 1)[0]
        async with SyncroClient(base_url=base_url, api_key=SecretStr(DEFAULT_API_KEY),
                                rate_limit_per_min=NO_PACING) as client:
            ticket_id = await client.find_ticket_id(NUMBER)
            before = await _request_count(origin)
            bare = await _timed(n, warmup, lambda: client.get_ticket(ticket_id))
            bare_requests = (await _request_count(origin) - before) / (n + warmup)

        command, args = server_command()
        params = StdioServerParameters(
            command=command, args=[*args, "serve"],
            env=server_env(Path(tmp), SYNCRO_BASE_URL=base_url, SYNCRO_API_KEY=DEFAULT_API_KEY,
                           SYNCRO_RATE_LIMIT_PER_MIN=str(NO_PACING)),
        )
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            first = await session.call_tool("get_ticket", {"number": NUMBER})
            if first.is_error:
                raise RuntimeError(f"get_ticket over stdio failed: {first.content}")
            before = await _request_count(origin)
            mcp = await _timed(n, warmup, lambda: session.call_tool("get_ticket", {"number": NUMBER}))
            mcp_requests = (await _request_count(origin) - before) / (n + warmup)
    b, m = stats(bare), stats(mcp)
    return {
        "bare_client": {**b, "syncro_requests_per_call": bare_requests},
        "mcp_stdio": {**m, "syncro_requests_per_call": mcp_requests},
        "ratio_median": m["median_ms"] / b["median_ms"],
        "ratio_p95": m["p95_ms"] / b["p95_ms"],
        "added_median_ms": m["median_ms"] - b["median_ms"],
    }


async def cold_start(runs: int = 3) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="syncro-bench-") as tmp:
            command, args = server_command()
            params = StdioServerParameters(command=command, args=[*args, "serve", "--sandbox"],
                                           env=server_env(Path(tmp)))
            t0 = time.perf_counter()
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                times.append(time.perf_counter() - t0)
                if not tools:
                    raise RuntimeError("serve --sandbox listed no tools")
    return {"runs_s": times, "median_s": statistics.median(times), "command": " ".join([*server_command()[1],
            "serve", "--sandbox"]) or "syncro-mcp serve --sandbox"}


async def run(n: int = 200, cold_runs: int = 3) -> dict[str, Any]:
    return {
        "latency": await latency(n),
        "cold_start": await cold_start(cold_runs),
    }


def table(result: dict[str, Any]) -> str:
    from .table import render

    lat = result["latency"]
    rows = [
        [name, f"{d['n']}", f"{d['median_ms']:.2f}", f"{d['p95_ms']:.2f}", f"{d['syncro_requests_per_call']:.2f}"]
        for name, d in (("bare SyncroClient.get_ticket", lat["bare_client"]),
                        ("MCP get_ticket over stdio", lat["mcp_stdio"]))
    ]
    rows.append(["ratio MCP/bare", "", f"{lat['ratio_median']:.2f}×", f"{lat['ratio_p95']:.2f}×",
                 f"+{lat['added_median_ms']:.2f} ms"])
    cs = result["cold_start"]
    return "\n".join([
        render(["path", "calls", "median ms", "p95 ms", "Syncro req/call"], rows),
        "One run, after 10 warm-up calls, both paths against the same standalone sandbox on loopback "
        "(syncro-mcp sandbox).",
        f"cold start `syncro-mcp serve --sandbox` → first tools/list: median {cs['median_s']:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in cs['runs_s'])} s)",
    ])
