"""Operations: what each sends (paths, params, bodies) and how replies are parsed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from syncro_mcp.client import NotFoundError, Ticket, TicketTimer

BIG = 5_560_138_523  # > 2^32: ids this large are real (docs/syncro-facts.md#pagination)
EST = timezone(timedelta(hours=-5))


def body_of(route: respx.Route) -> dict[str, Any]:
    return json.loads(route.calls.last.request.content)


async def test_find_ticket_id_picks_the_matching_number(client: Any, router: respx.MockRouter) -> None:
    route = router.get("/tickets").mock(
        return_value=httpx.Response(
            200,
            json={
                "tickets": [{"id": 111, "number": 32151}, {"id": BIG, "number": 32150}],
                "meta": {"total_pages": 1, "page": 1},
            },
        )
    )
    assert await client.find_ticket_id(32150) == BIG
    assert route.calls.last.request.url.params["number"] == "32150"
    found = await client.find_ticket(32150)
    assert (found.id, found.number) == (BIG, 32150)


async def test_find_ticket_not_found_when_only_others_return(client: Any, router: respx.MockRouter) -> None:
    router.get("/tickets").mock(
        return_value=httpx.Response(200, json={"tickets": [{"id": 111, "number": 9}], "meta": {"total_pages": 1}})
    )
    with pytest.raises(NotFoundError) as info:
        await client.find_ticket_id(32150)
    assert info.value.detail == "Ticket #32150 not found"
    assert (info.value.method, info.value.path) == ("GET", "/tickets")


async def test_find_ticket_not_found_on_empty_list(client: Any, router: respx.MockRouter) -> None:
    router.get("/tickets").mock(return_value=httpx.Response(200, json={"tickets": [], "meta": {}}))
    with pytest.raises(NotFoundError, match="Ticket #5 not found"):
        await client.find_ticket(5)


async def test_list_tickets_sends_only_set_filters(client: Any, router: respx.MockRouter) -> None:
    route = router.get("/tickets").mock(
        return_value=httpx.Response(200, json={"tickets": [], "meta": {"total_pages": 3, "page": 2}})
    )
    page = await client.list_tickets(status="Not Closed", customer_id=BIG, mine=True, page=2)
    params = dict(route.calls.last.request.url.params)
    assert params == {"status": "Not Closed", "customer_id": str(BIG), "mine": "true", "page": "2"}
    assert (page.page, page.total_pages, page.items) == (2, 3, [])


async def test_get_ticket_detail_with_big_ids(client: Any, router: respx.MockRouter) -> None:
    detail = {
        "id": BIG,
        "number": 5028,
        "subject": "Printer",
        "customer_id": BIG + 1,
        "customer_business_then_name": "Acme",
        "created_at": "2026-04-01T10:15:00.123Z",
        "updated_at": "2026-04-01T10:15:00-05:00",
        "comments": [{"id": BIG + 2, "subject": "Init", "body": "hi", "hidden": False, "user_id": None}],
        "ticket_timers": [
            {
                "id": BIG + 3,
                "start_time": "2026-04-01T09:00:00.000Z",
                "active_duration": 3600,
                "recorded": True,
            }
        ],
        "line_items": [{"id": 4, "name": "Labor", "quantity": "1.5", "price_retail": "120.0"}],
        "customer": {"id": BIG + 1, "business_then_name": "Acme", "contacts": [{"id": 6, "name": "Jo"}]},
        "contact": None,
        "user": {"id": 9, "full_name": "Tech", "email": "t@example.com"},
        "some_future_field": {"ignored": True},
    }
    route = router.get(f"/tickets/{BIG}").mock(return_value=httpx.Response(200, json={"ticket": detail}))
    ticket = await client.get_ticket(BIG)
    assert route.call_count == 1
    assert isinstance(ticket, Ticket)
    assert ticket.id == BIG and ticket.customer_id == BIG + 1
    assert ticket.created_at == datetime(2026, 4, 1, 10, 15, 0, 123000, tzinfo=timezone.utc)
    assert ticket.updated_at is not None and ticket.updated_at.utcoffset() == timedelta(hours=-5)
    assert ticket.comments[0].id == BIG + 2
    assert ticket.ticket_timers[0].active_duration == 3600
    assert ticket.line_items[0].quantity == Decimal("1.5")
    assert ticket.line_items[0].price_retail == Decimal("120.0")
    assert ticket.customer is not None and ticket.customer.contacts[0].name == "Jo"
    assert ticket.user is not None and ticket.user.full_name == "Tech"
    assert not hasattr(ticket, "some_future_field")


async def test_add_comment_never_sends_time_fields(client: Any, router: respx.MockRouter) -> None:
    route = router.post("/tickets/5/comment").mock(
        return_value=httpx.Response(200, json={"comment": {"id": 9, "subject": "Update", "hidden": True}})
    )
    comment = await client.add_comment(5, subject="Update", body="Done.", hidden=True, do_not_email=True)
    assert comment.id == 9 and comment.hidden is True
    assert body_of(route) == {"subject": "Update", "body": "Done.", "hidden": True, "do_not_email": True}
    assert route.calls.last.request.headers["Content-Type"] == "application/json"


async def test_add_timer_entry_body_and_flat_reply(client: Any, router: respx.MockRouter) -> None:
    reply = {
        "id": BIG,
        "ticket_id": 5,
        "start_time": "2026-05-01T14:00:00.000Z",
        "end_time": "2026-05-01T14:45:00.000Z",
        "active_duration": 2700,
        "billable": True,
        "product_id": 1190473,
        "recorded": False,
    }
    route = router.post("/tickets/5/timer_entry").mock(return_value=httpx.Response(200, json=reply))
    start = datetime(2026, 5, 1, 9, 0, tzinfo=EST)
    timer = await client.add_timer_entry(
        5, start_at=start, end_at=start + timedelta(minutes=45), notes="Fixed it", product_id=1190473
    )
    assert body_of(route) == {
        "start_at": "2026-05-01T09:00:00-05:00",
        "end_at": "2026-05-01T09:45:00-05:00",
        "notes": "Fixed it",
        "billable": True,
        "product_id": 1190473,
    }
    assert isinstance(timer, TicketTimer)
    assert timer.id == BIG and timer.active_duration == 2700
    assert timer.start_time == datetime(2026, 5, 1, 14, 0, tzinfo=timezone.utc)


async def test_add_timer_entry_rejects_naive_times_before_io(client: Any, router: respx.MockRouter) -> None:
    route = router.post("/tickets/5/timer_entry").mock(return_value=httpx.Response(200, json={"id": 1}))
    naive = datetime(2026, 5, 1, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.add_timer_entry(5, start_at=naive, end_at=naive + timedelta(hours=1), notes="n", product_id=1)
    assert route.call_count == 0


@pytest.mark.parametrize(
    "reply",
    [
        {"id": 77, "recorded": True, "ticket_line_item_id": 501},
        {"ticket_timer": {"id": 77, "recorded": True, "ticket_line_item_id": 501}},
    ],
    ids=["flat", "wrapped"],
)
async def test_charge_timer_entry_flat_or_wrapped(client: Any, router: respx.MockRouter, reply: dict[str, Any]) -> None:
    route = router.post("/tickets/5/charge_timer_entry").mock(return_value=httpx.Response(200, json=reply))
    timer = await client.charge_timer_entry(5, 77)
    assert (timer.id, timer.recorded, timer.ticket_line_item_id) == (77, True, 501)
    assert body_of(route) == {"timer_entry_id": 77}


async def test_update_and_delete_timer_entry(client: Any, router: respx.MockRouter) -> None:
    update = router.put("/tickets/5/update_timer_entry").mock(
        return_value=httpx.Response(200, json={"id": 77, "notes": "new"})
    )
    delete = router.post("/tickets/5/delete_timer_entry").mock(return_value=httpx.Response(200, json={"success": True}))
    timer = await client.update_timer_entry(5, 77, {"notes": "new", "duration_minutes": 30})
    assert timer.notes == "new"
    assert body_of(update) == {"notes": "new", "duration_minutes": 30, "timer_entry_id": 77}
    assert await client.delete_timer_entry(5, 77) is None
    assert body_of(delete) == {"timer_entry_id": 77}


async def test_add_ticket_line_item_is_flat_with_string_quantity(client: Any, router: respx.MockRouter) -> None:
    route = router.post("/tickets/5/add_line_item").mock(
        return_value=httpx.Response(
            200,
            json={"id": 31, "name": "Cable", "quantity": "2.0", "price_retail": 9.99, "retail_cents": 999},
        )
    )
    item = await client.add_ticket_line_item(
        5, name="Cable", description="USB-C", quantity=2, price_retail=Decimal("9.99")
    )
    assert body_of(route) == {"name": "Cable", "description": "USB-C", "quantity": 2, "price_retail": 9.99}
    assert (item.id, item.quantity, item.price_retail, item.retail_cents) == (
        31,
        Decimal("2.0"),
        Decimal("9.99"),
        999,
    )


@pytest.mark.parametrize("wrapped", [True, False], ids=["wrapped", "flat"])
async def test_get_invoice_wrapped_or_flat(client: Any, router: respx.MockRouter, wrapped: bool) -> None:
    invoice = {
        "id": 1_649_572_214,
        "number": 4444,  # Syncro's invoice number is a string; coerce if a number arrives
        "subtotal": "120.0",
        "total": "129.6",
        "tax": "9.6",
        "date": "2026-05-01",
        "customer": {"id": 3, "business_name": "Acme", "contacts": []},
        "line_items": [{"id": 8, "item": "Labor", "name": "Remote", "quantity": "1.0", "price": "120.0"}],
    }
    router.get("/invoices/4444").mock(
        return_value=httpx.Response(200, json={"invoice": invoice} if wrapped else invoice)
    )
    got = await client.get_invoice("4444")
    assert got.id == 1_649_572_214
    assert got.number == "4444"
    assert (got.subtotal, got.total, got.tax) == (Decimal("120.0"), Decimal("129.6"), Decimal("9.6"))
    assert got.line_items[0].price == Decimal("120.0")
    assert got.customer is not None and got.customer.display_name == "Acme"


async def test_create_invoice_and_line_item(client: Any, router: respx.MockRouter) -> None:
    create = router.post("/invoices").mock(
        return_value=httpx.Response(200, json={"invoice": {"id": 70, "number": "1001", "ticket_id": 5}})
    )
    line = router.post("/invoices/70/line_items").mock(
        return_value=httpx.Response(200, json={"id": 71, "invoice_id": 70, "price": "95.0", "quantity": "1.5"})
    )
    invoice = await client.create_invoice(customer_id=3, ticket_id=5)
    assert body_of(create) == {"customer_id": 3, "ticket_id": 5}
    assert invoice.number == "1001"
    item = await client.add_invoice_line_item(70, item="Labor", name="Remote", quantity=1.5, price=Decimal("95"))
    assert body_of(line) == {"item": "Labor", "name": "Remote", "quantity": 1.5, "price": 95}
    assert (item.id, item.price, item.quantity) == (71, Decimal("95.0"), Decimal("1.5"))


async def test_delete_invoice_accepts_empty_200(client: Any, router: respx.MockRouter) -> None:
    route = router.delete("/invoices/70").mock(return_value=httpx.Response(200))
    assert await client.delete_invoice(70) is None
    assert route.call_count == 1


async def test_me_is_flat_and_keeps_no_user_token(client: Any, router: respx.MockRouter) -> None:
    router.get("/me").mock(
        return_value=httpx.Response(
            200,
            json={
                "user_token": "3746f72b-9852-4d1a-84e9-eedb5c50abcd",
                "user_id": BIG,
                "user_name": "Joe Doe",
                "subdomain": "acme",
                "permissions": {"ticket": {"read": True, "write": False}, "invoice": {"read": True}},
            },
        )
    )
    me = await client.me()
    assert (me.user_id, me.user_name, me.subdomain) == (BIG, "Joe Doe", "acme")
    assert me.can("ticket", "read") and not me.can("ticket", "write") and not me.can("asset", "read")
    assert "3746f72b" not in repr(me)


@pytest.mark.parametrize(
    "users",
    [
        [[BIG, "Joe Doe"], [2, "Ann Tech"]],
        [{"id": BIG, "full_name": "Joe Doe"}, {"id": 2, "name": "Ann Tech"}],
    ],
    ids=["pairs", "objects"],
)
async def test_list_users_pairs_or_objects(client: Any, router: respx.MockRouter, users: list[Any]) -> None:
    router.get("/users").mock(return_value=httpx.Response(200, json={"users": users}))
    got = await client.list_users()
    assert [(u.id, u.name) for u in got] == [(BIG, "Joe Doe"), (2, "Ann Tech")]


async def test_settings(client: Any, router: respx.MockRouter) -> None:
    router.get("/tickets/settings").mock(
        return_value=httpx.Response(
            200,
            json={
                "ticket_status_list": ["New", "In Progress", "Resolved"],
                "default_labor_product_id": 1190473,
                "users": [{"id": 1, "name": "Bat Man"}],
                "ticket_types": None,
            },
        )
    )
    router.get("/settings").mock(
        return_value=httpx.Response(
            200,
            json={
                "ticket": {"problem_types": ["Virus", "Other"], "priorities": ["", "0 Urgent", "3 Low"]},
                "locale": {"time_zone": "America/Los_Angeles", "currency_symbol": "$"},
            },
        )
    )
    ts = await client.ticket_settings()
    assert ts.ticket_status_list == ["New", "In Progress", "Resolved"]
    assert ts.default_labor_product_id == 1190473
    assert ts.users[0].name == "Bat Man"
    assert ts.ticket_types == []
    acct = await client.account_settings()
    assert acct.ticket.problem_types == ["Virus", "Other"]
    assert acct.ticket.priorities[1] == "0 Urgent"
    assert acct.locale.time_zone == "America/Los_Angeles"


async def test_customers_contacts_products(client: Any, router: respx.MockRouter) -> None:
    customers = router.get("/customers").mock(
        return_value=httpx.Response(
            200,
            json={
                "customers": [{"id": BIG, "business_then_name": "Acme", "zip": 12345}],
                "meta": {"total_pages": 1, "total_entries": 1, "per_page": 25, "page": 1},
            },
        )
    )
    router.get(f"/customers/{BIG}").mock(
        return_value=httpx.Response(200, json={"customer": {"id": BIG, "firstname": "A", "lastname": "B"}})
    )
    router.post("/customers").mock(return_value=httpx.Response(200, json={"customer": {"id": 12}}))
    router.get("/contacts").mock(
        return_value=httpx.Response(
            200, json={"contacts": [{"id": 6, "name": "Jo", "customer_id": BIG}], "meta": {"total_pages": 1}}
        )
    )
    products = router.get("/products").mock(
        return_value=httpx.Response(200, json={"products": [{"id": 26118, "name": "Onsite", "price_retail": 150}]})
    )
    router.get("/products/26118").mock(
        return_value=httpx.Response(200, json={"product": {"id": 26118, "name": "Onsite"}})
    )

    page = await client.list_customers("acme")
    assert customers.calls.last.request.url.params["query"] == "acme"
    assert (page.items[0].id, page.items[0].zip, page.total_entries) == (BIG, "12345", 1)
    assert (await client.get_customer(BIG)).display_name == "A B"
    assert (await client.create_customer({"business_name": "New"})).id == 12
    contacts = await client.list_contacts(BIG)
    assert [(c.id, c.customer_id) for c in contacts] == [(6, BIG)]
    listed = await client.list_products("onsite")
    assert products.calls.last.request.url.params["query"] == "onsite"
    assert listed[0].price_retail == Decimal("150")
    assert (await client.get_product(26118)).name == "Onsite"


async def test_list_invoices_and_timers_pages(client: Any, router: respx.MockRouter) -> None:
    invoices = router.get("/invoices").mock(
        return_value=httpx.Response(
            200,
            json={
                "invoices": [{"id": 1, "number": "9", "total": "0.0"}],
                "meta": {"total_pages": 4, "page": 1},
            },
        )
    )
    router.get("/ticket_timers").mock(
        return_value=httpx.Response(200, json={"ticket_timers": [{"id": 3}], "meta": {"total_pages": 2, "page": 2}})
    )
    inv_page = await client.list_invoices(ticket_id=5, unpaid=True)
    assert dict(invoices.calls.last.request.url.params) == {"ticket_id": "5", "unpaid": "true", "page": "1"}
    assert (inv_page.total_pages, inv_page.items[0].total) == (4, Decimal("0.0"))
    timers = await client.list_ticket_timers(2)
    assert (timers.page, timers.total_pages, timers.items[0].id) == (2, 2, 3)


async def test_create_update_delete_ticket(client: Any, router: respx.MockRouter) -> None:
    create = router.post("/tickets").mock(
        return_value=httpx.Response(200, json={"ticket": {"id": BIG, "number": 32176, "subject": "New"}})
    )
    update = router.put(f"/tickets/{BIG}").mock(
        return_value=httpx.Response(200, json={"ticket": {"id": BIG, "status": "Resolved"}})
    )
    delete = router.delete(f"/tickets/{BIG}").mock(
        return_value=httpx.Response(200, json={"message": "Ticket was successfully deleted. "})
    )
    created = await client.create_ticket({"customer_id": 3, "subject": "New"})
    assert (created.id, created.number) == (BIG, 32176)
    assert body_of(create) == {"customer_id": 3, "subject": "New"}
    assert (await client.update_ticket(BIG, {"status": "Resolved"})).status == "Resolved"
    assert body_of(update) == {"status": "Resolved"}
    assert await client.delete_ticket(BIG) is None
    assert delete.call_count == 1


async def test_list_comments(client: Any, router: respx.MockRouter) -> None:
    route = router.get("/tickets/5/comments").mock(
        return_value=httpx.Response(
            200,
            json={
                "comments": [{"id": 2, "body": "newest", "is_rich_text": False, "user": {"id": 1}}],
                "meta": {"total_pages": 1, "page": 1, "per_page": 25},
            },
        )
    )
    comments = await client.list_comments(5, per_page=25)
    assert dict(route.calls.last.request.url.params) == {"per_page": "25", "page": "1"}
    assert comments[0].body == "newest" and comments[0].user is not None


async def test_user_agent_timeouts_and_bearer_header(client: Any, router: respx.MockRouter) -> None:
    from syncro_mcp import __version__

    route = router.get("/me").mock(return_value=httpx.Response(200, json={"user_id": 1}))
    await client.me()
    request = route.calls.last.request
    assert request.headers["User-Agent"] == f"syncro-mcp/{__version__}"
    assert request.headers["Authorization"].startswith("Bearer ")
    assert "api_key" not in request.url.params
    timeout = client._http.timeout
    assert (timeout.read, timeout.connect) == (30.0, 10.0)
