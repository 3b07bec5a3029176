"""Smoke coverage of the core loop: list, detail, comment, time, charge, invoice, log."""

from __future__ import annotations

import httpx
from syncro_mcp.sandbox import Sandbox


async def test_open_tickets_list_newest_first(client: httpx.AsyncClient) -> None:
    r = await client.get("/tickets", params={"status": "Not Closed"})
    assert r.status_code == 200
    numbers = [t["number"] for t in r.json()["tickets"]]
    assert numbers == sorted(numbers, reverse=True)
    assert 32164 in numbers and 32162 in numbers


async def test_comment_time_invoice_flow(sb: Sandbox, client: httpx.AsyncClient) -> None:
    tid = sb.ticket_id(32160)
    r = await client.post(f"/tickets/{tid}/comment", json={"subject": "Update", "body": "Fixed", "hidden": False})
    assert r.status_code == 200 and r.json()["comment"]["body"] == "Fixed"
    r = await client.post(
        f"/tickets/{tid}/timer_entry",
        json={"start_at": "2026-11-25T10:00:00Z", "end_at": "2026-11-25T11:00:00Z", "notes": "n", "product_id": 26118},
    )
    assert r.status_code == 200 and r.json()["active_duration"] == 3600
    r = await client.post("/invoices", json={"ticket_id": tid, "customer_id": sb.ticket(32160)["customer_id"]})
    assert r.status_code == 200
    assert r.json()["invoice"]["subtotal"] == "306.25"
    assert len(sb.requests_for("POST", "/tickets/*/comment")) == 1
