"""What we know about a customer (issue 15): ``customer_history``.

One customer read (contacts embedded), its ticket list (every status, every page: open and
recently closed split here), the newest invoices (Syncro's ``/invoices`` has no customer filter:
pages are read, newest first, until five of this customer's are found or the list ends), and this
month's timers on the customer's tickets. A walk cut by its bound sets ``complete`` false and the
text says what was not read: nothing is cut silently.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.models import Invoice

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
INVOICE_PAGES = 8  # 200 invoices of the whole account (25 a page), newest first
TICKET_PAGES = 20  # 500 tickets of this customer


class CustomerHistoryArgs(Args):
    customer: Annotated[str, Field(min_length=1, max_length=200)]


async def _invoices(rt: Runtime, customer_id: int) -> tuple[list[Invoice], bool]:
    """This customer's newest invoices; False when the page bound stopped the walk short of five."""
    found: list[Invoice] = []
    for page_no in range(1, INVOICE_PAGES + 1):
        page = await rt.client.list_invoices(page=page_no)
        found += [i for i in page.items if i.customer_id == customer_id]
        if len(found) >= RECENT or not page.has_more:
            break
    else:
        return _newest(found), False
    return _newest(found), True


def _newest(invoices: list[Invoice]) -> list[Invoice]:
    return sorted(invoices, key=lambda i: (str(i.date or ""), i.id), reverse=True)[:RECENT]


async def _month_minutes(rt: Runtime, ticket_ids: set[int]) -> tuple[int, bool]:
    zone = account_zone(rt)
    today = rt.now().astimezone(zone).date()
    start = midnight(date(today.year, today.month, 1), zone)
    walk = await rt.client.timers_created_after(start)
    minutes = sum(mapping.timer_minutes(t) for t in walk.timers
                  if t.ticket_id in ticket_ids and t.start_time is not None and t.start_time >= start)
    return minutes, walk.complete


async def customer_history(rt: Runtime, a: CustomerHistoryArgs) -> tuple[CustomerHistory, str]:
    """Contacts, prepaid hours, open/recent tickets, recent invoices, time this month."""
    c = await rt.resolver.customer(a.customer)
    contacts = c.contacts or await rt.client.list_contacts(c.id)
    tickets, tickets_read = await rt.client.walk_tickets(customer_id=c.id, max_pages=TICKET_PAGES)
    invoices, invoices_read = await _invoices(rt, c.id)
    month_minutes, timers_read = await _month_minutes(rt, {t.id for t in tickets})
    unread = [what for what, read in (("tickets", tickets_read), ("invoices", invoices_read),
                                      ("timers", timers_read)) if not read]
    closed = [t for t in tickets if (t.status or "").casefold() in CLOSED]
    still_open = [t for t in tickets if (t.status or "").casefold() not in CLOSED]
    base = web_base(rt.settings)
    result = CustomerHistory(
        customer=mapping.customer_row(c), prepaid_hours=c.prepay_hours,
        contacts=[mapping.contact_row(x) for x in contacts],
        open_tickets=[mapping.ticket_row(t, base) for t in sort_tickets(still_open)],
        recent_closed=[mapping.ticket_row(t, base) for t in sorted(closed, key=lambda t: -(t.number or 0))[:RECENT]],
        recent_invoices=[mapping.invoice_row(i, base) for i in invoices],
        month_minutes=month_minutes,
        url=link(rt.settings, "customers", c.id),
        complete=not unread, unread=unread or None,
    )
    return result, fmt.customer_history(result)


CUSTOMER_HISTORY = ReadTool(
    "customer_history", Toolset.CUSTOMERS, "Customer history", CustomerHistoryArgs, CustomerHistory, customer_history,
    untrusted="open_tickets[].subject, recent_closed[].subject",
)

TOOLS = (CUSTOMER_HISTORY,)
