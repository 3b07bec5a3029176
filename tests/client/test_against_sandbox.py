"""Every client operation against the embedded sandbox (the respx tests pin the wire format;
these prove the client and the fake agree on a whole, stateful account)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.client.errors import (
    AuthError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    SyncroValidationError,
    UnexpectedResponseError,
)
from syncro_mcp.sandbox import Sandbox


@pytest.fixture
async def sb_client():
    sb = Sandbox(rate_limit_per_min=None)
    async with SyncroClient(
        base_url=sb.base_url,
        api_key=SecretStr(sb.api_key),
        transport=sb.transport(),
        retry_base_s=0,
        rate_limit_per_min=1_000_000,
    ) as client:
        yield sb, client


@pytest.mark.parametrize("style", ["bearer", "header", "query"])
async def test_every_auth_style_is_accepted(style):
    sb = Sandbox(rate_limit_per_min=None)
    async with SyncroClient(
        base_url=sb.base_url, api_key=SecretStr(sb.api_key), auth_style=style, transport=sb.transport()
    ) as client:
        me = await client.me()
    assert me.user_name and me.can("ticket", "write")
    assert "api_key" not in sb.requests[-1].query


async def test_tickets_comments_timers_line_items(sb_client):
    _, client = sb_client
    page = await client.list_tickets(status="Not Closed")
    assert page.items and all(t.status not in ("Closed", "Resolved") for t in page.items)
    assert len(await client.iter_tickets(max_pages=3)) > len(page.items) or page.total_pages == 1
    summary = await client.find_ticket(32164)
    assert summary.id != 32164 and summary.customer_business_then_name == "Jerry Burger"
    with pytest.raises(NotFoundError, match="Ticket #99999 not found"):
        await client.find_ticket_id(99999)

    tid = summary.id
    comment = await client.add_comment(tid, subject="Update", body="hello", hidden=True)
    assert comment.id > 2**31 and comment.hidden is True
    assert (await client.list_comments(tid))[0].id == comment.id  # newest first

    end = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)
    timer = await client.add_timer_entry(
        tid, start_at=end - timedelta(minutes=45), end_at=end, notes="n", product_id=1190473
    )
    assert timer.active_duration == 45 * 60 and timer.recorded is False
    charged = await client.charge_timer_entry(tid, timer.id)
    assert charged.recorded is True
    detail = await client.get_ticket(tid)
    assert any(li.product_id == 1190473 for li in detail.line_items)
    assert detail.customer is not None and detail.comments[0].id == comment.id

    line = await client.add_ticket_line_item(
        tid, name="Cable", description="Cat6", quantity=2, price_retail=Decimal("9.50")
    )
    assert line.quantity == Decimal("2") and line.price_retail == Decimal("9.50")
    with pytest.raises(SyncroValidationError, match="Name can't be blank"):
        await client.add_ticket_line_item(tid, name="", description="")

    await client.delete_timer_entry(
        tid,
        (
            await client.add_timer_entry(
                tid, start_at=end - timedelta(minutes=5), end_at=end, notes="x", product_id=26118
            )
        ).id,
    )


async def test_create_update_delete_ticket_and_validation_shapes(sb_client):
    _, client = sb_client
    with pytest.raises(SyncroValidationError, match="Customer required field"):
        await client.create_ticket({"subject": "no customer"})
    customer = (await client.list_customers(query="LeeAnn")).items[0]
    t = await client.create_ticket({"customer_id": customer.id, "subject": "New one"})
    assert t.status == "New" and t.number and t.number > 32175
    with pytest.raises(SyncroValidationError):
        await client.update_ticket(t.id, {"status": "Not A Status"})
    assert (await client.update_ticket(t.id, {"status": "In Progress"})).status == "In Progress"
    await client.delete_ticket(t.id)
    with pytest.raises(NotFoundError):
        await client.get_ticket(t.id)
    with pytest.raises(SyncroValidationError, match="blank"):
        await client.add_comment((await client.find_ticket_id(32164)), subject="", body="")


async def test_account_customers_invoices_products(sb_client):
    _, client = sb_client
    ts = await client.ticket_settings()
    assert "Waiting on Vendor" in ts.ticket_status_list and ts.default_labor_product_id == 1190473
    acct = await client.account_settings()
    assert "2 Normal" in acct.ticket.priorities and acct.ticket.problem_types
    users = await client.list_users()
    assert users and all(u.name for u in users)

    lens = (await client.list_customers(query="Len's")).items[0]
    assert len(await client.list_contacts(lens.id)) >= 3
    assert (await client.get_customer(lens.id)).display_name == "Len's Auto Brokerage"
    made = await client.create_customer({"business_name": "Saguaro Vet"})
    assert made.id and made.display_name == "Saguaro Vet"

    ticket = await client.find_ticket(32160)  # two uncharged remote timers
    inv = await client.create_invoice(customer_id=ticket.customer_id or 0, ticket_id=ticket.id, category="Standard")
    assert isinstance(inv.number, str) and inv.id > 2**30
    full = await client.get_invoice(inv.number)
    assert full.id == inv.id and full.line_items and full.subtotal == Decimal("156.25")
    assert [i.id for i in (await client.list_invoices(ticket_id=ticket.id)).items] == [inv.id]
    li = await client.add_invoice_line_item(
        inv.id, item="Travel", name="Travel", quantity=Decimal("0.5"), price=Decimal("75"), product_id=26117
    )
    assert li.id and (await client.get_invoice(inv.id)).subtotal == Decimal("193.75")
    await client.delete_invoice(inv.id)

    products = await client.list_products(query="Remote")
    assert any(p.id == 1190473 for p in products)
    assert (await client.get_product(26118)).price_retail == Decimal("150")


async def test_errors_from_the_sandbox(sb_client):
    sb, client = sb_client
    async with SyncroClient(base_url=sb.base_url, api_key=SecretStr(sb.read_only_key), transport=sb.transport()) as ro:
        assert await ro.me()
        with pytest.raises(AuthError, match="Not authorized"):
            await ro.add_comment(await ro.find_ticket_id(32164), subject="s", body="b")
    async with SyncroClient(base_url=sb.base_url, api_key=SecretStr("wrong"), transport=sb.transport()) as bad:
        with pytest.raises(AuthError):
            await bad.me()

    tid = await client.find_ticket_id(32164)
    sb.faults.add("POST", "/tickets/*/comment", "apply_then_500")
    with pytest.raises(OutcomeUnknownError):
        await client.add_comment(tid, subject="s", body="landed")
    assert (await client.list_comments(tid))[0].body == "landed"  # applied, answer lost
    sb.faults.add("GET", "/me", "html")
    with pytest.raises(UnexpectedResponseError):
        await client.me()
    sb.faults.add("GET", "/me", "429", times=10)
    with pytest.raises(RateLimitedError):
        await client.me()
