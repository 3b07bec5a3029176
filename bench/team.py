"""A team on one office IP: N concurrent reads through one server, and split across two servers.

Everything is real processes on loopback: one standalone sandbox (``syncro-mcp sandbox``: Syncro's
180 requests per rolling minute per IP, real time), ``syncro-mcp serve --transport http``
instances pointed at it, and for the shared budget one ``redis-server``. The N reads (one Syncro
GET each: ``list_tickets``, ``list_customers``, ``list_invoices`` in turn) are issued at once,
split evenly across the instances, one MCP session per instance. Three rows, a fresh sandbox each:

- **1 instance**: today's single server, the baseline;
- **2 instances, own budgets**: each paces itself to 180/min alone (what the issue measured: reads
  lost to 429s);
- **2 instances, one Redis**: ``rate_limit_url=redis://…``, one bucket for both.

Figures: Syncro requests the sandbox saw, 429s it sent, rate-limit errors that reached a tool,
other tool errors, wall time from the first call to the last answer, admitted requests per
minute over that span, and that as a share of 180/min. Real time: the full run (N = 400) takes
about 2¼ minutes per shared-budget row; ``--quick`` uses N = 24.

Then the same bill, approved on every instance, is sent to all of them at once, for ``bills``
tickets (10; ``--quick`` 1): on one instance as two sessions; on two instances with their own
state dirs (own journals: the issue's 5 of 5 doubled); on two instances sharing one journal: the
SQLite file of one shared state dir (one machine), or PostgreSQL (``journal_url``, each instance
its own state dir, as on two machines). The setup column names the journal backend. Figures:
tickets billed twice (doubled) and not at all (lost), counted from the sandbox's log of applied
``POST /invoices``.

Redis: ``$BENCH_REDIS_URL`` or ``$TEST_REDIS_URL`` if set, else a private ``redis-server`` on a
free loopback port; without either the shared rows report themselves skipped. PostgreSQL:
``$BENCH_POSTGRES_URL`` or ``$TEST_POSTGRES_URL``, else a private cluster when initdb is found
(``syncro_mcp.testing.postgres_cluster``); without either its row is skipped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from syncro_mcp.sandbox.sandbox import DEFAULT_API_KEY
from syncro_mcp.testing import free_port, redis_server

from .overhead import listening_url, server_command, stop

LIMIT_PER_MIN = 180
READS = 400
TARGET_SHARE = 0.90
TOKEN = "bench-team-token-5d0c2a"
START_TIMEOUT_S = 30.0
MIX = ("list_tickets", "list_customers", "list_invoices")
BILLS = 10
#: tickets with no time and no invoice in the sandbox's seed: one bill each
BILL_TICKETS = (32163, 32164, 32166, 32167, 32169, 32172, 32173, 32175, 32156, 32157)
#: row, instances, shared (one Redis bucket and one journal, the team setup) or each its own, journal backend
SCENARIOS = (
    ("1 instance", 1, False, "sqlite"),
    ("2 instances, own budgets and journals", 2, False, "sqlite"),
    ("2 instances, one Redis, one journal (SQLite, shared state dir)", 2, True, "sqlite"),
    ("2 instances, one Redis, one journal (PostgreSQL)", 2, True, "postgresql"),
)


def _wait_port(port: int, proc: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.05)


@contextmanager
def redis_url() -> Iterator[str | None]:
    """A Redis for the shared bucket: given by the environment, else a private server, else None."""
    given = os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL")
    if given:
        yield given
        return
    exe = shutil.which("redis-server")
    if exe is None:
        yield None
        return
    with redis_server(exe) as url:
        yield url


@contextmanager
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL for the shared journal: given by the environment, else a private cluster, else None."""
    given = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL")
    if given:
        yield given
        return
    from syncro_mcp.testing import postgres_binaries, postgres_cluster

    bin_dir = postgres_binaries()
    if bin_dir is None:
        yield None
        return
    with postgres_cluster(bin_dir) as url:
        yield url


@contextmanager
def sandbox() -> Iterator[str]:
    """``syncro-mcp sandbox`` (the real 180/min limit) on a free port; yields its base URL."""
    exe, pre = server_command()
    proc = subprocess.Popen(
        [exe, *pre, "sandbox", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        yield listening_url(proc)
    finally:
        stop(proc)


@contextmanager
def server(base_url: str, state: Path, rate_limit_url: str | None, bucket: str,
           journal_url: str | None = None) -> Iterator[int]:
    """``syncro-mcp serve --transport http`` against the sandbox; yields its port."""
    exe, pre = server_command()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCRO_")}
    env.update({
        "SYNCRO_BASE_URL": base_url, "SYNCRO_API_KEY": DEFAULT_API_KEY, "SYNCRO_HTTP_TOKEN": TOKEN,
        "SYNCRO_STATE_DIR": str(state), "SYNCRO_TIMEZONE": "UTC", "SYNCRO_LOG_LEVEL": "ERROR",
    })
    if rate_limit_url:
        env["SYNCRO_RATE_LIMIT_URL"] = rate_limit_url
        env["SYNCRO_RATE_LIMIT_KEY"] = bucket  # one key for the row's instances, fresh for each run
    if journal_url:
        env["SYNCRO_JOURNAL_URL"] = journal_url
    proc = subprocess.Popen(
        [exe, *pre, "serve", "--transport", "http", "--port", str(port)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_port(port, proc, "syncro-mcp serve")
        yield port
    finally:
        stop(proc)


@asynccontextmanager
async def _session(port: int) -> AsyncIterator[Client]:
    """One MCP session on one instance (no connection cap: calls may wait minutes for the budget)."""
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=httpx2.Timeout(30.0, read=900.0, pool=900.0),
        limits=httpx2.Limits(max_connections=None, max_keepalive_connections=50),
    )
    async with http, Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http)) as c:
        yield c


async def _session_calls(port: int, tools: list[str]) -> list[Any]:
    """Every call at once through one session."""
    async with _session(port) as c:
        return await asyncio.gather(*(c.call_tool(t, {}) for t in tools), return_exceptions=True)


def _sandbox_log(base: str) -> list[dict[str, Any]]:
    return httpx.get(base.rsplit("/api/", 1)[0] + "/_sandbox/requests", timeout=30).json()["requests"]


async def _approved_bills(port: int, tickets: list[int]) -> list[dict[str, Any]]:
    """One session on one instance: each bill previewed (the tech's approval), its confirmations
    returned for sending; previews run one after another, like a technician's."""
    async with _session(port) as c:
        out = []
        for number in tickets:
            args = {"number": number, "minutes": 45, "labor_type": "remote", "notes": f"Team bench bill on #{number}."}
            first = await c.call_tool("bill_ticket", args)
            out.append({**args, "confirm_token": (first.structured_content or {}).get("confirm_token")})
        return out


async def _send_bills(port: int, calls: list[dict[str, Any]]) -> None:
    async with _session(port) as c:
        await asyncio.gather(*(c.call_tool("bill_ticket", a) for a in calls), return_exceptions=True)


async def bill_rounds(ports: list[int], base: str, bills: int) -> dict[str, int]:
    """The same bill approved on every instance (twice on a lone one) and sent to all at once."""
    tickets = list(BILL_TICKETS[:bills])
    senders = ports if len(ports) > 1 else ports * 2
    approved = [await _approved_bills(p, tickets) for p in senders]
    await asyncio.gather(*(_send_bills(p, a) for p, a in zip(senders, approved, strict=True)))
    made = [q for q in _sandbox_log(base) if (q["method"], q["path"]) == ("POST", "/invoices") and q.get("applied")]
    ids = {}
    for q in made:
        ids[q["body"]["ticket_id"]] = ids.get(q["body"]["ticket_id"], 0) + 1
    counts = sorted(ids.values()) + [0] * (len(tickets) - len(ids))
    return {"bills": len(tickets), "doubled": sum(1 for n in counts if n > 1), "lost": counts.count(0)}


async def scenario(n: int, instances: int, shared: str | None, key: str, bills: int = BILLS,
                   journal: str | None = None) -> dict[str, Any]:
    """``journal``: a PostgreSQL URL the instances share (each its own state dir); else SQLite, shared
    through one state dir when ``shared``."""
    with ExitStack() as stack:
        base = stack.enter_context(sandbox())
        state = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-team-")))
        bucket = f"syncro-mcp-bench:{time.time_ns()}"
        one_dir = shared and journal is None
        ports = [stack.enter_context(server(base, state / ("shared" if one_dir else str(i)), shared, bucket, journal))
                 for i in range(instances)]
        tools = [MIX[i % len(MIX)] for i in range(n)]
        started = time.perf_counter()
        results = await asyncio.gather(
            *(_session_calls(p, tools[i::instances]) for i, p in enumerate(ports))
        )
        wall = time.perf_counter() - started
        log = _sandbox_log(base)
        billed = await bill_rounds(ports, base, bills) if bills else {"bills": 0, "doubled": 0, "lost": 0}
    flat = [r for rs in results for r in rs]
    texts = [
        repr(r) if isinstance(r, BaseException) else "\n".join(getattr(b, "text", "") for b in r.content)
        for r in flat if isinstance(r, BaseException) or r.is_error
    ]
    rate = [t for t in texts if "rate limit" in t.lower() or "429" in t or "too many" in t.lower()]
    admitted = sum(1 for q in log if q.get("status") != 429)
    per_min = admitted / wall * 60
    return {
        "scenario": key, "instances": instances, "shared_budget": bool(shared), "reads": n,
        "journal": "PostgreSQL" if journal else "SQLite",
        "syncro_requests": len(log), "sandbox_429s": sum(1 for q in log if q.get("status") == 429),
        "429s_reaching_tools": len(rate), "other_tool_errors": len(texts) - len(rate), "error_samples": texts[:3],
        "wall_seconds": wall, "requests_per_min": per_min, "share_of_limit": per_min / LIMIT_PER_MIN, **billed,
    }


async def run(n: int = READS, scenarios: tuple[str, ...] | None = None, bills: int = BILLS) -> dict[str, Any]:
    rows = []
    with redis_url() as url, postgres_url() as pg:
        for key, instances, shared, backend in SCENARIOS:
            if scenarios is not None and key not in scenarios:
                continue
            if shared and url is None:
                rows.append({"scenario": key, "skipped": "no Redis (set BENCH_REDIS_URL or install redis-server)"})
                continue
            journal = None
            if backend == "postgresql":
                if pg is None:
                    rows.append({"scenario": key, "skipped": "no PostgreSQL (set BENCH_POSTGRES_URL or install it)"})
                    continue
                from syncro_mcp.testing import postgres_schema

                journal = postgres_schema(pg, f"bench_{time.time_ns()}")  # the sandbox's seed ids repeat per row
            rows.append(await scenario(n, instances, url if shared else None, key, bills, journal))
    teams = [r for r in rows if r.get("shared_budget")]
    ok = bool(teams) and all(
        t["429s_reaching_tools"] == 0 and t["other_tool_errors"] == 0 and t["share_of_limit"] >= TARGET_SHARE
        and t["doubled"] == 0 and t["lost"] == 0 for t in teams
    )
    return {"limit_per_min": LIMIT_PER_MIN, "reads": n, "rows": rows, "target_share": TARGET_SHARE, "ok": ok}


def table(result: dict[str, Any]) -> str:
    from .table import render

    rows = []
    for r in result["rows"]:
        if "skipped" in r:
            rows.append([r["scenario"], "skipped: " + r["skipped"], *[""] * 10])
            continue
        rows.append([
            r["scenario"], r["reads"], r["syncro_requests"], r["sandbox_429s"], r["429s_reaching_tools"],
            r["other_tool_errors"], f"{r['wall_seconds']:.1f}", f"{r['requests_per_min']:.1f}",
            f"{r['share_of_limit']:.1%}", r["bills"], r["doubled"], r["lost"],
        ])
    return "\n".join([
        render(["setup", "reads", "Syncro req", "429 sent", "429 at tool", "other errors", "wall s", "req/min",
                "of limit", "bills", "doubled", "lost"], rows),
        f"One standalone sandbox at the real {result['limit_per_min']}/min per IP (rolling window, real time); "
        "each instance a `syncro-mcp serve --transport http` process; the reads issued at once, split evenly. "
        "Then each bill approved on every instance (twice on one) and sent to all at once; doubled = tickets "
        "with two invoices. Target for 2 instances on one Redis and one journal (either backend): no 429 at a tool, "
        f"≥ {result['target_share']:.0%} of the limit, no bill doubled or lost → "
        f"{'met' if result['ok'] else 'NOT met'}.",
    ])


if __name__ == "__main__":  # python -m bench.team [N]
    import json

    out = asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else READS))
    print(table(out))
    print(json.dumps(out, indent=1, default=str)[:2000])
