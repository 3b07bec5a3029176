"""Issue 13, "two processes on one state dir": the same approved write sent to two live OS processes.

``test_once`` runs two server instances inside one process; here each instance is its own
``syncro-mcp serve`` process (HTTP, and one trial over stdio), the two of a pair sharing one state
dir (journal, its lock table, the confirmation key, the session logs), all against one sandbox.
For every write tool the server lists (``readOnlyHint`` false, every toolset on:
``test_every_write_tool_has_a_trial`` fails for a new write tool without one), both get the
identical call at the same moment and the technician approves both dialogs. Syncro must hold
exactly one write: one call is done, the other is refused ("in progress" while the first runs,
or the repeat refusal once it is done), and no write request was applied twice (read from the
sandbox's request log and state, not from the servers' answers). ``resume_write`` and
``abandon_write`` act on one unfinished entry (a comment with time whose timer's answer was lost:
the pair runs with ``settle_window_s: 0``, so it stays outcome unknown at once): one resumes (the
timer sent once) or abandons it, the other is refused. ``write_session_log`` writes no Syncro
record: one file, the other call told it is already saved.

``bill_ticket`` runs in each billing mode, a pair of processes per mode (``billing_mode`` is a
setting). The processes live for the module; each trial writes its own ticket or record.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from support.processes import Instance, accept, http_servers, last_seq, server_env, stdio_session, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.requestlog import LoggedRequest
from syncro_mcp.sandbox.standalone import BackgroundServer

MODES = ("make_invoice", "charge_timer", "line_item")


@dataclass
class World:
    sandbox: Sandbox
    pairs: dict[str, tuple[Instance, Instance]]  # billing mode → two processes on one state dir
    base_url: str
    root: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("procs")
    sb = Sandbox(rate_limit_per_min=None)
    # The make_invoice pair runs every trial but the other modes' bills: every toolset, and a lost
    # answer kept as outcome unknown at once (no real 30 s of settle re-reads) for resume/abandon.
    every = {"toolsets": "all", "settle_window_s": 0}
    with BackgroundServer(sb) as syncro:
        envs = {
            f"{mode}/{side}": server_env(syncro.base_url, sb.api_key, root / mode, billing_mode=mode,
                                         **(every if mode == "make_invoice" else {}))
            for mode in MODES for side in "ab"
        }
        with http_servers(envs) as inst:
            yield World(sb, {m: (inst[f"{m}/a"], inst[f"{m}/b"]) for m in MODES}, syncro.base_url, root)


def applied_writes(sb: Sandbox, since: int) -> list[LoggedRequest]:
    return [q for q in sb.requests.writes() if q.seq > since and q.applied]


def assert_nothing_applied_twice(sb: Sandbox, since: int) -> None:
    seen = Counter((q.method, q.path, json.dumps(q.body, sort_keys=True)) for q in applied_writes(sb, since))
    doubled = {k: n for k, n in seen.items() if n > 1}
    assert not doubled, f"applied more than once: {doubled}"


def assert_applied_once(sb: Sandbox, since: int, route: tuple[str, str]) -> None:
    """The write happened (not lost), once."""
    hits = [q for q in sb.requests.matching(*route) if q.seq > since and q.applied]
    assert len(hits) == 1, applied_writes(sb, since)


REFUSALS = ("in progress", "already")  # the other call is running / the repeat window


def assert_one_done_one_refused(results: list[Any], *also: str) -> None:
    """Exactly one call wrote; the other was refused without writing (nothing lost, nothing doubled).
    ``also``: another refusal that is right for this tool (the loser read Syncro after the winner)."""
    done = [r for r in results if not r.is_error and r.structured_content.get("status") == "done"]
    assert len(done) == 1, [text(r) for r in results]
    (loser,) = [r for r in results if r is not done[0]]
    said = text(loser)
    repeat = not loser.is_error and loser.structured_content.get("status") == "already_done"
    assert (loser.is_error or repeat) and any(s in said for s in (*REFUSALS, *also)), said


async def at_once(a: Instance, b: Instance, tool: str, args: dict[str, Any]) -> list[Any]:
    """Both sessions open first, then the identical call on both in the same instant."""
    async with a.session(elicitation_callback=accept) as ca, b.session(elicitation_callback=accept) as cb:
        return list(await asyncio.gather(ca.call_tool(tool, args), cb.call_tool(tool, args)))


async def call(inst: Instance, tool: str, args: dict[str, Any]) -> Any:
    async with inst.session(elicitation_callback=accept) as c:
        return await c.call_tool(tool, args)


LOG = {"minutes": 30, "labor_type": "remote", "notes": "Two processes, one timer."}
SOON = (datetime.now(timezone.utc) + timedelta(days=30)).date()  # the processes' clock is the real one
Context = dict[str, Any]


# -- setups: what a trial's write acts on, made first through one process (serially) ----------------
async def nothing(w: World) -> Context:
    return {}


def logged_entry(number: int) -> Callable[[World], Awaitable[Context]]:
    """A time entry to edit, logged first through one instance; its Syncro id."""
    async def setup(w: World) -> Context:
        a, _ = w.pairs["make_invoice"]
        async with a.session(elicitation_callback=accept) as c:
            r = await c.call_tool("log_time", {"number": number, **LOG})
            assert r.structured_content["status"] == "done", text(r)
            entries = (await c.call_tool("list_time_entries", {"number": number})).structured_content["entries"]
        (entry,) = [e for e in entries if e["notes"] == LOG["notes"]]
        return {"entry": int(entry["id"])}
    return setup


def an_invoice(number: int) -> Callable[[World], Awaitable[Context]]:
    """An invoice of its own (from ticket ``number``) to add a line to or delete."""
    async def setup(w: World) -> Context:
        r = await call(w.pairs["make_invoice"][0], "create_invoice", {"number": number})
        assert r.structured_content["status"] == "done", text(r)
        return {"invoice": str(r.structured_content["invoice"]["number"])}
    return setup


def an_unfinished_entry(number: int) -> Callable[[World], Awaitable[Context]]:
    """A comment with time whose comment landed and whose timer's answer was lost (a 502, not applied):
    the entry stays outcome unknown (``settle_window_s: 0``)."""
    async def setup(w: World) -> Context:
        sb = w.sandbox
        sb.faults.add("POST", f"/tickets/{sb.ticket_id(number)}/timer_entry", "502", call=1, times=1)
        args = {"number": number, "body": "Swapped the UPS battery.", **{k: LOG[k] for k in ("minutes", "labor_type")}}
        r = await call(w.pairs["make_invoice"][0], "add_comment", args)
        assert r.is_error and "Nothing was re-sent" in text(r), text(r)
        async with w.pairs["make_invoice"][0].session() as c:
            pending = (await c.call_tool("pending_writes", {})).structured_content["entries"]
        (entry,) = [e for e in pending if e["number"] == number]
        return {"entry": entry["entry_id"]}
    return setup


def session_logs(w: World, number: int) -> list[Path]:
    return sorted((w.root / "make_invoice" / "clients").glob(f"*/session-logs/*-ticket-{number}*.md"))


@dataclass(frozen=True)
class Trial:
    tool: str
    args: Callable[[Context], dict[str, Any]]
    route: tuple[str, str] | None
    """The write Syncro must have applied exactly once (None: the tool sends nothing to Syncro)."""
    mode: str = "make_invoice"
    setup: Callable[[World], Awaitable[Context]] = nothing
    also: tuple[str, ...] = ()
    """Another refusal that is right for this tool (the loser planned after the winner's write)."""
    after: Callable[[World, Context], None] = field(default=lambda w, c: None)
    """What else Syncro (or the state dir) must hold afterwards."""


def one_invoice(number: int) -> Callable[[World, Context], None]:
    def check(w: World, ctx: Context) -> None:
        assert len(w.sandbox.state.children("invoices", "ticket_id", w.sandbox.ticket_id(number))) == 1
    return check


def one_session_log(w: World, ctx: Context) -> None:
    assert len(session_logs(w, 32162)) == 1, session_logs(w, 32162)


def abandoned(w: World, ctx: Context) -> None:
    with sqlite3.connect(w.root / "make_invoice" / "journal.sqlite3") as db:
        (state,) = db.execute("SELECT state FROM entries WHERE id = ?", (ctx["entry"],)).fetchone()
    assert state == "abandoned", state


GONE = ("Not found", "not found", "has no time entry")  # a delete planned after the other's landed
UNFINISHED = ("not unfinished",)  # resume/abandon planned (or acting) after the other finished the entry

#: trial id → the identical call both processes get at once
TRIALS: dict[str, Trial] = {
    "create_ticket": Trial("create_ticket", lambda c: {"customer": "Jerry Burger", "subject": "Two processes"},
                           ("POST", "/tickets")),
    "update_ticket": Trial("update_ticket", lambda c: {"number": 32154, "priority": "1 High"}, ("PUT", "/tickets/*")),
    "close_ticket": Trial("close_ticket", lambda c: {"number": 32153, "resolution": "All good."},
                          ("PUT", "/tickets/*")),
    "delete_ticket": Trial("delete_ticket", lambda c: {"number": 32175}, ("DELETE", "/tickets/*"), also=GONE),
    "add_comment": Trial("add_comment", lambda c: {"number": 32150, "body": "Rebooted the NAS."},
                         ("POST", "/tickets/*/comment")),
    "add_comment_with_time": Trial("add_comment", lambda c: {
        "number": 32151, "body": "Cleared the print queue.", "minutes": 15, "labor_type": "remote"},
        ("POST", "/tickets/*/timer_entry")),
    "write_session_log": Trial("write_session_log", lambda c: {"number": 32162, "notes": "Two processes."}, None,
                               after=one_session_log),
    "log_time": Trial("log_time", lambda c: {"number": 32152, **LOG}, ("POST", "/tickets/*/timer_entry")),
    "update_time_entry": Trial("update_time_entry", lambda c: {"number": 32163, "entry_id": c["entry"], "minutes": 20},
                               ("PUT", "/tickets/*/update_timer_entry"), setup=logged_entry(32163)),
    "delete_time_entry": Trial("delete_time_entry", lambda c: {"number": 32166, "entry_id": c["entry"]},
                               ("POST", "/tickets/*/delete_timer_entry"), setup=logged_entry(32166), also=GONE),
    **{
        f"bill_ticket[{mode}]": Trial("bill_ticket", lambda c, mode=mode, number=number: {
            "number": number, "minutes": 45, "labor_type": "remote", "notes": f"Replaced the switch ({mode})."},
            ("POST", "/invoices"), mode=mode, after=one_invoice(number))
        for mode, number in zip(MODES, (32156, 32157, 32159), strict=True)  # no earlier time or invoice
    },
    "add_ticket_part": Trial("add_ticket_part", lambda c: {"number": 32158, "product": "GS308", "quantity": 2},
                             ("POST", "/tickets/*/add_line_item")),
    "create_customer": Trial("create_customer", lambda c: {"business_name": "Two Processes Co"},
                             ("POST", "/customers")),
    "create_invoice": Trial("create_invoice", lambda c: {"number": 32170}, ("POST", "/invoices"),
                            after=one_invoice(32170)),
    "add_invoice_line_item": Trial("add_invoice_line_item", lambda c: {
        "invoice": c["invoice"], "labor_type_or_product": "remote", "quantity": 1},
        ("POST", "/invoices/*/line_items"), setup=an_invoice(32172)),
    "delete_invoice": Trial("delete_invoice", lambda c: {"invoice": c["invoice"]}, ("DELETE", "/invoices/*"),
                            setup=an_invoice(32167), also=GONE),
    "email_invoice": Trial("email_invoice", lambda c: {"invoice": "1044"}, ("POST", "/invoices/*/email")),
    "schedule_appointment": Trial("schedule_appointment", lambda c: {
        "number": 32164, "start": f"{SOON}T09:30:00-07:00", "minutes": 90}, ("POST", "/appointments")),
    "move_appointment": Trial("move_appointment", lambda c: {
        "appointment_id": 5560200291, "start": f"{SOON}T08:00:00-07:00"}, ("PUT", "/appointments/*")),
    "ticket_from_alert": Trial("ticket_from_alert", lambda c: {"alert_id": 61450145}, ("POST", "/tickets")),
    "resume_write": Trial("resume_write", lambda c: {"entry_id": c["entry"]}, ("POST", "/tickets/*/timer_entry"),
                          setup=an_unfinished_entry(32165), also=UNFINISHED),
    "abandon_write": Trial("abandon_write", lambda c: {"entry_id": c["entry"]}, None,
                           setup=an_unfinished_entry(32160), also=UNFINISHED, after=abandoned),
}


async def test_every_write_tool_has_a_trial(world: World) -> None:
    """The write tools are what the server lists (every toolset on), not a list kept here."""
    async with world.pairs["make_invoice"][0].session() as c:
        tools = (await c.list_tools()).tools
    writes = {t.name for t in tools if t.annotations is not None and t.annotations.read_only_hint is False}
    assert len(writes) >= 21, sorted(writes)
    assert writes == {t.tool for t in TRIALS.values()}, {"without a trial": writes - {t.tool for t in TRIALS.values()}}


@pytest.mark.parametrize("trial", list(TRIALS))
async def test_two_processes_on_one_state_dir_write_once(world: World, trial: str) -> None:
    t = TRIALS[trial]
    ctx = await t.setup(world)
    args = t.args(ctx)
    sb, since = world.sandbox, last_seq(world.sandbox)
    results = await at_once(*world.pairs[t.mode], t.tool, args)
    assert_one_done_one_refused(results, *t.also)
    assert_nothing_applied_twice(sb, since)
    if t.route is not None:
        assert_applied_once(sb, since, t.route)
    else:
        assert applied_writes(sb, since) == [], "sent nothing to Syncro"
    t.after(world, ctx)


async def test_two_stdio_processes_on_one_state_dir_bill_once(world: World) -> None:
    """The same over stdio: two terminals' ``syncro-mcp serve`` on one state dir, one bill."""
    sb = world.sandbox
    env = server_env(world.base_url, sb.api_key, world.root / "stdio")
    args = {"number": 32161, "minutes": 30, "labor_type": "remote", "notes": "Two terminals, one bill."}
    async with stdio_session(env, elicitation_callback=accept) as one, \
            stdio_session(env, elicitation_callback=accept) as two:
        since = last_seq(sb)
        results = list(await asyncio.gather(one.call_tool("bill_ticket", args), two.call_tool("bill_ticket", args)))
    assert_one_done_one_refused(results)
    assert_nothing_applied_twice(sb, since)
    assert len(sb.state.children("invoices", "ticket_id", sb.ticket_id(args["number"]))) == 1
