"""Issue 15: every record in text and structured results carries its Syncro web link, built from
the settings with internal ids; and the links keep issue 12's structured-vs-text budgets."""

from __future__ import annotations

import json
import re

from support.harness import call, call_confirmed, harness, text
from syncro_mcp.sandbox import Sandbox

WEB = "https://acme.syncromsp.com"


def _bytes(data: object) -> int:
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def _no_number_links(out: str) -> None:
    """Links hold internal ids (large), never ticket numbers (321xx)."""
    assert not re.search(r"/tickets/321\d\d\b", out), out


async def test_ticket_rows_in_lists_and_search_link_by_internal_id(tmp_path):
    async with harness(tmp_path, subdomain="acme") as h:
        for tool, args in (("list_tickets", {"limit": 25}), ("search", {"query": "Burger"})):
            r = await call(h.server, tool, args)
            rows = r.structured_content["tickets"]
            assert rows
            for row in rows:
                url = f"{WEB}/tickets/{h.sandbox.ticket_id(row['number'])}"
                assert row["url"] == url and url in text(r)
            _no_number_links(text(r))
        [cust] = r.structured_content["customers"]
        assert cust["url"] == f"{WEB}/customers/{cust['id']}" and cust["url"] in text(r)


async def test_customers_invoices_and_time_carry_links(tmp_path):
    async with harness(tmp_path, subdomain="acme") as h:
        r = await call(h.server, "list_customers", {})
        assert all(c["url"] == f"{WEB}/customers/{c['id']}" and c["url"] in text(r)
                   for c in r.structured_content["customers"])
        r = await call(h.server, "get_customer", {"customer": "Jerry Burger"})
        sc = r.structured_content
        assert sc["url"] == f"{WEB}/customers/{sc['id']}" and f"Link: {sc['url']}" in text(r)
        assert all(t["url"].startswith(f"{WEB}/tickets/") for t in sc["open_tickets"])

        r = await call(h.server, "list_invoices", {})
        invoices = r.structured_content["invoices"]
        assert invoices and all(i["url"] == f"{WEB}/invoices/{i['id']}" and i["url"] in text(r) for i in invoices)
        r = await call(h.server, "get_invoice", {"id_or_number": invoices[0]["number"]})
        assert f"Link: {WEB}/invoices/{invoices[0]['id']}" in text(r)

        r = await call(h.server, "list_time_entries", {"number": 32160})
        assert r.structured_content["url"] == f"{WEB}/tickets/{h.sandbox.ticket_id(32160)}"
        assert r.structured_content["url"] in text(r)


async def test_timesheet_and_unbilled_rows_link_their_tickets(tmp_path):
    sb = Sandbox(seed_history=True, rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, timezone="America/Phoenix", subdomain="acme") as h:
        r = await call(h.server, "my_time", {"from": "2026-10-26", "to": "2026-11-25"})
        entries = r.structured_content["entries"]
        assert entries
        for e in entries:
            assert e["url"] == f"{WEB}/tickets/{sb.ticket_id(e['number'])}" and e["url"] in text(r)
        r = await call(h.server, "unbilled_work", {"since": "2026-09-01"})
        rows = [t for g in r.structured_content["customers"] for t in g["tickets"]]
        assert rows and all(t["url"] == f"{WEB}/tickets/{sb.ticket_id(t['number'])}" and t["url"] in text(r)
                            for t in rows)
        r = await call(h.server, "customer_history", {"customer": "Saguaro Family Pharmacy"})
        sc = r.structured_content
        assert all(t["url"] in text(r) for t in sc["open_tickets"] + sc["recent_closed"])
        _no_number_links(text(r))


async def test_write_results_link_the_record_written(tmp_path):
    toolsets = ["tickets", "customers", "invoices", "schedule", "assets"]
    async with harness(tmp_path, subdomain="acme", toolsets=toolsets) as h:
        ticket = f"{WEB}/tickets/{h.sandbox.ticket_id(32164)}"
        r = await call_confirmed(h.server, "add_comment", {"number": 32164, "body": "Rebooted the NAS."})
        assert r.structured_content["url"] == ticket and f"Link: {ticket}" in text(r)

        r = await call(h.server, "update_ticket", {"number": 32164, "priority": "1 High"})
        assert r.structured_content["url"] == r.structured_content["ticket"]["url"] == ticket

        r = await call(h.server, "create_customer", {"business_name": "Link Test LLC"})
        cid = r.structured_content["customer"]["id"]
        assert r.structured_content["url"] == f"{WEB}/customers/{cid}" and cid in h.sandbox.state.customers

        r = await call_confirmed(h.server, "schedule_appointment",
                                 {"number": 32164, "start": "2026-11-27T09:30:00-07:00", "minutes": 30})
        [made] = [a for a in h.sandbox.state.appointments.values() if a["start_at"].startswith("2026-11-27T09:30")]
        assert r.structured_content["url"] == f"{WEB}/appointments/{made['id']}"

        r = await call_confirmed(h.server, "ticket_from_alert", {"alert_id": 61450145})
        made_id = h.sandbox.ticket_id(r.structured_content["number"])
        assert r.structured_content["url"] == f"{WEB}/tickets/{made_id}"

        r = await call_confirmed(h.server, "email_invoice", {"invoice": "1044"})
        [inv] = [i for i in h.sandbox.state.invoices.values() if str(i["number"]) == "1044"]
        assert r.structured_content["url"] == f"{WEB}/invoices/{inv['id']}", text(r)

        h.sandbox.requests.clear()
        r = await call(h.server, "delete_ticket", {"number": 32170}, elicitation_callback=_accept)
        assert r.structured_content["status"] == "done", text(r)
        assert "url" not in r.structured_content and "Link:" not in text(r)  # a deleted record has no link


async def _accept(ctx, params):
    from mcp_types import ElicitResult

    return ElicitResult(action="accept", content={"confirm": True})


async def test_links_keep_the_structured_to_text_budgets(tmp_path):
    """Issue 12's budgets with every row's link in both: 25-ticket list ≤ 1.3×, detail ≤ 1.5×."""
    async with harness(tmp_path, subdomain="acme") as h:
        customers = (await h.client.list_customers()).items
        for i in range(6):  # the seed has 19 open tickets: 6 more make 25
            await h.client.create_ticket({"customer_id": customers[i].id, "subject": f"Ticket {i + 1}"})
        r = await call(h.server, "list_tickets", {"limit": 25})
        assert len(r.structured_content["tickets"]) == 25
        assert all(t["url"] in text(r) for t in r.structured_content["tickets"])
        assert _bytes(r.structured_content) <= 1.3 * len(text(r).encode())
        r = await call(h.server, "get_ticket", {"number": 32165})
        assert _bytes(r.structured_content) <= 1.5 * len(text(r).encode())
