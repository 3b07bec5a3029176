"""Read tools on the sandbox: seed formats, exact Syncro requests, clean errors."""

from __future__ import annotations

import re

from support.harness import call, text


async def test_list_tickets_is_the_seed_summary_and_excludes_closed(h):
    r = await call(h.app.server, "list_tickets", {})
    assert not r.is_error
    out = text(r)
    assert re.search(r"^#32164\s+New\s+Jerry Burger\s+Own cloud thing again  \(due 2026-11-12\)$", out, re.M)
    assert re.search(
        r"^#32163\s+New\s+LeeAnn Parkinson\s+Remote - Jim cant access his email  \(due 2026-11-11\)$", out, re.M
    )
    rows = r.structured_content["tickets"]
    assert rows and all(t["status"] != "Closed" for t in rows)
    statuses = [t["status"] for t in rows]
    assert statuses.index("New") < statuses.index("In Progress"), "grouped: New first"
    assert [q.query.get("status") for q in h.sandbox.requests] == ["Not Closed"]


async def test_list_tickets_filters_by_customer_name_and_validates_status(h):
    r = await call(h.app.server, "list_tickets", {"customer": "Jerry Burger", "status": "new"})
    assert not r.is_error, text(r)
    assert {t["customer"] for t in r.structured_content["tickets"]} == {"Jerry Burger"}
    sent = [q for q in h.sandbox.requests if q.path == "/tickets"][-1]
    assert sent.query["status"] == "New" and sent.query["customer_id"]

    bad = await call(h.app.server, "list_tickets", {"status": "Done-ish"})
    assert bad.is_error
    assert "Unknown status" in text(bad) and '"Waiting on Vendor"' in text(bad)


async def test_get_ticket_resolves_number_in_two_requests(h):
    r = await call(h.app.server, "get_ticket", {"number": 32164})
    assert not r.is_error
    reqs = [(q.method, q.path, q.query.get("number")) for q in h.sandbox.requests]
    assert reqs[0] == ("GET", "/tickets", "32164")
    assert reqs[1][0] == "GET" and reqs[1][1].startswith("/tickets/") and reqs[1][1] != "/tickets/32164"
    assert len(reqs) == 2
    out = text(r)
    for section in (
        "#32164 Own cloud thing again",
        "Status: New",
        "Customer: Jerry Burger",
        "Created",
        "Assigned:",
        "Billing:",
    ):
        assert section in out
    assert r.structured_content["number"] == 32164


async def test_get_ticket_shows_last_five_comments_newest_first(h):
    # find a seeded ticket with more than five comments, or make one
    for i in range(6):
        await h.client.add_comment(await h.client.find_ticket_id(32165), subject="Update", body=f"note {i}")
    r = await call(h.app.server, "get_ticket", {"number": 32165})
    comments = r.structured_content["comments"]
    assert len(comments) == 5
    assert comments[0]["body"] == "note 5" and comments[4]["body"] == "note 1"
    assert r.structured_content["comment_count"] >= 6
    assert text(r).index("note 5") < text(r).index("note 4")


async def test_unknown_ticket_is_a_clean_tool_error(h):
    r = await call(h.app.server, "get_ticket", {"number": 99999})
    assert r.is_error
    assert "Ticket #99999 not found" in text(r)
    assert "Traceback" not in text(r)


async def test_time_entries_and_labor_types(h):
    await call(h.app.server, "get_ticket", {"number": 32165})
    r = await call(h.app.server, "list_time_entries", {"number": 32165})
    assert not r.is_error
    sc = r.structured_content
    assert sc["total_minutes"] == sum(e["minutes"] for e in sc["entries"])
    lt = await call(h.app.server, "list_labor_types", {})
    names = {x["name"]: x for x in lt.structured_content["labor_types"]}
    assert names["remote"]["product_id"] == 1190473 and names["remote"]["known"] is True
    assert names["remote"]["product"] == "Labor - Remote Business"


async def test_unknown_labor_product_is_flagged(tmp_path):
    from support.harness import harness

    async with harness(tmp_path, labor_types={"remote": 1190473, "ghost": 4242}) as hh:
        lt = await call(hh.app.server, "list_labor_types", {})
    by = {x["name"]: x for x in lt.structured_content["labor_types"]}
    assert by["ghost"]["known"] is False
    assert "NOT FOUND" in text(lt)


async def test_search_and_customers(h):
    r = await call(h.app.server, "search", {"query": "Burger"})
    assert any(c["name"] == "Jerry Burger" for c in r.structured_content["customers"])
    c = await call(h.app.server, "list_customers", {"query": "Len"})
    assert any(x["name"] == "Len's Auto Brokerage" for x in c.structured_content["customers"])
    d = await call(h.app.server, "get_customer", {"customer": "Len's Auto Brokerage"})
    assert not d.is_error, text(d)
    assert d.structured_content["open_tickets"] and d.structured_content["contacts"]
    assert "Open tickets:" in text(d)


async def test_invoices_read(h):
    r = await call(h.app.server, "list_invoices", {})
    assert not r.is_error and r.structured_content["invoices"]
    first = r.structured_content["invoices"][0]
    by_number = await call(h.app.server, "get_invoice", {"id_or_number": first["number"]})
    by_id = await call(h.app.server, "get_invoice", {"id_or_number": str(first["id"])})
    assert by_number.structured_content["id"] == by_id.structured_content["id"] == first["id"]
    assert "Total" in text(by_id)
    bad = await call(h.app.server, "get_invoice", {"id_or_number": "abc"})
    assert bad.is_error and "not an invoice number" in text(bad)


async def test_list_says_when_syncro_holds_more_than_fetched(tmp_path):
    from support.harness import harness
    from syncro_mcp.sandbox import Sandbox

    sb = Sandbox(rate_limit_per_min=None)
    customer_id = next(iter(sb.state.customers))
    async with harness(tmp_path, sandbox=sb) as hh:
        for i in range(30):  # 19 open + 30 new = 49 open tickets: two pages of 25
            await hh.client.create_ticket({"customer_id": customer_id, "subject": f"bulk {i}"})
        capped = await call(hh.app.server, "list_tickets", {"limit": 10})
        assert capped.structured_content["complete"] is False and capped.structured_content["total"] == 25
        assert "25+ tickets" in text(capped) and "more exist" in text(capped)
        assert len(capped.structured_content["tickets"]) == 10
        full = await call(hh.app.server, "list_tickets", {"limit": 100})
        assert full.structured_content["complete"] is True and full.structured_content["total"] == 49
        assert text(full).startswith("49 tickets — Not Closed\n")
        pages = [q.query.get("page") for q in hh.sandbox.requests if q.path == "/tickets"][-2:]
        assert pages == ["1", "2"]
