"""Issue 13, "two processes on one state dir": the same approved write sent to two live OS processes.

``test_once`` runs two server instances inside one process; here each instance is its own
``syncro-mcp serve`` process (HTTP, and one trial over stdio), the two of a pair sharing one state
dir (journal, its lock table, the confirmation key), all against one sandbox. For every journaled
write tool, both get the identical call at the same moment and the technician approves both
dialogs. Syncro must hold exactly one write: one call is done, the other is refused ("in
progress" while the first runs, or the repeat refusal once it is done), and no write request was
applied twice (read from the sandbox's request log and state, not from the servers' answers).

``bill_ticket`` runs in each billing mode, a pair of processes per mode (``billing_mode`` is a
setting). The processes live for the module; each trial writes its own ticket.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
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
    with BackgroundServer(sb) as syncro:
        envs = {
            f"{mode}/{side}": server_env(syncro.base_url, sb.api_key, root / mode, billing_mode=mode)
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
    assert loser.is_error and any(s in said for s in (*REFUSALS, *also)), said


async def at_once(a: Instance, b: Instance, tool: str, args: dict[str, Any]) -> list[Any]:
    """Both sessions open first, then the identical call on both in the same instant."""
    async with a.session(elicitation_callback=accept) as ca, b.session(elicitation_callback=accept) as cb:
        return list(await asyncio.gather(ca.call_tool(tool, args), cb.call_tool(tool, args)))


LOG = {"minutes": 30, "labor_type": "remote", "notes": "Two processes, one timer."}
#: trial id → (billing mode pair, tool, arguments, the write route that must have been applied once)
TRIALS: dict[str, tuple[str, str, dict[str, Any], tuple[str, str]]] = {
    "add_comment": ("make_invoice", "add_comment", {"number": 32150, "body": "Rebooted the NAS."},
                    ("POST", "/tickets/*/comment")),
    "add_comment_with_time": ("make_invoice", "add_comment", {
        "number": 32151, "body": "Cleared the print queue.", "minutes": 15, "labor_type": "remote"},
        ("POST", "/tickets/*/timer_entry")),
    "log_time": ("make_invoice", "log_time", {"number": 32152, **LOG}, ("POST", "/tickets/*/timer_entry")),
    "close_ticket": ("make_invoice", "close_ticket", {"number": 32153, "resolution": "All good."},
                     ("PUT", "/tickets/*")),
    **{
        f"bill_ticket[{mode}]": (mode, "bill_ticket", {
            "number": number, "minutes": 45, "labor_type": "remote", "notes": f"Replaced the switch ({mode})."},
            ("POST", "/invoices"))
        for mode, number in zip(MODES, (32156, 32157, 32159), strict=True)  # no earlier time or invoice
    },
}


@pytest.mark.parametrize("trial", list(TRIALS))
async def test_two_processes_on_one_state_dir_write_once(world: World, trial: str) -> None:
    mode, tool, args, route = TRIALS[trial]
    sb, since = world.sandbox, last_seq(world.sandbox)
    results = await at_once(*world.pairs[mode], tool, args)
    assert_one_done_one_refused(results)
    assert_nothing_applied_twice(sb, since)
    assert_applied_once(sb, since, route)
    if tool == "bill_ticket":
        assert len(sb.state.children("invoices", "ticket_id", sb.ticket_id(args["number"]))) == 1


async def _logged_entry(inst: Instance, number: int) -> int:
    """A time entry to edit, logged first through one instance (serially); its Syncro id."""
    async with inst.session(elicitation_callback=accept) as c:
        r = await c.call_tool("log_time", {"number": number, **LOG})
        assert r.structured_content["status"] == "done", text(r)
        entries = (await c.call_tool("list_time_entries", {"number": number})).structured_content["entries"]
    (entry,) = [e for e in entries if e["notes"] == LOG["notes"]]
    return int(entry["id"])


@pytest.mark.parametrize(
    "tool, extra, route",
    [
        ("update_time_entry", {"minutes": 50}, ("PUT", "/tickets/*/update_timer_entry")),
        ("delete_time_entry", {}, ("POST", "/tickets/*/delete_timer_entry")),
    ],
)
async def test_two_processes_edit_a_time_entry_once(world: World, tool: str, extra: dict[str, Any], route) -> None:
    a, b = world.pairs["make_invoice"]
    number = 32163 if tool == "update_time_entry" else 32166
    entry_id = await _logged_entry(a, number)
    sb, since = world.sandbox, last_seq(world.sandbox)
    results = await at_once(a, b, tool, {"number": number, "entry_id": entry_id, **extra})
    # A delete planned after the winner's delete landed (but before its journal entry was claimed)
    # finds no such entry in Syncro: refused as bad input, nothing sent.
    assert_one_done_one_refused(results, *(["has no time entry"] if tool == "delete_time_entry" else []))
    assert_nothing_applied_twice(sb, since)
    assert_applied_once(sb, since, route)


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
