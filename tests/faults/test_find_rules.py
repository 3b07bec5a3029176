"""Verify-by-read must find *this* write, not an older look-alike, and must not miss it.

The fault matrix bills a fresh ticket once. These cases are the ones it cannot reach: a second
identical bill (``bill_again``) or comment whose answer is lost, Syncro's clock running behind
ours, a re-send after a lost answer whose answer is lost again, and a refused second writer.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest
from support.harness import call, elicitation, harness, text
from syncro_mcp.sandbox import Sandbox

from faults.rig import (
    LABOR,
    NUMBER,
    PRODUCT_ID,
    SharedApp,
    applied,
    assert_audit_matches,
    comments_with,
    invoices_for,
    labor_lines,
    rig,
    timers_with,
)
from faults.test_fault_matrix import BILL, BILL_ROWS, COMMENT, HOURS, NOTES, Row, run_until_done

WRITE_ROWS = [r for r in BILL_ROWS if r.method != "GET"]


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> SharedApp:
    return SharedApp(tmp_path_factory.mktemp("shared"))


@pytest.mark.parametrize("row", WRITE_ROWS, ids=str)
async def test_second_identical_bill_with_a_lost_answer_is_billed_in_full(shared, tmp_path, row: Row):
    """bill_again: the first bill's comment/timer/invoice look exactly like the second's."""
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=row.copies_timers)
    rg = shared.fresh(tmp_path, sb)
    async with rg.session() as s:
        await run_until_done(s, "bill_ticket", BILL)
        sb.faults.add(row.method, row.path, "timeout")  # the second bill's request never arrives
        second = await run_until_done(s, "bill_ticket", {**BILL, "bill_again": True})
        assert sb.faults.rules[0].fired == 1

    assert len(comments_with(sb, NUMBER, NOTES)) == 2
    assert len(timers_with(sb, NUMBER, NOTES)) == 2
    invoices = invoices_for(sb, NUMBER)
    assert len(invoices) == 2
    for inv in invoices:
        assert len(labor_lines(sb, inv["id"], PRODUCT_ID, HOURS)) == 1, inv
    done = second[-1].structured_content
    assert done["invoice"]["id"] == max(i["id"] for i in invoices), "the second bill reported the first invoice"
    assert done["comment_id"] == max(c["id"] for c in comments_with(sb, NUMBER, NOTES))
    assert_audit_matches(rg)


async def test_the_same_comment_twice_with_a_lost_answer_posts_twice(shared, tmp_path):
    sb = Sandbox(rate_limit_per_min=None)
    rg = shared.fresh(tmp_path, sb)
    note = {"number": NUMBER, "body": "Called the customer, no answer."}
    async with rg.session() as s:
        await run_until_done(s, "add_comment", note)
        sb.faults.add("POST", "/tickets/*/comment", "reset")
        await run_until_done(s, "add_comment", {**note, "again": True})  # a second one, asked for
    assert len(comments_with(sb, NUMBER, note["body"])) == 2
    assert len(applied(sb, "POST", "/tickets/*/comment")) == 2


@pytest.mark.parametrize("row", WRITE_ROWS, ids=str)
@pytest.mark.parametrize("skew_min", [-7, 7], ids=["syncro_behind", "syncro_ahead"])
async def test_verify_by_read_tolerates_clock_skew(shared, tmp_path, row: Row, skew_min: int):
    """Syncro's clock is minutes off ours: a write that landed is still recognised."""
    sb = Sandbox(
        rate_limit_per_min=None, invoice_copies_timers=row.copies_timers,
        now=lambda: datetime.now(timezone.utc) + timedelta(minutes=skew_min),
    )
    rg = shared.fresh(tmp_path, sb)
    async with rg.session() as s:
        sb.faults.add(row.method, row.path, "apply_then_timeout")
        await run_until_done(s, "bill_ticket", BILL)
    assert len(applied(sb, row.method, row.path)) == 1
    assert len(comments_with(sb, NUMBER, NOTES)) == 1
    assert len(timers_with(sb, NUMBER, NOTES)) == 1
    assert len(invoices_for(sb, NUMBER)) == 1


@pytest.mark.parametrize("row", WRITE_ROWS, ids=str)
@pytest.mark.parametrize(
    "first, second", [("timeout", "apply_then_timeout"), ("html", "malformed"), ("502", "apply_then_reset")]
)
async def test_resend_whose_answer_is_lost_again_is_found_on_resume(shared, tmp_path, row: Row, first, second):
    """Lost answer, not applied → looked for over the settle window, not there → outcome unknown,
    nothing re-sent (issue 13) → the resume reads, sends once → that answer is lost too, but it was
    applied and is found."""
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=row.copies_timers)
    rg = shared.fresh(tmp_path, sb)
    async with rg.session() as s:
        sb.faults.add(row.method, row.path, first, call=1)
        sb.faults.add(row.method, row.path, second, call=2)
        results = await run_until_done(s, "bill_ticket", BILL)
        assert len(results) == 2 and results[0].is_error, "the first call should have stopped"
        assert "Nothing was re-sent" in text(results[0]), "issue 13: a lost write is never re-sent automatically"
        pending = await s.call("pending_writes", {})
        assert pending.structured_content["entries"] == []
    assert len(applied(sb, row.method, row.path)) == 1
    assert len(sb.requests.matching(row.method, row.path)) == 2, "resume must not send a third time"
    assert len(comments_with(sb, NUMBER, NOTES)) == 1
    assert len(timers_with(sb, NUMBER, NOTES)) == 1
    assert len(invoices_for(sb, NUMBER)) == 1
    assert sb.ticket(NUMBER)["status"] == "Invoiced"
    assert_audit_matches(rg)


async def test_a_refused_second_writer_leaves_no_journal_entry(shared, tmp_path):
    rg = shared.fresh(tmp_path, Sandbox(rate_limit_per_min=None))
    j = rg.journal
    real_owner = j._owner
    j._owner = "otherhost:1"  # a writer on another machine holds the ticket
    j.lock(NUMBER, 999)
    j._owner = real_owner
    async with rg.session() as s:
        r = await s.confirmed("add_comment", COMMENT)
        assert r.is_error and "being written by another call" in text(r)
        pending = await s.call("pending_writes", {})
        assert pending.structured_content["entries"] == [], text(pending)
        other = await s.confirmed("bill_ticket", BILL)
        assert "unfinished write" not in text(other), text(other)
    assert LABOR  # same ticket and labor as the matrix


@pytest.mark.parametrize("kind", ["timeout", "502"])
async def test_settle_window_zero_reads_once_and_never_resends(tmp_path, kind):
    """``settle_window_s: 0`` means no settle re-reads, not an automatic re-send (issue 13): a lost
    comment that is not in Syncro when read right after stays outcome unknown; resume_write sends it."""
    sb = Sandbox(rate_limit_per_min=None)
    async with rig(tmp_path, sandbox=sb, settle_window_s=0) as rg, rg.session() as s:
        sb.faults.add("POST", "/tickets/*/comment", kind, call=1)
        first = await s.confirmed("add_comment", {"number": NUMBER, "body": NOTES})
        assert first.is_error and "Nothing was re-sent" in text(first), text(first)
        assert len(sb.requests.matching("POST", "/tickets/*/comment")) == 1, "re-sent automatically"
        assert comments_with(sb, NUMBER, NOTES) == []
        [entry] = (await s.call("pending_writes", {})).structured_content["entries"]
        resumed = await s.confirmed("resume_write", {"entry_id": entry["entry_id"]})
        assert resumed.structured_content["status"] == "done", text(resumed)
    assert len(comments_with(sb, NUMBER, NOTES)) == 1
    assert len(applied(sb, "POST", "/tickets/*/comment")) == 1


class CapsCommentPages(httpx.AsyncBaseTransport):
    """A Syncro that pages comments 10 at a time whatever ``per_page`` asks (its cap is undocumented),
    where 12 newer comments arrive (another tech, the customer) before the first read of the thread."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.newer_added = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/comments"):
            if not self.newer_added:
                self.newer_added = True
                post = request.url.copy_with(path=request.url.path.removesuffix("s"), query=b"")
                for i in range(12):
                    await self.inner.handle_async_request(httpx.Request(
                        "POST", post, headers=request.headers, json={"subject": "Update", "body": f"newer {i}"}))
            request = httpx.Request(request.method, request.url.copy_set_param("per_page", "10"),
                                    headers=request.headers)
        return await self.inner.handle_async_request(request)


async def test_a_lost_comment_is_found_when_syncro_pages_by_fewer_than_asked(tmp_path):
    """The lost comment sits on page 2 of a Syncro that pages by 10: a walk that took the short first
    page for the last one left it "outcome unknown", and resume_write (reading the same way) posted it
    a second time. Syncro's total_pages ends the walk instead."""
    sb = Sandbox(rate_limit_per_min=None)
    caps = CapsCommentPages(sb.transport())
    async with harness(tmp_path, sandbox=sb, client_kw={"transport": caps}) as h:
        sb.faults.add("POST", "/tickets/*/comment", "apply_then_timeout", call=1)
        body = "Replaced the failing UPS battery."
        r = await call(h.server, "add_comment", {"number": 32164, "body": body},
                       elicitation_callback=elicitation("accept"))
        assert caps.newer_added
        assert not r.is_error and r.structured_content["status"] == "done", text(r)
        assert "confirmed by reading Syncro" in text(r)
        ticket_id = sb.ticket(32164)["id"]
        ours = [c for c in sb.state.children("comments", "ticket_id", ticket_id) if c["body"] == body]
        assert len(ours) == 1
