"""Billing toolset: the seed's bill flow as one safe, resumable operation.

comment → timer entry → invoice from the ticket → make sure the invoice carries the labor
line (Syncro's "Make Invoice" normally copies uncharged time; if it did not, add the line
at the catalogue price) → status Invoiced. The timer is never charged separately, so the
time can never be billed twice.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field
from syncro_mcp.client.models import Invoice

from . import formatting as fmt
from .errors import InputError
from .journal import Entry
from .models import InvoiceRow, WriteResult
from .params import Labor, Minutes, Number, Text
from .registry import Registrar
from .resolver import pick_one
from .runtime import Runtime
from .steps import CLOCK_SLACK, Results, RunReport, Step
from .tickets import comment_step, status_step, ticket_label, timer_step, visibility
from .time import TimePlan
from .writes import Operation, journal, resume_note, run_journaled, unfinished_for

INVOICED = "Invoiced"
BILL_SUBJECT = "Resolution"


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def labor_line(invoice: Invoice, product_id: int, qty: Decimal) -> int | None:
    """Id of the invoice line carrying this labor (same product, same hours), if any."""
    for li in invoice.line_items:
        if (
            li.product_id == product_id
            and li.quantity is not None
            and abs(li.quantity - qty) <= Decimal("0.01")
        ):
            return li.id
    return None


@dataclass
class BillPlan(TimePlan):
    """A time entry's plan, plus where the bill ends: the invoiced status and invoice category."""

    status: str
    category: str


def bill_steps(rt: Runtime, plan: BillPlan) -> list[Step]:
    client, ticket = rt.client, plan.ticket
    qty = hours(plan.minutes)

    async def send_invoice(step: Step, _: Results) -> dict[str, Any]:
        inv = await client.create_invoice(**step.body)
        return {"invoice_id": inv.id, "invoice_number": inv.number}

    async def find_invoice(step: Step, _: Results, since: datetime) -> dict[str, Any] | None:
        since = since - CLOCK_SLACK
        page = await client.list_invoices(ticket_id=ticket.id)
        fresh = [
            i
            for i in page.items
            if i.ticket_id == ticket.id
            and i.id not in step.claimed  # an earlier bill's invoice is not this bill's
            and (i.created_at is None or i.created_at >= since)
        ]
        if not fresh:
            return None
        inv = max(fresh, key=lambda i: i.id)
        return {"invoice_id": inv.id, "invoice_number": inv.number}

    async def ensure_line(step: Step, results: Results) -> dict[str, Any]:
        inv_id = results["invoice"]["invoice_id"]
        invoice = await client.get_invoice(inv_id)
        found = labor_line(invoice, plan.product_id, qty)
        if found is not None:
            return {
                "line_item_id": found,
                "added": False,
                "total": str(invoice.total) if invoice.total else None,
            }
        product = await client.get_product(plan.product_id)
        li = await client.add_invoice_line_item(
            inv_id,
            item=product.name or plan.labor,
            name=product.description or product.name or plan.labor,
            quantity=qty,
            price=product.price_retail if product.price_retail is not None else Decimal(0),
            product_id=plan.product_id,
        )
        return {"line_item_id": li.id, "added": True}

    async def find_line(step: Step, results: Results, since: datetime) -> dict[str, Any] | None:
        invoice = await client.get_invoice(results["invoice"]["invoice_id"])
        found = labor_line(invoice, plan.product_id, qty)
        return None if found is None else {"line_item_id": found, "added": True}

    return [
        comment_step(rt, ticket, BILL_SUBJECT, plan.notes, hidden=False, do_not_email=True),
        timer_step(rt, ticket, plan.minutes, plan.labor, plan.product_id, plan.notes),
        Step(
            "invoice",
            f"POST invoice from #{ticket.number} ({plan.category})",
            {"customer_id": ticket.customer_id, "ticket_id": ticket.id, "category": plan.category},
            send_invoice,
            find_invoice,
            key="invoice_id",
        ),
        Step(
            "invoice_line",
            f"Check invoice has {qty} h {plan.labor} labor (add it if missing)",
            {"product_id": plan.product_id, "quantity": str(qty)},
            ensure_line,
            find_line,
        ),
        status_step(rt, ticket, plan.status),
    ]


def register(reg: Registrar, rt: Runtime) -> None:
    resolver = rt.resolver

    async def plan_bill(number: int, minutes: int, labor_type: str, notes: str, bill_again: bool = False) -> BillPlan:
        product_id = resolver.labor(labor_type)
        args = {"number": number, "minutes": minutes, "labor_type": labor_type, "notes": notes}
        window = rt.config.bill_dedupe_window_min * 60
        previous = journal(rt).recent_done("bill_ticket", number, args, window) if window else None
        if previous is not None and not bill_again:
            inv = previous.steps and next((s.result for s in previous.steps if s.name == "invoice"), {})
            ago = max(0, int((_time.time() - previous.updated) // 60))
            raise InputError(
                f"#{number} was already billed with exactly these arguments {ago} min ago (invoice "
                f"#{(inv or {}).get('invoice_number') or (inv or {}).get('invoice_id')}, journal entry {previous.id}). "
                "Nothing was sent. If the user really wants a second bill, call again with bill_again=true."
            )
        resuming = unfinished_for(rt, "bill_ticket", number, args)
        ticket = await resolver.ticket(number)
        status = pick_one(INVOICED, await resolver.statuses(), "status")
        if ticket.customer_id is None:
            raise InputError(f"Ticket #{number} has no customer; Syncro cannot invoice it.")
        warn = (
            f"\n  Note: the ticket is already {ticket.status}."
            if (ticket.status or "") in (status, "Closed")
            else ""
        )
        preview = "\n".join(
            [
                f"Bill {ticket_label(ticket)}, status {ticket.status}{warn}",
                f"  1. Comment “{BILL_SUBJECT}” ({visibility(False, True)}):",
                "     ----",
                *(f"     {ln}" for ln in notes.splitlines()),
                "     ----",
                f"  2. Time entry: {fmt.duration(minutes)} {labor_type} labor (product {product_id}), billable, "
                f"ending now ({fmt.when(rt.now())})",
                f"  3. Invoice from the ticket (category {rt.config.invoice_category}); it includes the ticket's "
                "uncharged time and parts",
                f"  4. Make sure the invoice has the {hours(minutes)} h {labor_type} line (added at the catalogue "
                "price if Syncro did not copy it)",
                f"  5. Status → {status}",
            ]
        ) + resume_note(resuming)
        return BillPlan(
            preview,
            ticket,
            minutes,
            labor_type.casefold(),
            product_id,
            notes,
            args,
            status,
            rt.config.invoice_category,
        )

    def bill_done(plan: BillPlan, report: RunReport, entry: Entry) -> WriteResult:
        resolver.forget(plan.ticket.number or 0)
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

    rt.operations["bill_ticket"] = Operation(plan_bill, lambda plan: bill_steps(rt, plan), bill_done)

    @reg.write("billing", "Bill ticket", plan=plan_bill)
    async def bill_ticket(
        plan: BillPlan, ctx: Context, number: Number, minutes: Minutes, labor_type: Labor, notes: Text,
        bill_again: Annotated[bool, Field(description="Only if the user asks to bill the same work twice.")] = False,
    ) -> WriteResult:
        """Bill work: comment, time entry, invoice, labor line check, status Invoiced. Resumable."""

        async def progress(i: int, total: int, message: str) -> None:
            await ctx.report_progress(i, total, message)

        report, entry = await run_journaled(
            rt, "bill_ticket", number, plan.args, bill_steps(rt, plan), progress=progress
        )
        return bill_done(plan, report, entry)
