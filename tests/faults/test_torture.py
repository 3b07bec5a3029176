"""The double-post torture suite (issue 13): every write tool × every way a write could be doubled.

For each write tool that sends to Syncro, each trial drives real MCP calls on one shared server
(a fresh sandbox, journal and audit per case; the engine's and the sandbox's clocks are one fake
clock, so nothing sleeps) and then asserts from the sandbox's request log that Syncro applied the
tool's write exactly once: 0 doubled (applied twice) and 0 lost (never applied).

- ``token_replay``: one confirm_token used three times;
- ``parallel_one_session`` / ``parallel_two_sessions``: two identical approved calls at once;
- ``repeat_after_client_timeout``: the client gives up while the write is still on its way to
  Syncro and the agent repeats the call: "in progress"; once the first is done: refused again;
- ``late_write``: the answer times out and Syncro applies the write 8 s later (sandbox clock);
  afterwards the same call is refused (found and adopted, or kept as outcome unknown);
- ``rejected_then_again``: Syncro refuses the first write (422): nothing written, nothing blocked,
  the next call writes it;
- ``approval_races_duplicate``: while the dialog is open, the same write completes elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from support.harness import FIXED_NOW, elicitation, make_settings, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.faults import compile_glob
from syncro_mcp.server.app import build_app

from faults.rig import Rig, VirtualClock, fast_client

NUMBER = 32164
EVERY = ["tickets", "time", "billing", "customers", "invoices", "schedule", "assets"]
LATE_S = 8.0
BUSY = ("in progress", "already", "being sent", "answer was lost", "not found", "no time entry", "has ticket")


async def no_setup(rg: Rig) -> dict[str, Any]:
    return {}


async def a_timer(rg: Rig) -> dict[str, Any]:
    start = FIXED_NOW - timedelta(hours=3)
    t = await rg.client.add_timer_entry(
        rg.sandbox.ticket_id(NUMBER), start_at=start, end_at=start + timedelta(minutes=30), notes="Fixed sync.",
        product_id=1190473,
    )
    return {"entry": t.id}


async def an_invoice(rg: Rig) -> dict[str, Any]:
    t = rg.sandbox.ticket(32170)
    inv = await rg.client.create_invoice(customer_id=t["customer_id"], ticket_id=t["id"])
    return {"invoice": str(inv.id)}


@dataclass(frozen=True)
class Tool:
    name: str
    args: Callable[[dict[str, Any]], dict[str, Any]]
    route: tuple[str, str]
    """The write that must be applied exactly once."""
    setup: Callable[[Rig], Awaitable[dict[str, Any]]] = no_setup
    first: tuple[str, str] | None = None
    """The tool's first write (what a 422 refuses), when it is not ``route``."""

    def __str__(self) -> str:
        return self.name


COMMENT = ("POST", "/tickets/*/comment")
TOOLS = [
    Tool("create_ticket", lambda c: {"customer": "Jerry Burger", "subject": "Torture"}, ("POST", "/tickets")),
    Tool("update_ticket", lambda c: {"number": NUMBER, "priority": "1 High"}, ("PUT", "/tickets/*")),
    Tool("close_ticket", lambda c: {"number": NUMBER, "resolution": "All good."}, ("PUT", "/tickets/*"),
         first=COMMENT),
    Tool("delete_ticket", lambda c: {"number": 32175}, ("DELETE", "/tickets/*")),
    Tool("add_comment", lambda c: {"number": NUMBER, "body": "Rebooted the NAS."}, COMMENT),
    Tool("log_time", lambda c: {"number": NUMBER, "minutes": 30, "labor_type": "remote", "notes": "Fixed sync."},
         ("POST", "/tickets/*/timer_entry")),
    Tool("update_time_entry", lambda c: {"number": NUMBER, "entry_id": c["entry"], "minutes": 45},
         ("PUT", "/tickets/*/update_timer_entry"), a_timer),
    Tool("delete_time_entry", lambda c: {"number": NUMBER, "entry_id": c["entry"]},
         ("POST", "/tickets/*/delete_timer_entry"), a_timer),
    Tool("bill_ticket", lambda c: {"number": NUMBER, "minutes": 45, "labor_type": "remote", "notes": "Switch."},
         ("POST", "/invoices"), first=COMMENT),
    Tool("add_ticket_part", lambda c: {"number": NUMBER, "product": "GS308", "quantity": 2},
         ("POST", "/tickets/*/add_line_item")),
    Tool("create_customer", lambda c: {"business_name": "Torture Test Co"}, ("POST", "/customers")),
    Tool("create_invoice", lambda c: {"number": NUMBER}, ("POST", "/invoices")),
    Tool("add_invoice_line_item", lambda c: {"invoice": c["invoice"], "labor_type_or_product": "remote", "quantity": 1},
         ("POST", "/invoices/*/line_items"), an_invoice),
    Tool("delete_invoice", lambda c: {"invoice": c["invoice"]}, ("DELETE", "/invoices/*"), an_invoice),
    Tool("email_invoice", lambda c: {"invoice": "1044"}, ("POST", "/invoices/*/email")),
    Tool("schedule_appointment", lambda c: {"number": NUMBER, "start": "2026-11-27T09:30:00-07:00", "minutes": 90},
         ("POST", "/appointments")),
    Tool("move_appointment", lambda c: {"appointment_id": 5560200291, "start": "2026-11-30T08:00:00-07:00"},
         ("PUT", "/appointments/*")),
    Tool("ticket_from_alert", lambda c: {"alert_id": 61450145}, ("POST", "/tickets")),
]


class Rigged(httpx.AsyncBaseTransport):
    """The sandbox, with one write held at the door (``gate``) or refused with a 422 (``reject``)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.gate: tuple[str, Any] | None = None
        self.reject: tuple[str, Any] | None = None
        self.entered, self.release = asyncio.Event(), asyncio.Event()

    @staticmethod
    def _hit(rule: tuple[str, Any] | None, request: httpx.Request) -> bool:
        path = request.url.path.removeprefix("/api/v1")
        return rule is not None and request.method == rule[0] and bool(rule[1].match(path))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._hit(self.reject, request):
            self.reject = None
            return httpx.Response(422, json={"success": False, "message": ["Refused by the torture test"]})
        if self._hit(self.gate, request):
            self.gate = None
            self.entered.set()
            await self.release.wait()  # the write is on its way; the client has long given up
        return await self.inner.handle_async_request(request)


@dataclass
class Case:
    rg: Rig
    tool: Tool
    args: dict[str, Any]
    wire: Rigged
    mark: int

    def applied(self) -> int:
        """Requests of the tool's write that Syncro applied since the case's setup."""
        method, path = self.tool.route
        glob = compile_glob(path)
        return sum(1 for q in list(self.rg.sandbox.requests)[self.mark:]
                   if q.applied and q.method == method and glob.match(q.path))

    async def call(self, s: Any) -> Any:
        return await s.call(self.tool.name, self.args)


@asynccontextmanager
async def case(tmp_path, tool: Tool, journal_url: str | None = None) -> AsyncIterator[Case]:
    """A server of its own (parallel calls contend for its client's pacing lock, which belongs to one
    event loop), every toolset, creates confirmed, the token allowed for deletes (token_replay); its
    journal the SQLite file, or (``journal_url``) a PostgreSQL schema of its own."""
    sb, clock = Sandbox(rate_limit_per_min=None), VirtualClock()
    sb.clock = clock  # late writes land on the engine's fake clock
    wire = Rigged(sb.transport())
    async with fast_client(sb, clock, transport=wire) as client:
        settings = make_settings(tmp_path, toolsets=EVERY, confirm_creates=True, destructive_by_token=True,
                                 journal_url=journal_url)
        app = build_app(settings, client, clock=lambda: FIXED_NOW, sleep=clock.sleep)
        try:
            rg = Rig(sb, app, client, clock, settings.audit_path)
            ctx = await tool.setup(rg)
            yield Case(rg, tool, tool.args(ctx), wire, len(sb.requests))
        finally:
            app.runtime.journal.close()


def done(r: Any) -> bool:
    return not r.is_error and r.structured_content.get("status") == "done"


def refused(r: Any) -> bool:
    """Nothing written: an error naming why (in progress, already done, gone), or a replayed token."""
    if not r.is_error:
        return r.structured_content.get("status") == "already_done"
    return any(word.casefold() in text(r).casefold() for word in BUSY)


# -- the trials ----------------------------------------------------------------------------------
async def token_replay(c: Case) -> None:
    async with c.rg.session() as s:
        first = await c.call(s)
        assert first.structured_content["status"] == "needs_confirmation", text(first)
        token = {**c.args, "confirm_token": first.structured_content["confirm_token"]}
        results = [await s.call(c.tool.name, token) for _ in range(3)]
    assert done(results[0]), text(results[0])
    assert all(r.structured_content["status"] == "already_done" for r in results[1:]), [text(r) for r in results]


async def _parallel(c: Case, sessions: int) -> None:
    async with c.rg.session(elicitation_callback=elicitation("accept")) as a, \
            c.rg.session(elicitation_callback=elicitation("accept")) as b:
        pair = (a, a) if sessions == 1 else (a, b)
        results = await asyncio.gather(*(c.call(s) for s in pair))
    assert sum(done(r) for r in results) == 1, [text(r) for r in results]
    assert all(done(r) or refused(r) for r in results), [text(r) for r in results]


async def parallel_one_session(c: Case) -> None:
    await _parallel(c, 1)


async def parallel_two_sessions(c: Case) -> None:
    await _parallel(c, 2)


async def repeat_after_client_timeout(c: Case) -> None:
    c.wire.gate = (c.tool.route[0], compile_glob(c.tool.route[1]))
    async with c.rg.session(elicitation_callback=elicitation("accept")) as s:
        first = asyncio.create_task(c.call(s))
        await asyncio.wait_for(c.wire.entered.wait(), 30)  # the write is on its way; the client gave up
        again = await c.call(s)
        assert again.is_error and any(w in text(again) for w in ("in progress", "being sent")), text(again)
        c.wire.release.set()
        assert done(await first)
        late = await c.call(s)
    assert refused(late), text(late)


async def late_write(c: Case) -> None:
    c.rg.sandbox.faults.add(*c.tool.route, "late_write", delay=LATE_S)
    async with c.rg.session(elicitation_callback=elicitation("accept")) as s:
        first = await c.call(s)  # adopted once it lands, or kept as outcome unknown
        c.rg.clock.now += LATE_S + 1
        await c.rg.sandbox.land_late_writes()
        again = await c.call(s)
    assert done(first) or first.is_error, text(first)  # adopted once it landed, or its outcome kept unknown
    assert refused(again) or "unfinished" in text(again), text(again)


async def rejected_then_again(c: Case) -> None:
    method, path = c.tool.first or c.tool.route
    c.wire.reject = (method, compile_glob(path))
    async with c.rg.session(elicitation_callback=elicitation("accept")) as s:
        bad = await c.call(s)
        assert bad.is_error and "Refused by the torture test" in text(bad), text(bad)
        ok = await c.call(s)
    assert done(ok), text(ok)


async def approval_races_duplicate(c: Case) -> None:
    async with c.rg.session(elicitation_callback=elicitation("accept")) as other:
        async def answer(ctx: Any, params: Any) -> Any:
            assert done(await c.call(other))  # completes while this dialog is open
            return await elicitation("accept")(ctx, params)

        async with c.rg.session(elicitation_callback=answer) as s:
            late = await c.call(s)
    assert refused(late), text(late)


TRIALS = [token_replay, parallel_one_session, parallel_two_sessions, repeat_after_client_timeout, late_write,
          rejected_then_again, approval_races_duplicate]


@pytest.mark.parametrize("trial", TRIALS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("tool", TOOLS, ids=str)
async def test_every_write_tool_writes_once(tmp_path, tool: Tool, trial, journal_backend):
    """On each journal backend (``journal_backend``: the SQLite file; a PostgreSQL schema)."""
    async with case(tmp_path, tool, journal_backend) as c:
        await trial(c)
        await c.rg.sandbox.land_late_writes()
        assert c.applied() == 1, f"{tool} {trial.__name__}: Syncro applied the write {c.applied()} times"
