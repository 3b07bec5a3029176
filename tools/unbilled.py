"""What has not been billed yet (issue 15): ``unbilled_work``.

Candidates are the tickets holding billable time not yet charged, created since ``since``
(``GET /ticket_timers`` walks every page from there), and the Resolved tickets (work done,
waiting for its invoice). Each candidate's detail is read once (its time, its line items, its
customer); a ticket already invoiced (status Invoiced) is skipped, since its time and line items
(parts, charged time) were pulled onto the invoice. Uncharged time is priced at its labor
product's catalogue price (``GET /products/{id}``, once per product); line items at their own.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.models import Product, Ticket, TicketTimer

from . import formatting as fmt
from .declare import Args, ReadTool, Toolset
from .mapping import INVOICED_STATUSES, timer_minutes
from .models import UnbilledCustomer, UnbilledTicket, UnbilledWork
from .periods import check_day, midnight
from .runtime import Runtime
from .timesheet import account_zone

DEFAULT_DAYS = 90
CENT = Decimal("0.01")


class UnbilledArgs(Args):
    customer: Annotated[str | None, Field(max_length=200)] = None
    since: Annotated[date | None, Field(description=f"Default: {DEFAULT_DAYS} days ago.")] = None


def _unbilled_timers(t: Ticket) -> list[TicketTimer]:
    return [tm for tm in t.ticket_timers if tm.billable is not False and not tm.recorded]


async def _products(rt: Runtime, ids: set[int]) -> dict[int, Product]:
    found = await asyncio.gather(*(rt.client.get_product(i) for i in sorted(ids)))
    return {p.id: p for p in found}


def _ticket(t: Ticket, products: dict[int, Product]) -> UnbilledTicket:
    timers = _unbilled_timers(t)
    amount = Decimal(0)
    for tm in timers:
        price = products[tm.product_id].price_retail if tm.product_id in products else None
        amount += (Decimal(timer_minutes(tm)) / 60 * (price or 0)).quantize(CENT)
    parts = sum((Decimal(li.quantity or 0) * (li.price_retail or 0) for li in t.line_items), Decimal(0))
    starts = [tm.start_time for tm in timers if tm.start_time]
    return UnbilledTicket(
        number=t.number or 0, subject=t.subject or "", status=t.status or "",
        oldest=min(starts) if starts else t.created_at, minutes=sum(timer_minutes(tm) for tm in timers),
        time_amount=amount, lines_amount=parts.quantize(CENT),
    )


def _oldest(row: tuple[str, UnbilledTicket]) -> float:
    oldest = row[1].oldest
    return oldest.timestamp() if oldest else float("inf")


def _group(rows: list[tuple[str, UnbilledTicket]]) -> list[UnbilledCustomer]:
    groups: dict[str, list[UnbilledTicket]] = {}
    for customer, row in sorted(rows, key=_oldest):
        groups.setdefault(customer, []).append(row)
    return [
        UnbilledCustomer(customer=c, tickets=ts, minutes=sum(t.minutes for t in ts),
                         amount=sum((t.time_amount + t.lines_amount for t in ts), Decimal(0)))
        for c, ts in groups.items()
    ]


async def _candidates(rt: Runtime, since: datetime, customer_id: int | None) -> tuple[list[Ticket], bool]:
    walk = await rt.client.timers_created_after(since)
    ids = {t.ticket_id for t in walk.timers if t.ticket_id and t.billable is not False and not t.recorded}
    if customer_id is None:
        ids |= {t.id for t in await rt.client.iter_tickets(status="Resolved")}
    else:  # the customer's tickets (one list) instead of every candidate's detail
        theirs = await rt.client.iter_tickets(customer_id=customer_id)
        ids = {t.id for t in theirs if t.id in ids or t.status == "Resolved"}
    details = await asyncio.gather(*(rt.client.get_ticket(i) for i in sorted(ids)))
    keep = [
        d for d in details
        if (customer_id is None or d.customer_id == customer_id)
        and (d.status or "").lower() not in INVOICED_STATUSES and (_unbilled_timers(d) or d.line_items)
    ]
    return keep, walk.complete


async def unbilled_work(rt: Runtime, a: UnbilledArgs) -> tuple[UnbilledWork, str]:
    """Uncharged time and parts by customer, oldest first."""
    zone = account_zone(rt)
    first = check_day(a.since) if a.since else rt.now().astimezone(zone).date() - timedelta(days=DEFAULT_DAYS)
    customer_id = (await rt.resolver.customer(a.customer)).id if a.customer else None
    tickets, complete = await _candidates(rt, midnight(first, zone), customer_id)
    products = await _products(rt, {tm.product_id for t in tickets for tm in _unbilled_timers(t) if tm.product_id})
    groups = _group([(t.customer_business_then_name or "no customer", _ticket(t, products)) for t in tickets])
    result = UnbilledWork(
        since=first, customers=groups, minutes=sum(g.minutes for g in groups),
        amount=sum((g.amount for g in groups), Decimal(0)), complete=complete,
    )
    return result, fmt.unbilled_work(result)


UNBILLED_WORK = ReadTool("unbilled_work", Toolset.BILLING, "Unbilled work", UnbilledArgs, UnbilledWork, unbilled_work)

TOOLS = (UNBILLED_WORK,)
