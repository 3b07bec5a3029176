"""What has not been billed yet (issue 15): ``unbilled_work``.

Candidates are the tickets holding billable time not yet charged, created since ``since``
(``GET /ticket_timers`` walks every page from there), and every ticket neither closed nor invoiced
(parts sit only in a ticket's detail: an open ticket with a part and no time is unbilled too).
Each candidate's detail is read once (its time, its line items, its customer); a ticket already
invoiced (status Invoiced) is skipped, since its time and line items (parts, charged time) were
pulled onto the invoice; on a Closed one, time an invoice carries while Syncro still shows it
uncharged, and lines on an invoice, are not unbilled (``tools/billed.py``). Uncharged time is
priced at its labor product's catalogue price (``GET /products/{id}``, once per product); line
items at their own.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.models import Product, Ticket, TicketLineItem, TicketSummary, TicketTimer

from . import formatting as fmt
from .billed import Billed, billed_on, billed_status, uncharged
from .declare import Args, ReadTool, Toolset
from .links import at, web_base
from .mapping import INVOICED_STATUSES, timer_minutes
from .models import UnbilledCustomer, UnbilledTicket, UnbilledWork
from .periods import check_day, midnight
from .runtime import Runtime
from .timesheet import account_zone

DEFAULT_DAYS = 90
CENT = Decimal("0.01")
NOT_CLOSED = "Not Closed"
LIST_PAGES = 20
SETTLED = INVOICED_STATUSES | {"closed"}
"""Statuses whose line items are not looked for (closed or invoiced: done with)."""


class UnbilledArgs(Args):
    customer: Annotated[str | None, Field(max_length=200)] = None
    since: Annotated[date | None, Field(description=f"Default: {DEFAULT_DAYS} days ago.")] = None


def _unbilled_timers(t: Ticket, billed: Billed) -> list[TicketTimer]:
    return [tm for tm in t.ticket_timers if uncharged(tm, billed)]


def _open_lines(t: Ticket, billed: Billed) -> list[TicketLineItem]:
    """Ticket lines not on an invoice (tools/billed.py; ``converted`` taken as invoiced)."""
    return [li for li in t.line_items if not li.converted and li.id not in billed.lines]


async def _products(rt: Runtime, ids: set[int]) -> dict[int, Product]:
    found = await asyncio.gather(*(rt.client.get_product(i) for i in sorted(ids)))
    return {p.id: p for p in found}


def _ticket(t: Ticket, billed: Billed, products: dict[int, Product], base: str | None) -> UnbilledTicket:
    timers = _unbilled_timers(t, billed)
    amount = Decimal(0)
    for tm in timers:
        price = products[tm.product_id].price_retail if tm.product_id in products else None
        amount += (Decimal(timer_minutes(tm)) / 60 * (price or 0)).quantize(CENT)
    parts = sum((Decimal(li.quantity or 0) * (li.price_retail or 0) for li in _open_lines(t, billed)), Decimal(0))
    starts = [tm.start_time for tm in timers if tm.start_time]
    return UnbilledTicket(
        number=t.number or 0, subject=t.subject or "", status=t.status or "",
        oldest=min(starts) if starts else t.created_at, minutes=sum(timer_minutes(tm) for tm in timers),
        time_amount=amount, lines_amount=parts.quantize(CENT), url=at(base, "tickets", t.id),
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


async def _candidate_ids(rt: Runtime, since: datetime, customer_id: int | None) -> tuple[set[int], bool]:
    """Tickets with uncharged time since ``since``, and every ticket that may hold uninvoiced parts
    (not closed, not invoiced: only a ticket's detail lists its line items)."""
    walk = await rt.client.timers_created_after(since)
    timed = {t.ticket_id for t in walk.timers if t.ticket_id and t.billable is not False and not t.recorded}
    if customer_id is None:  # "Not Closed" may or may not hold Resolved: ask for both
        lists = await asyncio.gather(*(rt.client.walk_tickets(status=s, max_pages=LIST_PAGES)
                                       for s in (NOT_CLOSED, "Resolved")))
        ids = timed | {t.id for tickets, _ in lists for t in tickets if _may_hold_parts(t)}
        return ids, walk.complete and all(read for _, read in lists)
    theirs, read = await rt.client.walk_tickets(customer_id=customer_id, max_pages=LIST_PAGES)
    return {t.id for t in theirs if t.id in timed or _may_hold_parts(t)}, walk.complete and read


def _may_hold_parts(t: TicketSummary) -> bool:
    return (t.status or "").casefold() not in SETTLED


async def _candidates(
    rt: Runtime, since: datetime, customer_id: int | None
) -> tuple[list[tuple[Ticket, Billed]], bool]:
    ids, complete = await _candidate_ids(rt, since, customer_id)
    details = await asyncio.gather(*(rt.client.get_ticket(i) for i in sorted(ids)))
    keep = [
        d for d in details
        if (customer_id is None or d.customer_id == customer_id) and (d.status or "").lower() not in INVOICED_STATUSES
    ]
    # A charged timer is not unbilled time and a converted line is left out without a read: the
    # invoices are read only where the status says billed (time an invoice carries uncharged).
    billed = await asyncio.gather(*(billed_on(rt.client, d, sign=billed_status) for d in keep))
    pairs = [(d, b) for d, b in zip(keep, billed, strict=True) if _unbilled_timers(d, b) or _open_lines(d, b)]
    return pairs, complete


async def unbilled_work(rt: Runtime, a: UnbilledArgs) -> tuple[UnbilledWork, str]:
    """Uncharged time and parts by customer, oldest first."""
    zone = account_zone(rt)
    first = check_day(a.since) if a.since else rt.now().astimezone(zone).date() - timedelta(days=DEFAULT_DAYS)
    customer_id = (await rt.resolver.customer(a.customer)).id if a.customer else None
    tickets, complete = await _candidates(rt, midnight(first, zone), customer_id)
    pids = {tm.product_id for t, b in tickets for tm in _unbilled_timers(t, b) if tm.product_id}
    products = await _products(rt, pids)
    base = web_base(rt.settings)
    rows = [(t.customer_business_then_name or "no customer", _ticket(t, b, products, base)) for t, b in tickets]
    groups = _group(rows)
    result = UnbilledWork(
        since=first, customers=groups, minutes=sum(g.minutes for g in groups),
        amount=sum((g.amount for g in groups), Decimal(0)), complete=complete,
    )
    return result, fmt.unbilled_work(result)


UNBILLED_WORK = ReadTool(
    "unbilled_work", Toolset.BILLING, "Unbilled work", UnbilledArgs, UnbilledWork, unbilled_work,
    untrusted="customers[].tickets[].subject",
)

TOOLS = (UNBILLED_WORK,)
