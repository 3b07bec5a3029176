"""Every "record named in the request is missing" path answers Syncro's 404 and logs it."""

from __future__ import annotations

import httpx
import pytest
from syncro_mcp.sandbox import Sandbox

MISSING = 999_999_999


async def _other_tickets_line(c: httpx.AsyncClient, sb: Sandbox) -> tuple[int, int]:
    """A line item that exists, on a ticket other than the one the request names."""
    owner, other = sb.ticket_id(32158), sb.ticket_id(32160)
    r = await c.post(f"/tickets/{owner}/add_line_item", json={"name": "Cable", "description": "Cat6"})
    return other, r.json()["id"]


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", f"/tickets/{MISSING}", None),
        ("PUT", f"/tickets/{MISSING}", {"subject": "x"}),
        ("POST", f"/tickets/{MISSING}/comment", {"subject": "s", "body": "b"}),
        ("GET", f"/customers/{MISSING}", None),
        ("GET", f"/contacts/{MISSING}", None),
        ("GET", f"/products/{MISSING}", None),
        ("GET", f"/users/{MISSING}", None),
        ("GET", f"/invoices/{MISSING}", None),
        ("PATCH", f"/ticket_timers/{MISSING}", {"billable": True}),
    ],
)
async def test_missing_records_are_syncros_404(method, path, body):
    sb = Sandbox(rate_limit_per_min=None)
    async with httpx.AsyncClient(
        transport=sb.transport(), base_url=sb.base_url, headers={"Authorization": f"Bearer {sb.api_key}"}
    ) as c:
        r = await c.request(method, sb.base_url + path, json=body)
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    assert sb.requests[-1].status == 404 and sb.requests[-1].applied is False


@pytest.mark.parametrize("route", ["update_line_item", "remove_line_item"])
async def test_a_line_item_of_another_ticket_is_not_found(route):
    sb = Sandbox(rate_limit_per_min=None)
    async with httpx.AsyncClient(
        transport=sb.transport(), base_url=sb.base_url, headers={"Authorization": f"Bearer {sb.api_key}"}
    ) as c:
        other, line_id = await _other_tickets_line(c, sb)
        method = "PUT" if route == "update_line_item" else "POST"
        r = await c.request(
            method, f"{sb.base_url}/tickets/{other}/{route}", json={"ticket_line_item_id": line_id, "name": "x"}
        )
    assert r.status_code == 404 and r.json() == {"message": "Not found"}
    assert line_id in sb.state.ticket_line_items, "the line on its own ticket is untouched"
