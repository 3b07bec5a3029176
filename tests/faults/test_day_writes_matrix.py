"""The technician's-day writes (and issue 14's add_ticket_part) under every fault: each write request ×
every fault kind, once and for 3 calls. As in test_fault_matrix: while the call ends in an error,
the unfinished entry is continued with ``resume_write`` (a late write lands 8 s late on the sandbox
clock, inside the settle window, and is adopted); afterwards Syncro holds exactly one copy of the
write, every re-send was preceded by a read looking for the first one, the journal is clean and the
audit has every write once.

email_invoice has rows of its own: Syncro keeps no readable record of an invoice email, so a lost
answer stops the write for a human to check instead of converging (never re-sent, by the call or
by resume_write); the human's check is played from the sandbox's record, and either way Syncro
ends with exactly one email.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from support.harness import FIXED_NOW, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.faults import KINDS

from faults.rig import Rig, applied, assert_audit_matches, assert_every_resend_was_checked_first, rig
from faults.test_fault_matrix import LATE_S, MAX_CALLS, add_fault, assert_late_write_adopted, run_until_done

NUMBER = 32164
EVERY = ["tickets", "time", "billing", "customers", "invoices", "schedule", "assets"]
START = FIXED_NOW - timedelta(hours=3)


async def timer(rg: Rig) -> int:
    ticket_id = await rg.client.find_ticket_id(NUMBER)
    t = await rg.client.add_timer_entry(
        ticket_id, start_at=START, end_at=START + timedelta(minutes=30), notes="Fixed sync.", product_id=1190473
    )
    return t.id


def one_timer_of(minutes: int) -> Callable[[Sandbox, dict[str, Any]], None]:
    def check(sb: Sandbox, ctx: dict[str, Any]) -> None:
        assert sb.state.timers[ctx["entry"]]["active_duration"] == minutes * 60

    return check


def entry_gone(sb: Sandbox, ctx: dict[str, Any]) -> None:
    assert ctx["entry"] not in sb.state.timers


def one_past_timer(sb: Sandbox, ctx: dict[str, Any]) -> None:
    [t] = [t for t in sb.state.timers.values() if t.get("notes") == "Backfill."]
    assert t["user_id"] == 1480212 and t["active_duration"] == 45 * 60


def one_appointment(sb: Sandbox, ctx: dict[str, Any]) -> None:
    mine = [a for a in sb.state.appointments.values() if a["start_at"].startswith("2026-11-27T09:30")]
    assert len(mine) == 1, mine


def moved_two_hours(sb: Sandbox, ctx: dict[str, Any]) -> None:
    a = sb.state.appointments[5560200291]
    assert a["start_at"].startswith("2026-11-30T08:00") and a["end_at"].startswith("2026-11-30T10:00")


def one_part_line(sb: Sandbox, ctx: dict[str, Any]) -> None:
    lines = sb.state.children("ticket_line_items", "ticket_id", sb.ticket_id(NUMBER))
    [line] = [li for li in lines if li["product_id"] == 31000417]
    assert float(line["quantity"]) == 2 and line["name"] and line["description"], line


def one_alert_ticket(sb: Sandbox, ctx: dict[str, Any]) -> None:
    made = [t for t in sb.state.tickets.values() if t["subject"] == "RMM alert: Low hard drive space"]
    assert len(made) == 1 and made[0]["asset_ids"] == [8831026], made


async def no_setup(rg: Rig) -> dict[str, Any]:
    return {}


async def with_timer(rg: Rig) -> dict[str, Any]:
    return {"entry": await timer(rg)}


@dataclass(frozen=True)
class Case:
    tool: str
    method: str
    path: str
    read: tuple[str, str]
    args: Callable[[dict[str, Any]], dict[str, Any]]
    check: Callable[[Sandbox, dict[str, Any]], None]
    setup: Callable[[Rig], Awaitable[dict[str, Any]]] = no_setup

    def __str__(self) -> str:
        return self.tool


CASES = [
    Case("update_time_entry", "PUT", "/tickets/*/update_timer_entry", ("GET", "/tickets/*"),
         lambda c: {"number": NUMBER, "entry_id": c["entry"], "minutes": 45}, one_timer_of(45), with_timer),
    Case("delete_time_entry", "POST", "/tickets/*/delete_timer_entry", ("GET", "/tickets/*"),
         lambda c: {"number": NUMBER, "entry_id": c["entry"]}, entry_gone, with_timer),
    Case("log_time", "POST", "/tickets/*/timer_entry", ("GET", "/tickets/*"),
         lambda c: {"number": NUMBER, "minutes": 45, "labor_type": "remote", "notes": "Backfill.",
                    "started_at": "2026-11-24T09:00:00-07:00", "tech": "Jordan"}, one_past_timer),
    Case("schedule_appointment", "POST", "/appointments", ("GET", "/appointments"),
         lambda c: {"number": NUMBER, "start": "2026-11-27T09:30:00-07:00", "minutes": 90}, one_appointment),
    Case("move_appointment", "PUT", "/appointments/*", ("GET", "/appointments/*"),
         lambda c: {"appointment_id": 5560200291, "start": "2026-11-30T08:00:00-07:00"}, moved_two_hours),
    Case("ticket_from_alert", "POST", "/tickets", ("GET", "/tickets"),
         lambda c: {"alert_id": 61450145}, one_alert_ticket),
    Case("add_ticket_part", "POST", "/tickets/*/add_line_item", ("GET", "/tickets/*"),
         lambda c: {"number": NUMBER, "product": "GS308", "quantity": 2}, one_part_line),
]


@pytest.mark.parametrize("times", [1, 3], ids=["once", "3calls"])
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("case", CASES, ids=str)
async def test_day_write_survives(tmp_path, case: Case, kind: str, times: int):
    sb = Sandbox(rate_limit_per_min=None)
    # The matrix confirms by token; delete_time_entry is destructive, which needs this setting for that path.
    async with rig(tmp_path, sandbox=sb, toolsets=EVERY, destructive_by_token=True) as rg, rg.session() as s:
        sb.clock = rg.clock  # late writes land on the engine's fake clock
        ctx = await case.setup(rg)
        args = case.args(ctx)
        add_fault(sb, case.method, case.path, kind, times)
        results = await run_until_done(s, case.tool, args)
        r = results[-1]
        assert not r.is_error and r.structured_content["status"] == "done", text(r)
        assert_late_write_adopted(kind, case.method, results)
        assert sb.faults.rules[0].fired >= 1, "the fault never fired: the case's path is wrong"
        case.check(sb, ctx)
        assert len(applied(sb, case.method, case.path)) == 1
        assert_every_resend_was_checked_first(sb, (case.method, case.path), case.read)
        pending = await s.call("pending_writes", {})
        assert pending.structured_content["entries"] == [], text(pending)
        if case.tool != "delete_time_entry":  # Syncro's delete answer carries no id for the audit's check
            assert_audit_matches(rg)



EMAIL = ("POST", "/invoices/*/email")


@pytest.mark.parametrize("times", [1, 3], ids=["once", "3calls"])
@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_email_invoice_survives(tmp_path, kind: str, times: int):
    """A lost answer stops the email: "NOT sent again", and resume_write does not send it either. The
    human then checks Syncro (here: the sandbox's record, once a late write has had its 8 s): it went
    out → abandon_write; it did not → abandon_write and email again. One email in the end, never two."""
    sb = Sandbox(rate_limit_per_min=None)
    async with rig(tmp_path, sandbox=sb, toolsets=EVERY) as rg, rg.session() as s:
        sb.clock = rg.clock
        add_fault(sb, *EMAIL, kind, times)
        for _ in range(MAX_CALLS):
            r = await s.confirmed("email_invoice", {"invoice": "1044"})
            if not r.is_error:
                assert r.structured_content["status"] == "done", text(r)
                break
            assert "NOT sent again" in text(r), text(r)
            sent = len(sb.requests.matching(*EMAIL))
            (entry,) = (await s.call("pending_writes", {})).structured_content["entries"]
            resumed = await s.confirmed("resume_write", {"entry_id": entry["entry_id"]})
            assert resumed.is_error and "NOT sent again" in text(resumed), text(resumed)
            assert len(sb.requests.matching(*EMAIL)) == sent, "resume_write re-sent the email"
            rg.clock.now += LATE_S + 1  # the human looks a little later
            await sb.land_late_writes()
            gone = await s.confirmed("abandon_write", {"entry_id": entry["entry_id"]})
            assert gone.structured_content["status"] == "done", text(gone)
            if sb.state.invoice_emails:
                break  # it went out: not sent again
        else:
            raise AssertionError(f"email_invoice still failing after {MAX_CALLS} calls")
        assert sb.faults.rules[0].fired >= 1, "the fault never fired"
        assert len(sb.state.invoice_emails) == 1, sb.state.invoice_emails
        assert len(applied(sb, *EMAIL)) == 1
        pending = await s.call("pending_writes", {})
        assert pending.structured_content["entries"] == [], text(pending)
        # (no audit check: Syncro's answer to an email carries no id for it, as with delete_time_entry)
