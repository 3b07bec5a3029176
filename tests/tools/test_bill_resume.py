"""A resumed bill never counts its own records as the ticket's "other" time (issue 14).

The bill's invoice POST lands but its answer is lost and the check cannot read Syncro, so the
entry stays "outcome unknown"; then ``resume_write`` (on a fresh server: a restart, nothing cached)
finds the invoice, and its preview, its answer's lines and total, and the differences it reports
must be the bill's, not the bill's own timer or lines a second time as "other uncharged time".
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from mcp import Client
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.testing import in_memory

NUMBER = 32165  # one other uncharged timer: 50 min remote ($103.75)
BILL = {"number": NUMBER, "minutes": 30, "labor_type": "remote", "notes": "Fixed sync."}
OTHER, OURS = "remote labor (50m)", "remote labor (30m), this bill"


def server(tmp_path, sb: Sandbox, mode: str):
    return in_memory(tmp_path, sandbox=sb, billing_mode=mode, settle_window_s=0)


@pytest.mark.parametrize("mode", ["make_invoice", "charge_timer", "line_item"])
@pytest.mark.parametrize("lost", ["invoice", "own record"])
async def test_resumed_bill_shows_no_phantom_other_time(tmp_path, mode, lost):
    sb = Sandbox(rate_limit_per_min=None, charge_uses_default_product=True)
    own_post = {"make_invoice": "/tickets/*/timer_entry", "charge_timer": "/tickets/*/charge_timer_entry",
                "line_item": "/tickets/*/add_line_item"}[mode]
    # the check's read: the invoice list, or the ticket (its first read is the witness, before any write)
    post, check, nth = ("/invoices", "/invoices", 1) if lost == "invoice" else (own_post, "/tickets/*", 2)
    async with server(tmp_path, sb, mode) as env, Client(env.server, mode="legacy") as c:
        first = await c.call_tool("bill_ticket", BILL)
        assert first.structured_content["total"] == "166.25"
        sb.faults.add(method="POST", path=post, kind="apply_then_timeout")  # it lands; the answer is lost
        sb.faults.add(method="GET", path=check, kind="500", call=nth, times=None)  # and the check cannot read it
        failed = await c.call_tool("bill_ticket", {**BILL, "confirm_token": first.structured_content["confirm_token"]})
        assert failed.is_error
    sb.faults.clear()
    async with server(tmp_path, sb, mode) as env, Client(env.server, mode="legacy") as c:  # restarted
        [entry] = (await c.call_tool("pending_writes", {})).structured_content["entries"]
        preview = await c.call_tool("resume_write", {"entry_id": entry["entry_id"]})
        text = preview.content[0].text
        assert text.count(OTHER) == 1 and text.count("remote labor (30m)") == 1 and "Total $166.25" in text, text
        done = await c.call_tool("resume_write", {"entry_id": entry["entry_id"],
                                                  "confirm_token": preview.structured_content["confirm_token"]})
    sc = done.structured_content
    assert sc["status"] == "done", done.content[0].text
    assert "differences" not in sc and "Differs" not in sc["message"], sc["message"]
    assert Decimal(sc["total"]) == Decimal("166.25") and Decimal(sc["invoice"]["total"]) == Decimal("166.25")
    assert sorted(Decimal(li["amount"]) for li in sc["lines"]) == [Decimal("62.50"), Decimal("103.75")]
    assert len(sb.requests.matching("POST", "/invoices")) == 1
