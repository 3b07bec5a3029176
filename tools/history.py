"""What we know about a customer (issue 15): ``customer_history``.

One customer read (contacts embedded), one ticket list (every status, newest first: open and
recently closed split here), the newest invoices (Syncro's ``/invoices`` has no customer filter:
its first pages are read and filtered), and this month's timers on the customer's tickets.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from . import formatting as fmt
from . import mapping
from .declare import Args, ReadTool, Toolset
from .links import link, web_base
from .models import CustomerHistory
from .periods import midnight
from .runtime import Runtime
from .tickets import sort_tickets
from .timesheet import account_zone

CLOSED = frozenset({"closed", "resolved", "invoiced"})
RECENT = 5
INVOICE_PAGES = 2


class CustomerHistoryArgs(Args):
    customer: Annotated[str, Field(min_length=1, max_length=200)]


async def _invoices(rt: Runtime, customer_id: int) -> list:
    found = []
    for page_no in range(1, INVOICE_PAGES + 1):
        page = await rt.client.list_invoices(page=page_no)
        found += [i for i in page.items if i.customer_id == customer_id]
        if not page.has_more:
            break
    return sorted(found, key=lambda i: (str(i.date or ""), i.id), reverse=True)[:RECENT]


async def _month_minutes(rt: Runtime, ticket_ids: set[int]) -> int:
    zone = account_zone(rt)
    today = rt.now().astimezone(zone).date()
    start = midnight(date(today.year, today.month, 1), zone)
    walk = await rt.client.timers_created_after(start)
    return sum(mapping.timer_minutes(t) for t in walk.timers
               if t.ticket_id in ticket_ids and t.start_time is not None and t.start_time >= start)


async def customer_history(rt: Runtime, a: CustomerHistoryArgs) -> tuple[CustomerHistory, str]:
    """Contacts, prepaid hours, open/recent tickets, recent invoices, time this month."""
    c = await rt.resolver.customer(a.customer)
    contacts = c.contacts or await rt.client.list_contacts(c.id)
    tickets = await rt.client.iter_tickets(customer_id=c.id)
    closed = [t for t in tickets if (t.status or "").casefold() in CLOSED]
    still_open = [t for t in tickets if (t.status or "").casefold() not in CLOSED]
    base = web_base(rt.settings)
    result = CustomerHistory(
        customer=mapping.customer_row(c), prepaid_hours=c.prepay_hours,
        contacts=[mapping.contact_row(x) for x in contacts],
        open_tickets=[mapping.ticket_row(t, base) for t in sort_tickets(still_open)],
        recent_closed=[mapping.ticket_row(t, base) for t in sorted(closed, key=lambda t: -(t.number or 0))[:RECENT]],
        recent_invoices=[mapping.invoice_row(i, base) for i in await _invoices(rt, c.id)],
        month_minutes=await _month_minutes(rt, {t.id for t in tickets}),
        url=link(rt.settings, "customers", c.id),
    )
    return result, fmt.customer_history(result)


CUSTOMER_HISTORY = ReadTool(
    "customer_history", Toolset.CUSTOMERS, "Customer history", CustomerHistoryArgs, CustomerHistory, customer_history,
    untrusted="open_tickets[].subject, recent_closed[].subject",
)

TOOLS = (CUSTOMER_HISTORY,)
