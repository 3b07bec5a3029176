"""Turn Syncro's models (client layer) into the tools' output models.

One place that knows both vocabularies: Syncro's field names on one side, the tech's words
on the other (``number``, ``customer``, ``minutes``, ``labor``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from syncro_mcp.client.models import (
    Comment,
    Contact,
    Customer,
    Invoice,
    InvoiceLineItem,
    Ticket,
    TicketSummary,
    TicketTimer,
)

from .formatting import UNTRUSTED, clip
from .links import at
from .models import (
    Billing,
    CommentRow,
    ContactRow,
    CustomerDetail,
    CustomerRow,
    InvoiceDetail,
    InvoiceLine,
    InvoiceRow,
    TicketDetail,
    TicketRow,
    TimeEntryRow,
)

INVOICED_STATUSES = frozenset({"invoiced"})
CUSTOMER_WIDTH = 26
"""A ticket row's customer is clipped as the seed's one-line format clips it."""
BODY_CHARS = 500
"""A comment body in the detail view is clipped as the seed's detail text clips it."""


def ticket_row(t: TicketSummary, base: str | None = None) -> TicketRow:
    """``base``: the web base (``links.web_base``) every row's link is built on."""
    customer = t.customer_business_then_name or (f"customer {t.customer_id}" if t.customer_id else "")
    return TicketRow(
        number=t.number or 0, status=t.status or "", customer=clip(customer, CUSTOMER_WIDTH), subject=t.subject or "",
        due=t.due_date.date() if t.due_date else None, url=at(base, "tickets", t.id),
    )


def comment_row(c: Comment) -> CommentRow:
    author = c.tech or (c.user.name if c.user else None)
    return CommentRow(
        created_at=c.created_at,
        subject=c.subject,
        body=clip((c.body or "").strip(), BODY_CHARS),
        hidden=bool(c.hidden),
        author=author,
    )


def timer_minutes(t: TicketTimer) -> int:
    """Minutes of a time entry: ``active_duration`` is seconds; else end − start."""
    if t.active_duration is not None:
        return round(t.active_duration / 60)
    if t.start_time and t.end_time:
        return max(0, round((t.end_time - t.start_time).total_seconds() / 60))
    return 0


def time_entry_row(
    t: TicketTimer, product_names: Mapping[int, str], billed: Mapping[int, str] | None = None
) -> TimeEntryRow:
    """``billed``: timer id → invoice, for time a bill put on an invoice (Syncro's timer does not say)."""
    labor = product_names.get(t.product_id) if t.product_id is not None else None
    invoice = (billed or {}).get(t.id)
    return TimeEntryRow(
        id=t.id,
        start=t.start_time,
        minutes=timer_minutes(t),
        labor=labor,
        product_id=None if labor else t.product_id,
        billable=t.billable is not False,
        charged=bool(t.recorded) or invoice is not None,
        invoice=invoice,
        notes=t.notes,
    )


def billing(t: Ticket, entries: list[TimeEntryRow]) -> Billing:
    billable = [e for e in entries if e.billable]
    return Billing(
        billable_minutes=sum(e.minutes for e in billable),
        uncharged_minutes=sum(e.minutes for e in billable if not e.charged),
        line_items=len(t.line_items),
        invoiced=(t.status or "").lower() in INVOICED_STATUSES
        or (t.billing_status or "").lower() == "invoiced",
    )


def ticket_detail(
    t: Ticket, product_names: Mapping[int, str], comments: list[Comment] | None = None, shown: int | None = 5,
    billed: Mapping[int, str] | None = None,
) -> TicketDetail:
    """Detail view. Comments are newest first, last 5 (the seed's rule; ``shown=None``: all)."""
    thread = sorted(comments if comments is not None else t.comments, key=_comment_key, reverse=True)
    entries = [time_entry_row(x, product_names, billed) for x in t.ticket_timers]
    contact = t.contact.name if t.contact else t.contact_fullname
    return TicketDetail(
        untrusted="subject, comments[].body: " + UNTRUSTED,
        number=t.number or 0,
        subject=t.subject or "",
        status=t.status or "",
        priority=t.priority or None,
        problem_type=t.problem_type or None,
        customer=t.customer_business_then_name or (t.customer.display_name if t.customer else ""),
        customer_id=t.customer_id,
        contact=contact or None,
        created_at=t.created_at,
        due_date=t.due_date,
        updated_at=t.updated_at,
        assignee=t.user.name if t.user else None,
        comments=[comment_row(c) for c in thread[:shown]],
        comment_count=len(thread),
        time_entries=entries,
        billing=billing(t, entries),
    )


def _comment_key(c: Comment) -> tuple[float, int]:
    return (c.created_at.timestamp() if c.created_at else 0.0, c.id)


def customer_row(c: Customer, base: str | None = None) -> CustomerRow:
    return CustomerRow(id=c.id, name=c.display_name, email=c.email or None, phone=c.phone or c.mobile or None,
                       url=at(base, "customers", c.id))


def contact_row(c: Contact) -> ContactRow:
    return ContactRow(
        id=c.id, name=c.name or f"contact {c.id}", email=c.email or None, phone=c.phone or c.mobile or None
    )


def customer_detail(
    c: Customer, contacts: list[Contact], open_tickets: list[TicketSummary], base: str | None = None
) -> CustomerDetail:
    address = ", ".join(p for p in (c.address, c.address_2, c.city, c.state, c.zip) if p) or None
    return CustomerDetail(
        **customer_row(c, base).model_dump(),
        business_name=c.business_name or None,
        address=address,
        notes=c.notes or None,
        contacts=[contact_row(x) for x in contacts],
        open_tickets=[ticket_row(t, base) for t in open_tickets],
    )


def invoice_row(i: Invoice, base: str | None = None) -> InvoiceRow:
    paid = i.is_paid if i.is_paid is not None else (bool(i.verified_paid or i.tech_marked_paid) or None)
    return InvoiceRow(
        id=i.id,
        number=i.number,
        customer=i.customer_business_then_name or (i.customer.display_name if i.customer else None),
        date=i.date.date() if isinstance(i.date, datetime) else i.date,  # the day, as the text shows it
        total=i.total,
        paid=paid,
        ticket_id=i.ticket_id,
        url=at(base, "invoices", i.id),
    )


def invoice_line(li: InvoiceLineItem) -> InvoiceLine:
    return InvoiceLine(
        id=li.id, item=li.item, name=li.name, product_id=li.product_id, quantity=li.quantity, price=li.price
    )


def invoice_detail(i: Invoice, base: str | None = None) -> InvoiceDetail:
    return InvoiceDetail(
        **invoice_row(i, base).model_dump(),
        subtotal=i.subtotal,
        tax=i.tax,
        lines=[invoice_line(li) for li in i.line_items],
    )
