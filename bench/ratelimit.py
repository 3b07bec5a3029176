"""Rate limit: 300 mixed read tool calls at once through the server, against the sandbox's real limiter.

The sandbox enforces Syncro's 180 requests per rolling minute and answers a bare 429 beyond it.
The client paces itself with its token bucket. Both read the same ``FakeClock``, which advances
only when the client sleeps, so minutes of pacing pass in a second of wall time (time is
compressed, not scaled: the limit really is 180/min on that clock).

Figures: 429s the sandbox sent, 429s that reached a tool (tool errors mentioning the rate limit),
other tool errors, Syncro requests made, the clock time from the first to the last request, and
throughput = requests per clock-minute as a share of the limit.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mcp import Client
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.testing import in_memory

from .env import FakeClock

LIMIT_PER_MIN = 180
CALLS = 300
TARGET_SHARE = 0.95
WALL_TIMEOUT_S = 120.0

# A tech's mix of reads (tool, args); cycled to CALLS calls.
TICKETS = list(range(32150, 32176))
MIX: list[tuple[str, dict[str, Any]]] = [
    ("list_tickets", {}),
    ("get_ticket", {"number": 32164}),
    ("search", {"query": "email"}),
    ("list_customers", {}),
    ("list_time_entries", {"number": 32165}),
    ("get_customer", {"customer": "Jerry Burger"}),
    ("list_invoices", {}),
    ("list_labor_types", {}),
]


def calls(n: int = CALLS) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i in range(n):
        tool, args = MIX[i % len(MIX)]
        if "number" in args:  # spread over the seed's tickets so number→id lookups happen too
            args = {**args, "number": TICKETS[i % len(TICKETS)]}
        out.append((tool, args))
    return out


async def run(n: int = CALLS, limit: int = LIMIT_PER_MIN) -> dict[str, Any]:
    clock = FakeClock()
    sb = Sandbox(rate_limit_per_min=limit, clock=clock)
    wall0 = time.perf_counter()
    async with in_memory(
        sandbox=sb, client_kw={"rate_limit_per_min": limit, "clock": clock, "sleep": clock.sleep, "retry_base_s": 2.0}
    ) as env, Client(env.server, mode="legacy") as c:
        start = clock()
        results = await asyncio.wait_for(
            asyncio.gather(*(c.call_tool(tool, args) for tool, args in calls(n))), WALL_TIMEOUT_S
        )
        end = clock()
    wall = time.perf_counter() - wall0
    log = list(sb.requests)
    errors = [("\n".join(getattr(b, "text", "") for b in r.content)) for r in results if r.is_error]
    rate_errors = [e for e in errors if "rate limit" in e.lower() or "429" in e]
    # pace over the span the requests occupied: first admitted … last admitted, on the fake clock
    span = max(end - start, 1e-9)
    per_min = len(log) / span * 60
    return {
        "limit_per_min": limit,
        "tool_calls": n,
        "clock": "FakeClock shared by client pacing and sandbox limiter (time compressed)",
        "syncro_requests": len(log),
        "sandbox_429s": sum(1 for q in log if q.status == 429),
        "429s_reaching_tools": len(rate_errors),
        "other_tool_errors": len(errors) - len(rate_errors),
        "error_samples": errors[:3],
        "clock_seconds": span,
        "wall_seconds": wall,
        "requests_per_min": per_min,
        "share_of_limit": per_min / limit,
        "target_share": TARGET_SHARE,
        "ok": not rate_errors and not errors and per_min / limit >= TARGET_SHARE,
    }


def table(result: dict[str, Any]) -> str:
    from .table import render

    r = result
    rows = [[
        r["tool_calls"], r["syncro_requests"], r["sandbox_429s"], r["429s_reaching_tools"], r["other_tool_errors"],
        f"{r['clock_seconds']:.1f}", f"{r['wall_seconds']:.1f}", f"{r['requests_per_min']:.1f}",
        f"{r['share_of_limit']:.1%}",
    ]]
    return "\n".join([
        render(["tool calls", "Syncro req", "429 sent", "429 at tool", "other errors", "clock s", "wall s",
                "req/min", "of limit"], rows),
        f"limit {r['limit_per_min']}/min (sandbox rolling window, the real value); {r['clock']}. "
        f"Target: no 429 at a tool, throughput ≥ {r['target_share']:.0%} → {'met' if r['ok'] else 'NOT met'}.",
    ])
