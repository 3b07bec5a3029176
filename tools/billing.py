"""Billing toolset: the seed's bill flow as one safe, resumable engine operation.

comment → timer entry → invoice from the ticket → labor line check → status Invoiced; the
steps and the repeat rule are the engine's (``engine.plans.bill_steps``, ``repeated_bill``).
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated, ClassVar

from pydantic import Field
from syncro_mcp.engine.journal import Entry
from syncro_mcp.engine.plans import BILL_SUBJECT, INVOICED, Job, bill_steps, repeated_bill
from syncro_mcp.engine.runner import resume_note
from syncro_mcp.engine.steps import RunReport
from syncro_mcp.engine.writes import hours, visibility

from . import formatting as fmt
from .declare import Progress, Toolset, WriteTool
from .errors import InputError
from .models import InvoiceRow, WriteResult
from .resolver import pick_one
from .runtime import Runtime
from .tickets import JournaledPlan, ticket_label
from .time import TimeArgs


class BillArgs(TimeArgs):
    bill_again: Annotated[bool, Field(description="Only if the user asks to bill the same work twice.")] = False

    not_journaled: ClassVar[frozenset[str]] = frozenset({"bill_again"})


async def plan_bill_ticket(rt: Runtime, a: BillArgs) -> JournaledPlan:
    work = a.work(rt)
    refuse = partial(repeated_bill, number=a.number, now=rt.clock.time())
    resume = rt.engine.check("bill_ticket", a.number, a.journal_key(), refuse_repeat=refuse, allow_repeat=a.bill_again)
    ticket = await rt.resolver.ticket(a.number)
    status = pick_one(INVOICED, await rt.resolver.statuses(), "status")
    if ticket.customer_id is None:
        raise InputError(f"Ticket #{a.number} has no customer; Syncro cannot invoice it.")
    end, category = rt.now(), rt.settings.invoice_category
    steps = bill_steps(rt.client, ticket, work, end, category, status)
    job = Job("bill_ticket", a.number, a.journal_key(), steps, resume, allow_repeat=a.bill_again, refusal=refuse)
    warn = f"\n  Note: the ticket is already {ticket.status}." if (ticket.status or "") in (status, "Closed") else ""
    preview = "\n".join([
        f"Bill {ticket_label(ticket)}, status {ticket.status}{warn}",
        f"  1. Comment “{BILL_SUBJECT}” ({visibility(False, True)}):",
        "     ----",
        *(f"     {ln}" for ln in a.notes.splitlines()),
        "     ----",
        f"  2. Time entry: {fmt.duration(a.minutes)} {a.labor_type} labor (product {work.product_id}), billable, "
        f"ending now ({fmt.when(end)})",
        f"  3. Invoice from the ticket (category {category}); it includes the ticket's uncharged time and parts",
        f"  4. Make sure the invoice has the {hours(a.minutes)} h {a.labor_type} line (added at the catalogue "
        "price if Syncro did not copy it)",
        f"  5. Status → {status}",
    ])
    return JournaledPlan(preview + resume_note(job), ticket, job, work, status)


def bill_done(rt: Runtime, plan: JournaledPlan, report: RunReport, entry: Entry) -> WriteResult:
    rt.resolver.forget(plan.ticket.number or 0)
    r = report.results
    total = r["invoice_line"].get("total")
    row = InvoiceRow(
        id=r["invoice"]["invoice_id"], number=r["invoice"].get("invoice_number"),
        customer=plan.ticket.customer_business_then_name, total=Decimal(total) if total else None,
        paid=False, ticket_id=plan.ticket.id,
    )
    resumed = f" (resumed journal entry {entry.id})" if report.resumed else ""
    return WriteResult(
        status="done",
        message=f"Billed #{plan.ticket.number}{resumed}: invoice #{row.number or row.id}"
        + (f" ({fmt.money(row.total)})" if row.total is not None else "")
        + f", status {plan.status}.",
        number=plan.ticket.number, comment_id=r["comment"]["comment_id"], timer_id=r["timer"]["timer_id"],
        invoice=row, line_item_id=r["invoice_line"].get("line_item_id"), steps=report.lines,
        journal_entry=entry.id,
    )


async def bill_ticket(rt: Runtime, a: BillArgs, plan: JournaledPlan, progress: Progress | None) -> WriteResult:
    """Bill work: comment, time entry, invoice, labor line check, status Invoiced. Resumable."""
    return bill_done(rt, plan, *await rt.engine.run(plan.job, progress))


BILL_TICKET = WriteTool("bill_ticket", Toolset.BILLING, "Bill ticket", BillArgs, plan_bill_ticket, bill_ticket)

TOOLS = (BILL_TICKET,)
