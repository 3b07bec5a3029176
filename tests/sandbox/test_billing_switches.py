"""Issue 14: the billing quirks as switches, labour rounding, prepaid hours, invoice email."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.seed import PREPAID_CUSTOMER_ID, ROUNDING_LABOR_PRODUCT_ID

ClientFor = Callable[[Sandbox], httpx.AsyncClient]
EMERGENCY = 26184
WINDOW = {"start_at": "2026-11-25T09:00:00-07:00", "end_at": "2026-11-25T09:50:00-07:00", "notes": "Work"}


async def timer_and_charge(c: httpx.AsyncClient, tid: int, **extra: object) -> tuple[dict, list[dict]]:
    timer = (await c.post(f"/tickets/{tid}/timer_entry", json={**WINDOW, **extra})).json()
    charged = (await c.post(f"/tickets/{tid}/charge_timer_entry", json={"timer_entry_id": timer["id"]})).json()
    lines = (await c.get(f"/tickets/{tid}")).json()["ticket"]["line_items"]
    return charged, lines


async def test_default_charge_follows_the_timer_product(sb: Sandbox, client: httpx.AsyncClient) -> None:
    charged, lines = await timer_and_charge(client, sb.ticket_id(32163), product_id=EMERGENCY)
    assert [(li["product_id"], li["price_retail"]) for li in lines] == [(EMERGENCY, 225)]
    assert charged["product_id"] == EMERGENCY


async def test_charge_uses_default_labor_product(client_for: ClientFor) -> None:
    """docs/syncro-facts.md#field-reports: the charged line carries the default labour product whatever the timer's."""
    sb = Sandbox(charge_uses_default_product=True)
    async with client_for(sb) as c:
        charged, lines = await timer_and_charge(c, sb.ticket_id(32163), product_id=EMERGENCY)
        assert charged["product_id"] == EMERGENCY and charged["recorded"] is True  # the timer keeps its product
        assert [(li["product_id"], li["name"], li["price_retail"]) for li in lines] == [
            (1190473, "Labor - Remote Business", 125)
        ]
        # The wrong line is fixed the way that account did it: update_line_item with the right price.
        r = await c.put(
            f"/tickets/{sb.ticket_id(32163)}/update_line_item",
            json={"ticket_line_item_id": lines[0]["id"], "product_id": EMERGENCY, "price_retail": 225},
        )
        assert r.json()["ticket_line_item"]["retail_cents"] == 22500


async def test_timer_entry_billable_false(sb: Sandbox, client: httpx.AsyncClient, client_for: ClientFor) -> None:
    honoured = await client.post(f"/tickets/{sb.ticket_id(32163)}/timer_entry", json={**WINDOW, "billable": False})
    assert honoured.json()["billable"] is False and honoured.json()["billable_time"] == 0
    real = Sandbox(timer_entry_ignores_billable=True)
    async with client_for(real) as c:
        r = await c.post(f"/tickets/{real.ticket_id(32163)}/timer_entry", json={**WINDOW, "billable": False})
    # billable: false is silently ignored (docs/syncro-facts.md#field-reports)
    assert r.json()["billable"] is True and r.json()["billable_time"] == 3000


async def test_labor_rounding_per_product(client_for: ClientFor) -> None:
    off = Sandbox()
    on = Sandbox(labor_rounding=True)
    for sb, expected in ((off, "0.83"), (on, "1.0")):
        async with client_for(sb) as c:
            _, lines = await timer_and_charge(c, sb.ticket_id(32163), product_id=ROUNDING_LABOR_PRODUCT_ID)
        assert [li["quantity"] for li in lines] == [expected]
    # A product without an increment is not rounded even when the switch is on.
    async with client_for(on) as c:
        _, lines = await timer_and_charge(c, on.ticket_id(32164), product_id=1190473)
    assert [li["quantity"] for li in lines] == ["0.83"]


async def test_make_invoice_rounds_copied_timers(client_for: ClientFor) -> None:
    sb = Sandbox(labor_rounding=True)
    tid = sb.ticket_id(32163)
    async with client_for(sb) as c:
        await c.post(f"/tickets/{tid}/timer_entry", json={**WINDOW, "product_id": ROUNDING_LABOR_PRODUCT_ID})
        ticket = sb.ticket(32163)
        inv = (await c.post("/invoices", json={"ticket_id": tid, "customer_id": ticket["customer_id"]})).json()
        detail = (await c.get(f"/invoices/{inv['invoice']['id']}")).json()["invoice"]
    assert [(li["product_id"], li["quantity"]) for li in detail["line_items"]] == [(ROUNDING_LABOR_PRODUCT_ID, "1.0")]
    assert detail["total"] == "125.0"


async def test_invoice_list_without_ticket_id(client_for: ClientFor) -> None:
    sb = Sandbox(invoice_list_has_ticket_id=False)
    async with client_for(sb) as c:
        rows = (await c.get("/invoices")).json()["invoices"]
        assert rows and all("ticket_id" not in r and "line_items" not in r for r in rows)
        # The per-invoice read and the ticket_id filter still answer the question.
        by_ticket = (await c.get("/invoices", params={"ticket_id": sb.ticket_id(32162)})).json()["invoices"]
        assert [r["id"] for r in by_ticket] == [1649572808]
        detail = (await c.get("/invoices/1649572808")).json()["invoice"]
        assert detail["ticket_id"] == sb.ticket_id(32162) and detail["line_items"]


async def test_prepaid_customer_and_make_invoice_debits_hours(sb: Sandbox, client: httpx.AsyncClient) -> None:
    cust = (await client.get(f"/customers/{PREPAID_CUSTOMER_ID}")).json()["customer"]
    assert cust["business_name"] == "Sonoran Veterinary Clinic" and cust["prepay_hours"] == "10.0"
    others = (await client.get("/customers", params={"query": "Len's"})).json()["customers"]
    assert "prepay_hours" not in others[0]  # only customers with a block carry it
    t = (await client.post("/tickets", json={"customer_id": PREPAID_CUSTOMER_ID, "subject": "Emergency"})).json()
    tid = t["ticket"]["id"]
    # The account's policy for prepaid emergencies: onsite product at quantity × 1.5.
    line = {"name": "Labor - Onsite Business", "description": "Emergency onsite (1.5x)", "product_id": 26118,
            "quantity": 1.5, "price_retail": 150, "taxable": False}  # fmt: skip
    assert (await client.post(f"/tickets/{tid}/add_line_item", json=line)).status_code == 200
    inv = (await client.post("/invoices", json={"ticket_id": tid, "customer_id": PREPAID_CUSTOMER_ID})).json()
    assert inv["invoice"]["total"] == "225.0"
    after = (await client.get(f"/customers/{PREPAID_CUSTOMER_ID}")).json()["customer"]
    assert Decimal(after["prepay_hours"]) == Decimal("8.5")  # debited by quantity, not dollars
    await client.delete(f"/invoices/{inv['invoice']['id']}")
    back = (await client.get(f"/customers/{PREPAID_CUSTOMER_ID}")).json()["customer"]
    assert back["prepay_hours"] == "10.0"
    r = await client.put(f"/customers/{PREPAID_CUSTOMER_ID}", json={"prepay_hours": 20})
    assert r.json()["customer"]["prepay_hours"] == "20.0"


async def test_invoice_email_is_recorded_not_sent(sb: Sandbox, client: httpx.AsyncClient) -> None:
    r = await client.post("/invoices/1649572808/email")
    assert r.status_code == 200 and r.json() == {"message": "Invoice email sent"}
    (sent,) = sb.state.invoice_emails.values()
    assert sent["invoice_id"] == 1649572808 and sent["to"] == ["len@lensauto.example"]
    assert sent["user_id"] == sb.me_user_id
    assert (await client.post("/invoices/1/email")).status_code == 404
    assert len(sb.state.invoice_emails) == 1
