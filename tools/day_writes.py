"""The technician's-day writes: email an invoice, schedule or move an appointment, a ticket from
an RMM alert. Each is confirmed and journaled; the steps are ``engine.day_writes``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from syncro_mcp.engine.day_writes import EmailInvoiceStep
from syncro_mcp.engine.plans import Job
from syncro_mcp.engine.runner import resume_note

from . import formatting as fmt
from .declare import Progress, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .invoices import InvoiceRef, load_invoice
from .models import WriteResult
from .runtime import Runtime

NO_TICKET = 0
"""The journal key of a write that belongs to no ticket (yet)."""

Start = Annotated[datetime, Field(description="Start, ISO date-time (account time if no offset).")]
Length = Annotated[int, Field(ge=5, le=24 * 60, description="Length in minutes; ask.")]
RecordId = Annotated[int, Field(ge=1)]


@dataclass
class DayPlan:
    preview: str
    job: Job
    facts: dict[str, Any] = field(default_factory=dict)


def aware(rt: Runtime, when: datetime) -> datetime:
    """A naive time is the account's local time."""
    return when if when.tzinfo else when.replace(tzinfo=rt.now().tzinfo)


async def done(rt: Runtime, plan: DayPlan, progress: Progress | None, message: str, **extra: Any) -> WriteResult:
    report, entry = await rt.engine.run(plan.job, progress)
    results = {k: v for r in report.results.values() for k, v in r.items()}
    return WriteResult(
        status="done", message=message.format(**results, **plan.facts), steps=report.lines, journal_entry=entry.id,
        **{k: (results.get(v) if isinstance(v, str) else v) for k, v in extra.items()},
    )


# -- email_invoice ---------------------------------------------------------------------------------
class EmailInvoiceArgs(WriteArgs):
    invoice: InvoiceRef


async def plan_email_invoice(rt: Runtime, a: EmailInvoiceArgs) -> DayPlan:
    inv = await load_invoice(rt, a.invoice)
    if inv.customer_id is None:
        raise InputError(f"Invoice #{inv.number or inv.id} has no customer; there is nobody to email.")
    cust = await rt.client.get_customer(inv.customer_id)
    to = [x for x in (cust.email, cust.invoice_cc_emails) if x]
    if not to:
        raise InputError(
            f"{cust.business_then_name or 'The customer'} has no email address in Syncro, so the invoice cannot be "
            "emailed. Add one in Syncro first."
        )
    number = (await rt.client.get_ticket(inv.ticket_id)).number if inv.ticket_id else NO_TICKET
    label = f"#{inv.number or inv.id}"
    resume = rt.engine.check("email_invoice", number, a.journal_key())
    job = Job("email_invoice", number, a.journal_key(), [EmailInvoiceStep(rt.client, inv.id, label)], resume)
    preview = (
        f"EMAIL invoice {label} ({inv.customer_business_then_name or cust.business_then_name or ''}, total "
        f"{fmt.money(inv.total)}{', paid' if inv.is_paid else ''}).\n"
        f"  A REAL email goes to the customer's billing contact: {', '.join(to)}.\n"
        "  It cannot be recalled; if Syncro's answer is lost it is not sent again."
    )
    return DayPlan(preview + resume_note(job), job, {"label": label, "to": ", ".join(to)})


async def email_invoice(rt: Runtime, a: EmailInvoiceArgs, plan: DayPlan, progress: Progress | None) -> WriteResult:
    """Email an invoice to the customer's billing contact (a real email)."""
    return await done(rt, plan, progress, "Emailed invoice {label} to {to}.")


EMAIL_INVOICE = WriteTool(
    "email_invoice", Toolset.INVOICES, "Email invoice", EmailInvoiceArgs, plan_email_invoice, email_invoice
)

TOOLS = (EMAIL_INVOICE,)
