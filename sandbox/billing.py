"""Billing mechanics shared by the seed and the endpoints: charging timers, making invoices.

Real Syncro bills labour in two steps (timer_entry, then charge_timer_entry turns it into a
ticket line item); "Make Invoice" (POST /invoices with ticket_id) pulls the ticket's
uninvoiced charges onto the invoice. Whether the API's POST /invoices also copies uncharged
timers is unconfirmed, so that is a switch (``copy_timers``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from . import account, views
from .money import dec_str, money, to_decimal
from .records import new_invoice, new_invoice_line_item, new_ticket_line_item
from .state import Record, SandboxState
from .timefmt import account_tz, fmt

HOUR = Decimal(3600)


def timer_hours(t: Record, product: Record | None = None, *, rounding: bool = False) -> Decimal:
    """Billed quantity for a timer: hours to two places (a 90-minute entry is 1.5).

    With ``rounding``, a product's ``_round_minutes`` rounds the time **up** to that increment
    first (a 50-minute entry on a 15-minute product bills 1.0). Where Syncro keeps labour
    rounding is not documented; the sandbox models it per product (``Sandbox(labor_rounding=True)``).
    """
    seconds = int(t.get("active_duration") or 0)
    step = int((product or {}).get("_round_minutes") or 0) * 60 if rounding else 0
    if step > 0 and seconds > 0:
        seconds = -(-seconds // step) * step
    return money(Decimal(seconds) / HOUR)


def next_position(records: list[Record]) -> int:
    return max((r.get("position") or 0 for r in records), default=0) + 1


def charge_timer(
    st: SandboxState, t: Record, *, now: datetime, default_product: bool = False, rounding: bool = False
) -> Record:
    """Turn a timer into a ticket line item. Charging twice duplicates the line (as in reality).

    ``default_product``: the line takes the account's default labour product whatever the
    timer's product is (docs/syncro-facts.md#field-reports: real charge_timer_entry ignores the timer's ``product_id``);
    the timer itself keeps its product_id. Off by default (the line follows the timer).
    """
    product_id = account.DEFAULT_LABOR_PRODUCT_ID if default_product else t.get("product_id")
    product = st.products.get(product_id) if product_id else None
    siblings = st.children("ticket_line_items", "ticket_id", t["ticket_id"])
    line = new_ticket_line_item(
        ticket_id=t["ticket_id"],
        user_id=t.get("user_id"),
        product_id=product_id,
        name=product["name"] if product else "Labor",
        description=t.get("notes") or (product["description"] if product else "Labor"),
        quantity=timer_hours(t, product, rounding=rounding),
        price_cost=to_decimal(product["price_cost"]) if product else None,
        price_retail=to_decimal(product["price_retail"]) if product else Decimal(0),
        taxable=bool(product["taxable"]) if product else False,
        upc_code=None,
        product_category=product.get("product_category") if product else None,
        position=next_position(siblings),
        at=now,
    )
    st.insert("ticket_line_items", line)
    t["recorded"] = True
    t["ticket_line_item_id"] = line["id"]
    t["updated_at"] = fmt(now)
    return t


def add_invoice_line(
    st: SandboxState,
    inv: Record,
    *,
    item: str | None,
    name: str | None,
    price: Decimal,
    quantity: Decimal,
    cost: Decimal = Decimal(0),
    product_id: int | None = None,
    taxable: bool = False,
    now: datetime,
) -> Record:
    siblings = st.children("invoice_line_items", "invoice_id", inv["id"])
    li = new_invoice_line_item(
        invoice_id=inv["id"],
        item=item,
        name=name,
        cost=cost,
        price=price,
        quantity=quantity,
        product_id=product_id,
        taxable=taxable,
        position=next_position(siblings),
        at=now,
    )
    st.insert("invoice_line_items", li)
    views.recalculate_invoice(st, inv)
    inv["updated_at"] = fmt(now)
    return li


def add_product_line(
    st: SandboxState, inv: Record, product: Record, quantity: Decimal, *, now: datetime, name: str | None = None
) -> Record:
    """Invoice lines fill item/name/price/cost/taxable from the catalogue (ticket lines don't)."""
    return add_invoice_line(
        st,
        inv,
        item=product["name"],
        name=name or product.get("description") or product["name"],
        price=to_decimal(product["price_retail"], Decimal(0)) or Decimal(0),
        cost=to_decimal(product["price_cost"], Decimal(0)) or Decimal(0),
        quantity=quantity,
        product_id=product["id"],
        taxable=bool(product.get("taxable")),
        now=now,
    )


def create_invoice(
    st: SandboxState,
    fields: dict[str, Any],
    *,
    customer_id: int,
    ticket: Record | None,
    user_id: int | None,
    now: datetime,
    copy_timers: bool,
    rounding: bool = False,
    date: datetime | None = None,
    number: str | None = None,
    id: int | None = None,
) -> Record:
    """Create an invoice; with a ticket, copy its not-yet-invoiced charges onto it.

    Copied: ticket line items not yet on an invoice, and (when ``copy_timers``) billable timers
    that are neither charged (they already have a line item) nor invoiced: Make Invoice charges
    them first (``recorded: true``, ``ticket_line_item_id``), so any reader sees them charged.
    Everything copied is marked with the invoice id (and ``converted``) so a second invoice does
    not copy it again.
    """
    day = (date or now).astimezone(account_tz()).replace(hour=0, minute=0, second=0, microsecond=0)
    inv = new_invoice(
        number=number or st.take_invoice_number(),
        customer_id=customer_id,
        ticket_id=ticket["id"] if ticket else None,
        date=day,
        due_date=day + timedelta(days=15),
        user_id=user_id,
        at=now,
        fields=fields,
    )
    st.insert("invoices", inv, id=id)
    if ticket is not None:
        if copy_timers:  # Make Invoice charges the uncharged timers first: each becomes a ticket line
            timers = sorted(st.children("timers", "ticket_id", ticket["id"]), key=lambda r: (r["start_time"], r["id"]))
            for t in timers:
                if t.get("billable") and not t.get("recorded") and not t.get("_invoice_id") and t.get("product_id") \
                        and st.products.get(t["product_id"]) is not None:
                    charge_timer(st, t, now=now, rounding=rounding)
                    t["_invoice_id"] = inv["id"]
        lines = sorted(st.children("ticket_line_items", "ticket_id", ticket["id"]), key=lambda r: r["position"])
        for line in lines:
            if not line.get("_invoice_id"):
                copy_ticket_line(st, inv, line, now=now)
        debit_prepaid(st, inv)
    views.recalculate_invoice(st, inv)
    inv["updated_at"] = fmt(now)
    return inv


def copy_ticket_line(st: SandboxState, inv: Record, line: Record, *, now: datetime) -> Record:
    """A ticket line onto the invoice; the ticket line reads ``converted: true`` from then on
    (docs/syncro-facts.md#ticket-line-items: the meaning of ``converted`` is our reading, **L**)."""
    li = add_invoice_line(
        st,
        inv,
        item=line["name"],
        name=line["description"],
        price=Decimal(line["retail_cents"] or 0) / 100,
        cost=Decimal(line["cost_cents"] or 0) / 100,
        quantity=Decimal(line["quantity"]),
        product_id=line.get("product_id"),
        taxable=bool(line.get("taxable")),
        now=now,
    )
    line["_invoice_id"] = inv["id"]
    line["converted"] = True
    return li


def labor_quantity(st: SandboxState, inv: Record) -> Decimal:
    """Hours on an invoice's labour lines (lines whose product is in a "Labor" category)."""
    total = Decimal(0)
    for li in st.children("invoice_line_items", "invoice_id", inv["id"]):
        product = st.products.get(li.get("product_id")) if li.get("product_id") else None
        if product is not None and str(product.get("product_category") or "").startswith("Labor"):
            total += to_decimal(li.get("quantity"), Decimal(0)) or Decimal(0)
    return total


def debit_prepaid(st: SandboxState, inv: Record) -> None:
    """Make Invoice draws a prepaid customer's block down by the labour **quantity**, not dollars
    (docs/syncro-facts.md#field-reports), never below zero; the invoice remembers the hours so a delete gives them back.
    Unverified beyond that account's report: only customers with ``prepay_hours`` are touched,
    prices are left as they are."""
    cust = st.customers.get(inv["customer_id"])
    if cust is None or cust.get("prepay_hours") in (None, ""):
        return
    block = to_decimal(cust["prepay_hours"], Decimal(0)) or Decimal(0)
    used = min(block, labor_quantity(st, inv))
    if used > 0:
        cust["prepay_hours"] = dec_str(block - used)
        inv["_prepay_debited"] = dec_str(used)


def release_invoice(st: SandboxState, inv: Record) -> None:
    """Deleting an invoice frees the ticket charges it had copied, and drops its lines."""
    cust = st.customers.get(inv["customer_id"])
    if inv.get("_prepay_debited") and cust is not None and cust.get("prepay_hours") is not None:
        back = to_decimal(inv["_prepay_debited"], Decimal(0)) or Decimal(0)
        cust["prepay_hours"] = dec_str((to_decimal(cust["prepay_hours"], Decimal(0)) or Decimal(0)) + back)
    for table in ("timers", "ticket_line_items"):
        for rec in st.tables[table].values():
            if rec.get("_invoice_id") == inv["id"]:
                rec["_invoice_id"] = None
                if "converted" in rec:
                    rec["converted"] = False
    for li in st.children("invoice_line_items", "invoice_id", inv["id"]):
        del st.invoice_line_items[li["id"]]
    del st.invoices[inv["id"]]
