"""The fault matrix for the other two billing paths (issue 14): charge_timer and line_item.

Same rules as ``test_fault_matrix`` (make_invoice, the default): one fault on one request of
``bill_ticket`` (a ``late_write`` lands 8 s late, inside the settle window), the entry resumed
with ``resume_write`` while the call errs, then 0 doubled and 0 lost: one comment, one
timer (charge_timer) or none (line_item), one charge / one ticket line, one invoice with exactly
one labor line for the bill, status Invoiced, every re-send read first, journal clean, audit
matching. Syncro's real quirks are on: charge_timer_entry makes the line with the account's
default labor product (so the line is patched), billable=false is ignored.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from syncro_mcp.sandbox import Sandbox

from faults.rig import (
    NUMBER,
    SharedApp,
    applied,
    assert_audit_matches,
    comments_with,
    invoices_for,
    labor_lines,
    timers_with,
)
from faults.test_fault_matrix import (
    BILL_ROWS,
    FAULT_KINDS,
    Row,
    add_fault,
    assert_journal_clean,
    assert_late_write_adopted,
    assert_no_step_sent_twice_unchecked,
    run_until_done,
)

ONSITE = 26118  # not the account's default labor product: charge_timer's line must be patched
MINUTES = 45
HOURS = Decimal("0.75")
NOTES = "Swapped the failing switch; re-patched the rack."
BILL = {"number": NUMBER, "minutes": MINUTES, "labor_type": "onsite", "notes": NOTES}

COMMENT, TIMER, INVOICE, STATUS = (BILL_ROWS[i] for i in (0, 1, 2, 5))
ROWS = {
    "charge_timer": [
        COMMENT, TIMER,
        Row("charge", "POST", "/tickets/*/charge_timer_entry", ("GET", "/tickets/*")),
        Row("line_fix", "PUT", "/tickets/*/update_line_item", ("GET", "/tickets/*")),
        INVOICE, STATUS,
    ],
    "line_item": [
        COMMENT,
        Row("line_item", "POST", "/tickets/*/add_line_item", ("GET", "/tickets/*")),
        INVOICE, STATUS,
    ],
}
CASES = [(mode, row) for mode, rows in ROWS.items() for row in rows]


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> dict[str, SharedApp]:
    return {mode: SharedApp(tmp_path_factory.mktemp(mode), billing_mode=mode) for mode in ROWS}


def ticket_lines(sb: Sandbox) -> list[dict]:
    return sb.state.children("ticket_line_items", "ticket_id", sb.ticket_id(NUMBER))


@pytest.mark.parametrize("times", [1, 3], ids=["once", "3calls"])
@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("mode, row", CASES, ids=[f"{m}-{r}" for m, r in CASES])
async def test_every_billing_path_survives(apps, tmp_path, mode: str, row: Row, kind: str, times: int):
    sb = Sandbox(rate_limit_per_min=None, charge_uses_default_product=True, timer_entry_ignores_billable=True)
    before = {i["id"] for i in invoices_for(sb, NUMBER)}
    rg = apps[mode].fresh(tmp_path, sb)
    async with rg.session() as s:
        add_fault(sb, row.method, row.path, kind, times)
        results = await run_until_done(s, "bill_ticket", BILL)
        assert sb.faults.rules[0].fired >= 1, "the fault never fired: the row's path is wrong"
        assert_late_write_adopted(kind, row.method, results)

        assert len(comments_with(sb, NUMBER, NOTES)) == len(applied(sb, "POST", "/tickets/*/comment")) == 1
        timers = timers_with(sb, NUMBER, NOTES)
        assert len(timers) == len(applied(sb, "POST", "/tickets/*/timer_entry")) == (mode == "charge_timer")
        assert len(applied(sb, "POST", "/tickets/*/charge_timer_entry")) == (mode == "charge_timer")
        assert len(applied(sb, "POST", "/tickets/*/add_line_item")) == (mode == "line_item")
        (line,) = ticket_lines(sb)  # one ticket line for the bill, with the bill's product and price
        assert line["product_id"] == ONSITE and line["retail_cents"] == 15000
        new = [i for i in invoices_for(sb, NUMBER) if i["id"] not in before]
        assert len(new) == 1 == len(applied(sb, "POST", "/invoices")), new
        assert len(labor_lines(sb, new[0]["id"], ONSITE, HOURS)) == 1
        assert applied(sb, "POST", "/invoices/*/line_items") == []
        assert Decimal(new[0]["total"]) == Decimal("112.50")
        assert sb.ticket(NUMBER)["status"] == "Invoiced"
        done = results[-1].structured_content
        assert done["invoice"]["id"] == new[0]["id"] and Decimal(done["invoice"]["total"]) == Decimal("112.50")

        assert_no_step_sent_twice_unchecked(sb, ROWS[mode])
        await assert_journal_clean(rg, s, "bill_ticket")
        assert_audit_matches(rg)


FREE = {**BILL, "no_charge": True}
FREE_ROWS = [Row("free_line", "PUT", "/invoices/*/line_items/*", ("GET", "/invoices/*")), STATUS]


@pytest.fixture(scope="module")
def free_app(tmp_path_factory) -> SharedApp:
    return SharedApp(tmp_path_factory.mktemp("free"))


@pytest.mark.parametrize("times", [1, 3], ids=["once", "3calls"])
@pytest.mark.parametrize("kind", FAULT_KINDS)
@pytest.mark.parametrize("row", FREE_ROWS, ids=str)
async def test_no_charge_time_ends_at_zero_once_whatever_fails(free_app, tmp_path, row: Row, kind: str, times: int):
    """make_invoice copies the timer at the catalogue price; the $0 fix is one PUT, checked by reading."""
    sb = Sandbox(rate_limit_per_min=None)
    rg = free_app.fresh(tmp_path, sb)
    async with rg.session() as s:
        add_fault(sb, row.method, row.path, kind, times)
        results = await run_until_done(s, "bill_ticket", FREE)
        assert sb.faults.rules[0].fired >= 1, "the fault never fired: the row's path is wrong"
        assert_late_write_adopted(kind, row.method, results)
        (inv,) = invoices_for(sb, NUMBER)
        (line,) = labor_lines(sb, inv["id"], ONSITE, HOURS)
        assert Decimal(line["price"]) == 0 and Decimal(inv["total"]) == 0
        assert len(applied(sb, "PUT", "/invoices/*/line_items/*")) == 1
        assert len(timers_with(sb, NUMBER, NOTES)) == 1 == len(applied(sb, "POST", "/invoices"))
        assert Decimal(results[-1].structured_content["invoice"]["total"]) == 0
        assert_no_step_sent_twice_unchecked(sb, FREE_ROWS)
        await assert_journal_clean(rg, s, "bill_ticket")
        assert_audit_matches(rg)
