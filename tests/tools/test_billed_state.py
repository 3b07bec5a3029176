"""Billed state read from Syncro, not from a journal (issue 14): time billed by another server (its own
state dir), or by Syncro itself ("Make Invoice" in the web UI), reads as billed on invoice #N
everywhere, and fixing or deleting it is refused, naming the invoice."""

from __future__ import annotations

import pytest
from support.harness import call, call_confirmed, harness, text
from syncro_mcp.sandbox import Sandbox

NUMBER = 32164  # no time, no parts in the seed
OTHERS = 32160  # 45 + 30 min of uncharged remote time in the seed


def bill(minutes: int = 45, number: int = NUMBER) -> dict:
    return {"number": number, "minutes": minutes, "labor_type": "remote", "notes": "Fixed the mail sync."}


async def assert_reads_billed(server, sb: Sandbox, entry_id: int, invoice: str, number: int = NUMBER) -> None:
    """Every view says the ticket's time is billed on invoice #invoice; the edits are refused, nothing sent."""
    detail = await call(server, "get_ticket", {"number": number})
    entries = detail.structured_content["time_entries"]
    assert entry_id in [e["id"] for e in entries]
    assert all(e["charged"] is True and e["invoice"] == invoice for e in entries), entries
    assert detail.structured_content["billing"]["uncharged_minutes"] == 0
    assert f"billed on invoice #{invoice}" in text(detail) and " 0m uncharged" in text(detail)
    listed = await call(server, "list_time_entries", {"number": number})
    assert listed.structured_content["uncharged_minutes"] == 0 and f"billed on invoice #{invoice}" in text(listed)
    mine = await call(server, "my_time", {"period": "today"})
    (row,) = [r for r in mine.structured_content["entries"] if r["number"] == number]
    assert row["billed"] is True and mine.structured_content["unbilled_minutes"] == 0
    sb.requests.clear()
    for tool, extra in (("update_time_entry", {"minutes": 30}), ("delete_time_entry", {})):
        r = await call(server, tool, {"number": number, "entry_id": entry_id, **extra})
        assert r.is_error and f"already on invoice #{invoice}" in text(r), text(r)
    assert [q for q in sb.requests if q.method != "GET"] == []


@pytest.mark.parametrize("number", [NUMBER, OTHERS], ids=["alone", "with_other_timers"])
@pytest.mark.parametrize("copies", [True, False], ids=["copies_timers", "no_copy"])
@pytest.mark.parametrize("mode", ["make_invoice", "charge_timer"])
async def test_time_billed_by_one_server_reads_billed_on_another(tmp_path, mode: str, copies: bool, number: int):
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=copies, charge_uses_default_product=True,
                 timer_entry_ignores_billable=True, labor_rounding=True)
    async with harness(tmp_path / "one", sandbox=sb, billing_mode=mode) as one:
        done = (await call_confirmed(one.app.server, "bill_ticket", bill(number=number))).structured_content
        assert done["status"] == "done", done
    # a second server with its own state dir: its journal knows nothing of the bill
    async with harness(tmp_path / "two", sandbox=sb, billing_mode=mode, destructive_by_token=True) as two:
        await assert_reads_billed(two.app.server, sb, done["timer_id"], done["invoice"]["number"], number)


async def test_time_billed_in_syncros_web_ui_reads_billed(tmp_path):
    async with harness(tmp_path, destructive_by_token=True) as h:
        logged = await call_confirmed(h.app.server, "log_time", {**bill(30), "labor_type": "onsite"})
        timer_id = logged.structured_content["timer_id"]
        ticket = await h.client.get_ticket(h.sandbox.ticket_id(NUMBER))
        inv = await h.client.create_invoice(customer_id=ticket.customer_id, ticket_id=ticket.id)  # not our tool
        await assert_reads_billed(h.app.server, h.sandbox, timer_id, inv.number)


async def test_uncharged_time_an_invoice_carries_is_not_unbilled_work(tmp_path):
    # An account whose Make Invoice does not copy timers: the bill added the line, Syncro's timer stays
    # uncharged. Closed afterwards, the ticket is read again by unbilled_work: the time is billed.
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=False)
    async with harness(tmp_path, sandbox=sb) as h:
        r = await call(h.app.server, "unbilled_work", {"customer": "Jerry Burger"})
        before = r.structured_content["minutes"]
        await call_confirmed(h.app.server, "bill_ticket", bill(45))
        (timer,) = [t for t in sb.state.timers.values() if t["notes"] == "Fixed the mail sync."]
        assert timer["recorded"] is False
        sb.ticket(NUMBER)["status"] = "Closed"
        r = await call(h.app.server, "unbilled_work", {"customer": "Jerry Burger"})
        assert r.structured_content["minutes"] == before, text(r)


@pytest.mark.parametrize("copies", [True, False], ids=["copies_timers", "no_copy"])
async def test_each_entry_names_the_invoice_that_carries_it(tmp_path, copies: bool):
    # Two bills on one ticket, then 20 min more logged: a second server names each entry's own invoice
    # (matched by product and hours, oldest invoice first) and leaves the new time uncharged.
    sb = Sandbox(rate_limit_per_min=None, invoice_copies_timers=copies)
    async with harness(tmp_path / "one", sandbox=sb) as one:
        first = (await call_confirmed(one.app.server, "bill_ticket", bill(45))).structured_content
        second = (await call_confirmed(one.app.server, "bill_ticket", bill(30))).structured_content
        later = await call_confirmed(one.app.server, "log_time", bill(20))
    async with harness(tmp_path / "two", sandbox=sb) as two:
        detail = (await call(two.app.server, "get_ticket", {"number": NUMBER})).structured_content
        by_id = {e["id"]: (e["charged"], e.get("invoice")) for e in detail["time_entries"]}
        assert by_id == {
            first["timer_id"]: (True, first["invoice"]["number"]),
            second["timer_id"]: (True, second["invoice"]["number"]),
            later.structured_content["timer_id"]: (False, None),
        }
        assert detail["billing"]["uncharged_minutes"] == 20
        preview = (await call(two.app.server, "bill_ticket", bill(10))).structured_content
        assert [(li["kind"], li["quantity"]) for li in preview["lines"]] == [("timer", "0.33"), ("labor", "0.17")]
