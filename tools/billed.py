"""Which time and ticket lines are on an invoice, read from Syncro (never from our journal), so time
billed by another server, another technician or Syncro's web UI never reads as uncharged.

Syncro's timer has no invoice field (docs/syncro-facts.md#billed-state). What it holds instead:

- a charged timer (``recorded``) sits on the ticket line ``ticket_line_item_id``;
- a ticket line is on an invoice when one of the ticket's invoices (``GET /invoices?ticket_id=``,
  then ``GET /invoices/{id}`` for its lines) carries a line of its product and quantity, made no
  earlier than the line; ``converted: true`` (**L**) alone only keeps it out of a bill's preview;
- an uncharged timer is on an invoice when an invoice made after it carries a line of its product
  and hours (or more: Syncro may round) that no ticket line accounts for (an account whose "Make
  Invoice" does not copy timers: bill_ticket then adds the line itself).

The invoices are read only for a ticket that shows a sign of billing (status Invoiced or Closed, a
charged timer, a converted line): otherwise nothing on it is invoiced and a view costs no read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import Invoice, InvoiceLineItem, Ticket, TicketTimer
from syncro_mcp.engine.steps import CLOCK_SLACK
from syncro_mcp.engine.writes import hours

from .mapping import timer_minutes

MAX_INVOICES = 5
"""The ticket's newest invoices read for their lines (a ticket rarely has more than one or two)."""
SIGN_STATUSES = frozenset({"invoiced", "closed"})
TOLERANCE = Decimal("0.01")

Pool = list[tuple[Invoice, InvoiceLineItem]]


@dataclass
class Billed:
    """What is on an invoice: timer id → invoice number, ticket line id → invoice number."""

    timers: dict[int, str] = field(default_factory=dict)
    lines: dict[int, str] = field(default_factory=dict)
    read: bool = False
    """Whether the ticket's invoices were read (a ticket with no sign of billing is not)."""
    invoices: list[Invoice] = field(default_factory=list)
    """The invoices read (with their lines)."""


def billed_status(detail: Ticket) -> bool:
    """The ticket's status says it was billed (Invoiced, Closed, billing status invoiced)."""
    return (detail.status or "").strip().lower() in SIGN_STATUSES \
        or (detail.billing_status or "").strip().lower() == "invoiced"


def shows_billing(detail: Ticket) -> bool:
    """A sign that something on the ticket may be on an invoice (else no invoice read is needed)."""
    return billed_status(detail) or any(t.recorded for t in detail.ticket_timers) \
        or any(li.converted for li in detail.line_items)


def uncharged(t: TicketTimer, billed: Billed) -> bool:
    """Billable time not charged and on no invoice: what a bill's "Make Invoice" would sweep in."""
    return t.billable is not False and not t.recorded and t.id not in billed.timers


async def billed_on(
    client: SyncroClient, detail: Ticket, *, force: bool = False, sign: Callable[[Ticket], bool] = shows_billing
) -> Billed:
    """The ticket's invoiced timers and lines, read when ``sign`` holds (``force``: always)."""
    if not (force or sign(detail)):
        return Billed()
    listed = (await client.list_invoices(ticket_id=detail.id)).items
    mine = sorted((i for i in listed if i.ticket_id in (None, detail.id)), key=_made)[-MAX_INVOICES:]
    invoices = await asyncio.gather(*(client.get_invoice(i.id) for i in mine))
    out = match(detail, list(invoices))
    out.read, out.invoices = True, list(invoices)
    return out


def _made(inv: Invoice) -> tuple[float, int]:
    return (inv.created_at.timestamp() if inv.created_at else 0.0, inv.id)


def _take(pool: Pool, product_id: int | None, ok: Callable[[InvoiceLineItem], bool],
          after: datetime | None) -> Invoice | None:
    """The oldest invoice line of ``product_id`` that ``ok`` accepts, on an invoice made no earlier
    than ``after``; taken out of the pool so that no two records claim one line."""
    for inv, li in pool:
        made_after = after is None or inv.created_at is None or inv.created_at >= after - CLOCK_SLACK
        if li.product_id == product_id and made_after and ok(li):
            pool.remove((inv, li))
            return inv
    return None


def _line_fits(qty: Decimal, price: Decimal | None, exact_price: bool, li: InvoiceLineItem) -> bool:
    return _near(li.quantity, qty) and (not exact_price or li.price == price)


def _time_fits(want: Decimal, exact: bool, li: InvoiceLineItem) -> bool:
    """The timer's hours (±0.01), or (not ``exact``) at least them: a line Syncro rounded up."""
    if exact:
        return _near(li.quantity, want)
    return li.quantity is not None and li.quantity >= want - TOLERANCE


def _near(qty: Decimal | None, want: Decimal) -> bool:
    return qty is not None and abs(qty - want) <= TOLERANCE


def match(detail: Ticket, invoices: list[Invoice]) -> Billed:
    """Match the ticket's lines, then its charged timers, then its uncharged timers, to invoice lines."""
    pool: Pool = [(inv, li) for inv in sorted(invoices, key=_made) for li in inv.line_items]
    out = Billed()
    lines = sorted(detail.line_items, key=lambda li: (li.position or 0, li.id))
    for exact_price in (True, False):  # a no-charge line was set to $0 on the invoice only
        for line in (li for li in lines if li.id not in out.lines):
            qty = line.quantity if line.quantity is not None else Decimal(1)
            fits = partial(_line_fits, qty, line.price_retail, exact_price)
            inv = _take(pool, line.product_id, fits, line.created_at)
            if inv is not None:
                out.lines[line.id] = str(inv.number or inv.id)
    for t in detail.ticket_timers:
        if t.recorded and t.ticket_line_item_id in out.lines:
            out.timers[t.id] = out.lines[t.ticket_line_item_id]
    loose = sorted((t for t in detail.ticket_timers if uncharged(t, out) and t.product_id is not None),
                   key=lambda t: (t.start_time.timestamp() if t.start_time else 0.0, t.id))
    for exact in (True, False):  # the exact hours first; then a line Syncro rounded up
        for t in (t for t in loose if t.id not in out.timers):
            inv = _take(pool, t.product_id, partial(_time_fits, hours(timer_minutes(t)), exact), t.created_at)
            if inv is not None:
                out.timers[t.id] = str(inv.number or inv.id)
    return out
