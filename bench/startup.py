"""Start-up and result size: what issue 12 measures.

- **structured vs text**: the 25-ticket list and a ticket detail, ``structuredContent`` (what Claude
  Code hands the model) against the seed-format text, compact JSON bytes (targets: ≤ 1.3× and ≤ 1.5×).
- **tools/list**: the whole result as sent, every toolset on, compact JSON bytes (target ≤ 30 KB).
- **tool registration**: in-process ``build_app`` (declarations → SDK tools, schemas), median ms.
- **cold start**: from spawning the server to its first ``tools/list`` answer, ours
  (``syncro-mcp serve``, real-Syncro mode with a dummy account: nothing is sent before a tool call)
  side by side with the same SDK's minimal server (one tool), interleaved; the ratio of medians of
  the server process's CPU time (target ≤ 1.1×; steady under load) and of wall time.
  ``python -m bench.instructions`` counts instructions instead (valgrind), the steadiest figure.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.client.session import ClientSession
from mcp.client.stdio import stdio_client
from syncro_mcp.testing import in_memory, stack_settings
from syncro_mcp.testing import tools_list as listed_tools

MINIMAL_SERVER = """
from mcp.server.mcpserver import MCPServer

server = MCPServer("minimal")


@server.tool()
def ping(x: int) -> str:
    \"\"\"Ping.\"\"\"
    return "pong"


server.run("stdio")
"""
TARGETS = {"list": 1.3, "detail": 1.5, "tools_list_bytes": 30_000, "cold_ratio": 1.1}


def _bytes(data: Any) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


async def sizes() -> dict[str, Any]:
    # A configured account (subdomain): every row then carries its web link, in text and structured alike.
    async with in_memory(subdomain="acme") as env:
        customers = (await env.client.list_customers()).items
        for i in range(6):  # the seed has 19 open tickets: 6 more make the 25
            cust = customers[i % len(customers)]
            await env.client.create_ticket({"customer_id": cust.id, "subject": f"Bench ticket {i + 1}"})
        async with Client(env.server, mode="legacy") as c:
            out: dict[str, Any] = {"tools_list_bytes": (await listed_tools(toolsets=["all"])).wire_bytes}
            cases = (("list", "list_tickets", {"limit": 25}), ("detail", "get_ticket", {"number": 32165}))
            for key, tool, args in cases:
                r = await c.call_tool(tool, args)
                text = "\n".join(getattr(b, "text", "") for b in r.content)
                out[key] = {"structured": _bytes(r.structured_content), "text": len(text.encode())}
                out[key]["ratio"] = out[key]["structured"] / out[key]["text"]
    return out


async def registration(runs: int = 15) -> float:
    """Median ms of ``build_app`` (declarations → MCP tools, schemas built: caches cleared each run)."""
    from syncro_mcp.server.app import build_app
    from syncro_mcp.server.serving import make_client
    from syncro_mcp.tools import registry

    samples = []
    with tempfile.TemporaryDirectory(prefix="syncro-bench-") as tmp:
        settings = stack_settings(Path(tmp), subdomain="acme", api_key="T0123-bench")
        async with make_client(settings) as client:
            for _ in range(runs):
                registry.input_schema.cache_clear()
                registry.output_schema.cache_clear()
                t0 = time.perf_counter()
                build_app(settings, client)
                samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


FIRST_BUILD = """
import asyncio, tempfile, time
from pathlib import Path
from syncro_mcp.server.app import build_app
from syncro_mcp.server.serving import make_client
from syncro_mcp.server.settings import Settings

async def main():
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(state_dir=Path(tmp), timezone="UTC", subdomain="acme", api_key="T0123-bench")
        async with make_client(settings) as client:
            t0, c0 = time.perf_counter(), time.process_time()
            build_app(settings, client)
            print((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000)

asyncio.run(main())
"""


def first_registration(runs: int = 5) -> dict[str, float]:
    """Median ms of the first ``build_app`` in a fresh process (modules imported, nothing built yet):
    wall time, and the process's CPU time, which a loaded machine hardly moves (wall time waits)."""
    import subprocess

    out = [[float(v) for v in subprocess.run([sys.executable, "-c", FIRST_BUILD], capture_output=True, text=True,
                                             check=True).stdout.split()] for _ in range(runs)]
    return {"wall_ms": statistics.median(o[0] for o in out), "cpu_ms": statistics.median(o[1] for o in out)}


async def _first_tools_list(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall s to the first tools/list answer, CPU s the server process used in all: start-up,
    that answer, exit). The CPU time is the child's own (``RUSAGE_CHILDREN`` once it is reaped),
    so what else runs on the machine hardly moves it; the wall time is what a user waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    params = StdioServerParameters(command=sys.executable, args=args, env=env)
    async with stdio_client(params) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        await s.list_tools()
        wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


async def cold_start(runs: int = 15) -> dict[str, Any]:
    """Ours and the SDK's minimal server, ``runs`` pairs, interleaved ABBA (load and drift hit both
    alike); ratios of the medians, for the child's CPU time and for wall time."""
    with tempfile.TemporaryDirectory(prefix="syncro-bench-") as tmp:
        minimal = Path(tmp) / "minimal_server.py"
        minimal.write_text(MINIMAL_SERVER, encoding="utf-8")
        env = {**os.environ, "SYNCRO_SUBDOMAIN": "acme", "SYNCRO_API_KEY": "T0123-bench", "SYNCRO_TIMEZONE": "UTC",
               "SYNCRO_STATE_DIR": str(Path(tmp) / "state")}
        # As installed: compiled bytecode. A checkout's edited modules with PYTHONDONTWRITEBYTECODE set
        # would be compiled from source at every start (≈ 60 ms that no installed server pays).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        servers = {"sdk": [str(minimal)], "ours": ["-m", "syncro_mcp", "serve"]}
        samples: dict[str, list[tuple[float, float]]] = {"sdk": [], "ours": []}
        for args in servers.values():  # warm-up, not counted: bytecode written, files in the page cache
            await _first_tools_list(args, env)
        for i in range(runs):
            for key in ("sdk", "ours") if i % 2 == 0 else ("ours", "sdk"):
                samples[key].append(await _first_tools_list(servers[key], env))
    out: dict[str, Any] = {"runs": runs}
    for what, col in (("wall", 0), ("cpu", 1)):
        o = statistics.median(s[col] for s in samples["ours"])
        m = statistics.median(s[col] for s in samples["sdk"])
        out[what] = {"ours_ms": o * 1000, "minimal_ms": m * 1000, "ratio": o / m}
    out["ratio"] = out["cpu"]["ratio"]  # the target's figure: CPU time is what load does not move
    return out


async def run(cold_runs: int = 15, registration_runs: int = 15, first_runs: int = 5) -> dict[str, Any]:
    return {"sizes": await sizes(), "registration_ms": await registration(registration_runs),
            "first_registration": first_registration(first_runs), "cold_start": await cold_start(cold_runs),
            "targets": TARGETS}


def table(result: dict[str, Any]) -> str:
    s, c, t, first = result["sizes"], result["cold_start"], result["targets"], result["first_registration"]

    def ok(good: bool) -> str:
        return "met" if good else "NOT met"

    return "\n".join([
        f"ticket list (25): structured {s['list']['structured']:,} B vs text {s['list']['text']:,} B = "
        f"{s['list']['ratio']:.2f}× (target ≤ {t['list']}×: {ok(s['list']['ratio'] <= t['list'])})",
        f"ticket detail: structured {s['detail']['structured']:,} B vs text {s['detail']['text']:,} B = "
        f"{s['detail']['ratio']:.2f}× (target ≤ {t['detail']}×: {ok(s['detail']['ratio'] <= t['detail'])})",
        f"tools/list over the wire, every toolset on: {s['tools_list_bytes']:,} B (target ≤ {t['tools_list_bytes']:,}: "
        f"{ok(s['tools_list_bytes'] <= t['tools_list_bytes'])})",
        f"tool registration (build_app): first in a fresh process {first['wall_ms']:.1f} ms wall, "
        f"{first['cpu_ms']:.1f} ms CPU; again with schemas rebuilt {result['registration_ms']:.1f} ms (medians)",
        f"cold start to first tools/list, CPU of the server process: ours {c['cpu']['ours_ms']:.0f} ms, SDK minimal "
        f"server {c['cpu']['minimal_ms']:.0f} ms → {c['cpu']['ratio']:.2f}× (target ≤ {t['cold_ratio']}×: "
        f"{ok(c['cpu']['ratio'] <= t['cold_ratio'])})",
        f"cold start to first tools/list, wall: ours {c['wall']['ours_ms']:.0f} ms, SDK minimal server "
        f"{c['wall']['minimal_ms']:.0f} ms → {c['wall']['ratio']:.2f}× (medians of {c['runs']} pairs, interleaved)",
    ])
