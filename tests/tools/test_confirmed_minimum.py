"""Confirmed writes at the API minimum: the token call reuses what the preview looked up.

For every confirmed write tool, the exact Syncro requests of the preview call and of the
confirm_token call, on a fresh server, with the token used 299 s after the preview (the ticket
cache's 30 s long gone): the token call sends the writes plus only the reads that guard them (the
witness read of the ticket, an entry's billed state, an alert's ticket, an appointment's current
times), never a lookup the preview already made (number → id, customer, product, invoice, statuses).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from mcp import Client
from syncro_mcp.testing import in_memory

LATER_S = 299.0  # under the token's 300 s, over every short cache

TICKET = "GET /tickets?number&page"
DETAIL = "GET /tickets/{id}"
ON_INVOICES = "GET /invoices?page&ticket_id"

CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("create_ticket", {"customer": "Jerry Burger", "subject": "VPN drops"},
     ["GET /customers?page&query"], ["POST /tickets"]),
    ("update_ticket", {"number": 32165, "status": "Scheduled"},
     [TICKET, "GET /tickets/settings"], ["PUT /tickets/{id}"]),
    ("close_ticket", {"number": 32162, "resolution": "Replaced the toner."},
     [TICKET, "GET /tickets/settings"], [DETAIL, "POST /tickets/{id}/comment", "PUT /tickets/{id}"]),  # witness
    ("delete_ticket", {"number": 32170}, [TICKET], ["DELETE /tickets/{id}"]),
    ("add_comment", {"number": 32165, "body": "Called back."},
     [TICKET], [DETAIL, "POST /tickets/{id}/comment"]),  # the witness read
    ("log_time", {"number": 32165, "minutes": 45, "labor_type": "remote", "notes": "x"},
     [TICKET], [DETAIL, "POST /tickets/{id}/timer_entry"]),
    ("update_time_entry", {"number": 32165, "entry_id": 18800839, "minutes": 45},
     [TICKET, DETAIL, ON_INVOICES],  # the entry may be billed since the preview: checked again, then read back
     [DETAIL, ON_INVOICES, "PUT /tickets/{id}/update_timer_entry", DETAIL]),
    ("delete_time_entry", {"number": 32174, "entry_id": 18801051},
     [TICKET, DETAIL, ON_INVOICES], [DETAIL, ON_INVOICES, "POST /tickets/{id}/delete_timer_entry"]),
    ("bill_ticket", {"number": 32165, "minutes": 60, "labor_type": "onsite", "notes": "Replaced the switch."},
     [TICKET, "GET /tickets/settings", DETAIL, "GET /products?page"],
     [DETAIL, "POST /tickets/{id}/comment", "POST /tickets/{id}/timer_entry", "POST /invoices",
      "GET /invoices/{id}", "PUT /tickets/{id}"]),
    ("add_ticket_part", {"number": 32165, "product": "26117", "quantity": 1},
     [TICKET, "GET /products/{id}"], ["POST /tickets/{id}/add_line_item"]),
    ("create_customer", {"business_name": "Polish Test LLC"}, [], ["POST /customers"]),
    ("create_invoice", {"number": 32170}, [TICKET], ["POST /invoices"]),
    ("add_invoice_line_item", {"invoice": "1045", "labor_type_or_product": "remote", "quantity": 1},
     ["GET /invoices/1045", "GET /products/{id}"], ["POST /invoices/{id}/line_items"]),
    ("delete_invoice", {"invoice": "1045"}, ["GET /invoices/1045"], ["DELETE /invoices/{id}"]),
    ("email_invoice", {"invoice": "1045"}, ["GET /invoices/1045", "GET /customers/{id}"],
     ["POST /invoices/{id}/email"]),
    ("schedule_appointment", {"number": 32165, "start": "2026-11-30T13:00:00-07:00", "minutes": 90},
     [TICKET], ["POST /appointments"]),
    ("move_appointment", {"appointment_id": 5560200194, "start": "2026-11-30T10:00:00-07:00"},
     ["GET /appointments/{id}"], ["GET /appointments/{id}", "PUT /appointments/{id}"]),  # its current times
    ("ticket_from_alert", {"alert_id": 61450116},
     ["GET /rmm_alerts/{id}", "GET /tickets?customer_id&page&since_updated_at", "GET /customers/{id}"],
     ["GET /rmm_alerts/{id}", "GET /tickets?customer_id&page&since_updated_at", "POST /tickets"]),  # has a ticket?
]


def shape(q: Any) -> str:
    query = f"?{'&'.join(sorted(q.query))}" if q.query else ""
    path = re.sub(r"/\d{5,}", "/{id}", q.path)  # record ids differ between fresh sandboxes
    return f"{q.method} {path}{query}"


async def preview_then_confirm(env: Any, tool: str, args: dict[str, Any], later_s: float = LATER_S):
    """(preview requests, token call requests, token call result), the token used ``later_s`` after the preview."""
    now = [1000.0]
    env.app.runtime.resolver._clock = lambda: now[0]  # the caches' clock; the token's own clock stands still
    log = env.sandbox.requests
    log.clear()
    async with Client(env.server, mode="legacy") as c:
        first = await c.call_tool(tool, args)
        assert first.structured_content["status"] == "needs_confirmation", first.content[0].text
        seen = len(log)
        now[0] += later_s
        done = await c.call_tool(tool, {**args, "confirm_token": first.structured_content["confirm_token"]})
    requests = [shape(q) for q in log]
    return requests[:seen], requests[seen:], done


def stack(**over: Any) -> Any:
    return in_memory(toolsets=["all"], confirm_creates=True, destructive_by_token=True, **over)


@pytest.mark.parametrize("tool, args, preview, confirm", CASES, ids=[c[0] for c in CASES])
async def test_token_call_sends_only_the_writes_and_their_safety_reads(tool, args, preview, confirm):
    async with stack() as env:
        got_preview, got_confirm, done = await preview_then_confirm(env, tool, args)
    assert done.structured_content["status"] == "done", done.content[0].text
    assert (got_preview, got_confirm) == (preview, confirm)


def test_every_confirmed_write_tool_is_listed():
    import asyncio

    async def confirmed() -> set[str]:
        async with stack() as env:
            return {i.name for i in env.app.registrar.registered.values() if i.confirmed and i.toolset != "*"}

    assert asyncio.run(confirmed()) == {c[0] for c in CASES}


async def test_a_close_without_resolution_makes_no_witness_read():
    """The witness guards the Resolution comment: a bare status change sends its one PUT, nothing read."""
    async with stack() as env:
        _, confirm, done = await preview_then_confirm(env, "close_ticket", {"number": 32162})
    assert done.structured_content["status"] == "done", done.content[0].text
    assert confirm == ["PUT /tickets/{id}"]


async def test_kept_lookups_expire_with_the_token():
    """Past the token's lifetime nothing is reused (the token itself is refused there too)."""
    async with stack() as env:
        _, confirm, done = await preview_then_confirm(env, "create_ticket", CASES[0][1], later_s=301.0)
    assert confirm[0] == "GET /customers?page&query" and done.structured_content["status"] == "done"


async def test_a_lookup_is_kept_only_for_the_exact_call_previewed():
    """Another subject is another call: its preview looks the customer up for itself."""
    async with stack() as env:
        log = env.sandbox.requests
        async with Client(env.server, mode="legacy") as c:
            await c.call_tool("create_ticket", {"customer": "Jerry Burger", "subject": "one"})
            log.clear()
            await c.call_tool("create_ticket", {"customer": "Jerry Burger", "subject": "two"})
        assert [shape(q) for q in log] == ["GET /customers?page&query"]


async def test_an_alert_ticketed_since_the_preview_is_still_refused():
    """The alert's own read is a safety read: made again by the token call, never taken from the preview."""
    async with stack() as env:
        async with Client(env.server, mode="legacy") as c:
            first = await c.call_tool("ticket_from_alert", {"alert_id": 61450116})
            env.sandbox.state.rmm_alerts[61450116]["ticket_id"] = 108496592
            r = await c.call_tool("ticket_from_alert", {"alert_id": 61450116,
                                                        "confirm_token": first.structured_content["confirm_token"]})
        assert r.is_error and "already has ticket" in r.content[0].text
        assert env.sandbox.requests.writes() == []


async def test_an_entry_billed_since_the_preview_is_still_refused():
    async with stack() as env:
        args = {"number": 32165, "entry_id": 18800839, "minutes": 45}
        async with Client(env.server, mode="legacy") as c:
            first = await c.call_tool("update_time_entry", args)
            env.sandbox.state.timers[18800839]["recorded"] = True
            token = first.structured_content["confirm_token"]
            r = await c.call_tool("update_time_entry", {**args, "confirm_token": token})
        assert r.is_error and "already charged" in r.content[0].text
        assert env.sandbox.requests.writes() == []
