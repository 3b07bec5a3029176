"""Billing never double-posts and never loses work: every write step × every fault (issue 6).

Each case scripts one fault on one request of ``bill_ticket`` (or ``add_comment`` with time),
runs the call (token-confirmed), and while it ends in an error continues it the documented way:
``resume_write`` on the entry ``pending_writes`` shows (repeating the call never resumes it,
issue 13), or the same call again when nothing is unfinished (a clean refusal). ``late_write``
is a write that lands ``LATE_S`` seconds after the client gave up, on the sandbox clock (the
engine's fake clock), inside the settle window: it is found and adopted. Then it checks Syncro's
state and request log:

- exactly one comment with the notes, one timer entry, one new invoice for the ticket with
  exactly one labor line of minutes/60 h for the labor product, ticket status Invoiced;
- no write step was sent a second time without first reading Syncro for the first attempt;
- nothing is pending, the journal entry is done;
- the audit log has every write once.

How the audit counts (the rule these tests hold the code to):

- one audit line per write *request the client finished*, in order. A 429 is not applied by
  Syncro and is retried inside the same request, so it never gets its own line (unless the
  retries run out: then the request ends as one failed line, error RateLimitedError);
- ``ok`` is true exactly when Syncro applied the write and the client read its answer;
- a write whose answer was lost or spoilt (timeout, reset, 5xx, HTML or truncated body) is one
  line with ``ok`` false and error OutcomeUnknownError, *whether or not Syncro applied it*: the
  audit records what the client knew when the request ended. If Syncro had applied it, the
  journal confirms it by reading ("confirmed by reading Syncro, not re-sent") and no second
  copy of that write is ever applied; if it had not, the re-send is a new line of its own.

So "every write once" means: per step, exactly one request was applied by Syncro, and every
request the client sent is in the audit exactly once.

Fault timings never sleep: the client paces and backs off on a virtual clock, and the
in-process sandbox signals timeouts and resets instead of hanging.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from support.harness import elicitation, text
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.faults import KINDS

from faults.rig import (
    LABOR,
    NUMBER,
    PRODUCT_ID,
    Rig,
    Session,
    SharedApp,
    applied,
    assert_audit_matches,
    assert_every_resend_was_checked_first,
    comments_with,
    invoices_for,
    labor_lines,
    timers_with,
    writes,
)

MINUTES = 45
HOURS = Decimal("0.75")
NOTES = "Replaced the failing UPS battery; tested failover."
BILL = {"number": NUMBER, "minutes": MINUTES, "labor_type": LABOR, "notes": NOTES}
COMMENT = {"number": NUMBER, "body": NOTES, "minutes": MINUTES, "labor_type": LABOR}
FAULT_KINDS = sorted(KINDS)
MAX_CALLS = 6  # the first call plus resumes; a fault scripted for 3 calls needs at most 4
LATE_S = 8.0  # a late write lands this long after the client's timeout (inside the 30 s settle window)


def assert_late_write_adopted(kind: str, method: str, results: list[Any]) -> None:
    """A write that lands inside the settle window is found by reading, in the first call, never re-sent."""
    if kind == "late_write" and method != "GET":
        assert len(results) == 1 and "confirmed by reading Syncro" in text(results[0]), text(results[-1])


def add_fault(sb: Sandbox, method: str, path: str, kind: str, times: int) -> None:
    """Script ``kind`` on the first ``times`` matching requests (a late write lands ``LATE_S`` s late)."""
    delay = LATE_S if kind == "late_write" else None
    sb.faults.add(method, path, kind, call=1, times=times, delay=delay)


@dataclass(frozen=True)
class Row:
    """One request of the operation that the fault hits, and the read that verifies it."""

    name: str
    method: str
    path: str
    read: tuple[str, str]
    copies_timers: bool = True

    def __str__(self) -> str:
        return self.name


BILL_ROWS = [
    Row("comment", "POST", "/tickets/*/comment", ("GET", "/tickets/*/comments")),
    Row("timer", "POST", "/tickets/*/timer_entry", ("GET", "/tickets/*")),
    Row("invoice", "POST", "/invoices", ("GET", "/invoices")),
    # Syncro did not copy the timer onto the invoice, so the labor line is added by hand.
    Row("invoice_line", "POST", "/invoices/*/line_items", ("GET", "/invoices/*"), copies_timers=False),
    # The line check's read of the invoice (with the line added by hand, so a write follows it).
    Row("invoice_read", "GET", "/invoices/*", ("GET", "/invoices/*"), copies_timers=False),
    Row("status", "PUT", "/tickets/*", ("GET", "/tickets/*")),
]
COMMENT_ROWS = [BILL_ROWS[0], BILL_ROWS[1]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request, tmp_path_factory) -> Iterator[SharedApp]:
    """The whole matrix on each journal backend: the SQLite file, and PostgreSQL (a schema per case)."""
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    app = SharedApp(tmp_path_factory.mktemp("shared"), postgres=postgres)
    yield app
    app.close()


async def run_until_done(s: Session, tool: str, args: dict[str, Any]) -> list[Any]:
    """Call once; while the call ends in an error, resume_write the unfinished entry (or, when nothing
    is unfinished, call again: the write was refused cleanly)."""
    results = [await s.confirmed(tool, args)]
    for _ in range(MAX_CALLS):
        r = results[-1]
        if not r.is_error:
            assert r.structured_content["status"] == "done", text(r)
            return results
        entries = (await s.call("pending_writes", {})).structured_content["entries"]
        if entries:
            (entry,) = entries
            results.append(await s.confirmed("resume_write", {"entry_id": entry["entry_id"]}))
        else:
            results.append(await s.confirmed(tool, args))
    raise AssertionError(f"{tool} still failing after {MAX_CALLS} calls: {text(results[-1])}")


async def assert_journal_clean(rg: Rig, s: Session, op: str) -> None:
    pending = await s.call("pending_writes", {})
    assert pending.structured_content["entries"] == [], text(pending)
    with rg.journal._db() as db:
        states = [row["state"] for row in db.execute("SELECT state FROM entries WHERE op = ?", (op,)).fetchall()]
        unsettled = db.execute("SELECT name FROM steps WHERE state != 'done'").fetchall()
    assert states == ["done"], states
    assert unsettled == []


def assert_no_step_sent_twice_unchecked(sb: Sandbox, rows: list[Row]) -> None:
    for row in rows:
        if row.method != "GET":
            assert_every_resend_was_checked_first(sb, (row.method, row.path), row.read)


@pytest.mark.parametrize("times", [1, 3], ids=["once", "3calls"])
@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("row", BILL_ROWS, ids=str)
async def test_bill_ticket_survives(shared, tmp_path, row: Row, kind: str, times: int):
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=row.copies_timers)
    before = {i["id"] for i in invoices_for(sb, NUMBER)}
    rg = shared.fresh(tmp_path, sb)
    async with rg.session() as s:
        add_fault(sb, row.method, row.path, kind, times)
        results = await run_until_done(s, "bill_ticket", BILL)
        assert sb.faults.rules[0].fired >= 1, "the fault never fired: the row's path is wrong"
        assert_late_write_adopted(kind, row.method, results)

        assert len(comments_with(sb, NUMBER, NOTES)) == 1
        assert len(applied(sb, "POST", "/tickets/*/comment")) == 1
        assert len(timers_with(sb, NUMBER, NOTES)) == 1
        assert len(applied(sb, "POST", "/tickets/*/timer_entry")) == 1
        new = [i for i in invoices_for(sb, NUMBER) if i["id"] not in before]
        assert len(new) == 1, new
        assert len(applied(sb, "POST", "/invoices")) == 1
        assert len(labor_lines(sb, new[0]["id"], PRODUCT_ID, HOURS)) == 1
        assert len(applied(sb, "POST", "/invoices/*/line_items")) == (0 if row.copies_timers else 1)
        assert sb.ticket(NUMBER)["status"] == "Invoiced"
        done = results[-1].structured_content
        assert done["invoice"]["id"] == new[0]["id"]
        assert done["comment_id"] == comments_with(sb, NUMBER, NOTES)[0]["id"]
        assert done["timer_id"] == timers_with(sb, NUMBER, NOTES)[0]["id"]

        assert_no_step_sent_twice_unchecked(sb, BILL_ROWS)
        await assert_journal_clean(rg, s, "bill_ticket")
        assert_audit_matches(rg)
        assert all(w.method in ("POST", "PUT") for w in writes(sb))


@pytest.mark.parametrize("times", [1, 3], ids=["once", "3calls"])
@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("row", COMMENT_ROWS, ids=str)
async def test_add_comment_with_time_survives(shared, tmp_path, row: Row, kind: str, times: int):
    sb = Sandbox(rate_limit_per_min=None)
    rg = shared.fresh(tmp_path, sb)
    async with rg.session() as s:
        add_fault(sb, row.method, row.path, kind, times)
        results = await run_until_done(s, "add_comment", COMMENT)
        assert sb.faults.rules[0].fired >= 1
        assert_late_write_adopted(kind, row.method, results)

        (comment,) = comments_with(sb, NUMBER, NOTES)
        assert len(applied(sb, "POST", "/tickets/*/comment")) == 1
        (timer,) = timers_with(sb, NUMBER, NOTES)
        assert len(applied(sb, "POST", "/tickets/*/timer_entry")) == 1
        assert timer["product_id"] == PRODUCT_ID and timer["billable"] is True
        assert results[-1].structured_content["comment_id"] == comment["id"]
        assert results[-1].structured_content["timer_id"] == timer["id"]

        assert_no_step_sent_twice_unchecked(sb, COMMENT_ROWS)
        await assert_journal_clean(rg, s, "add_comment")
        assert_audit_matches(rg)


@pytest.mark.parametrize(
    "tool, args", [("bill_ticket", BILL), ("add_comment", COMMENT)], ids=["bill_ticket", "add_comment"]
)
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_a_declined_write_posts_nothing(shared, tmp_path, tool, args, action):
    rg = shared.fresh(tmp_path, Sandbox(rate_limit_per_min=None))
    async with rg.session(elicitation_callback=elicitation(action)) as s:
        r = await s.call(tool, args)
    assert not r.is_error and r.structured_content["status"] == "cancelled", text(r)
    assert writes(rg.sandbox) == []
    assert rg.audit() == []
    with rg.journal._db() as db:
        assert db.execute("SELECT COUNT(*) AS n FROM entries").fetchone()["n"] == 0
    # and a later, accepted call writes exactly once
    async with rg.session(elicitation_callback=elicitation("accept")) as s:
        ok = await s.call(tool, args)
    assert ok.structured_content["status"] == "done", text(ok)
    assert len(comments_with(rg.sandbox, NUMBER, NOTES)) == 1
    assert len(rg.audit()) == len(writes(rg.sandbox)) == (4 if tool == "bill_ticket" else 2)
