"""read_only=True: every write method refuses before any I/O (no request, no limiter token)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import respx
from syncro_mcp.client import ReadOnlyError, SyncroClient

START = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)

WRITES: dict[str, Callable[[SyncroClient], Awaitable[Any]]] = {
    "create_ticket": lambda c: c.create_ticket({"customer_id": 1, "subject": "x"}),
    "update_ticket": lambda c: c.update_ticket(5, {"status": "Resolved"}),
    "delete_ticket": lambda c: c.delete_ticket(5),
    "add_comment": lambda c: c.add_comment(5, subject="s", body="b"),
    "add_timer_entry": lambda c: c.add_timer_entry(
        5, start_at=START, end_at=START + timedelta(hours=1), notes="n", product_id=1
    ),
    "charge_timer_entry": lambda c: c.charge_timer_entry(5, 7),
    "update_timer_entry": lambda c: c.update_timer_entry(5, 7, {"notes": "x"}),
    "delete_timer_entry": lambda c: c.delete_timer_entry(5, 7),
    "add_ticket_line_item": lambda c: c.add_ticket_line_item(5, name="n", description="d"),
    "create_customer": lambda c: c.create_customer({"business_name": "x"}),
    "create_invoice": lambda c: c.create_invoice(customer_id=1),
    "add_invoice_line_item": lambda c: c.add_invoice_line_item(1, item="i", name="n", quantity=1, price=1),
    "delete_invoice": lambda c: c.delete_invoice(1),
    "email_invoice": lambda c: c.email_invoice(1),
    "create_appointment": lambda c: c.create_appointment({"summary": "s", "start_at": START, "end_at": START}),
    "update_appointment": lambda c: c.update_appointment(1, {"start_at": START}),
}


def test_every_public_write_is_covered() -> None:
    """A new write method must be added to WRITES (so it is proven to respect read_only)."""
    prefixes = ("create_", "update_", "delete_", "add_", "charge_", "email_")
    public = {name for name in dir(SyncroClient) if name.startswith(prefixes)}
    assert public == set(WRITES)


@pytest.mark.parametrize("name", list(WRITES))
async def test_write_refused_before_io(name: str, make_client: Any, router: respx.MockRouter, clock: Any) -> None:
    catch_all = router.route().mock(return_value=httpx.Response(200, json={"id": 1}))
    client = make_client(read_only=True, rate_limit_per_min=60)
    tokens_before = client.limiter.tokens
    with pytest.raises(ReadOnlyError) as info:
        await WRITES[name](client)
    assert catch_all.call_count == 0
    assert client.limiter.tokens == tokens_before
    assert info.value.method in {"POST", "PUT", "DELETE"}


async def test_reads_still_work_when_read_only(make_client: Any, router: respx.MockRouter) -> None:
    router.get("/me").mock(return_value=httpx.Response(200, json={"user_id": 1}))
    client = make_client(read_only=True)
    assert (await client.me()).user_id == 1


async def test_same_writes_do_io_when_not_read_only(make_client: Any, router: respx.MockRouter) -> None:
    """Control for the test above: the catch-all would have been hit without read_only."""
    catch_all = router.route().mock(return_value=httpx.Response(200, json={"id": 1}))
    client = make_client()
    await WRITES["add_comment"](client)
    assert catch_all.call_count == 1
