"""Billing toolset: the seed's bill flow as one safe, resumable engine operation.

comment → timer entry → invoice from the ticket → labor line check → status Invoiced; the
steps and the repeat rule are the engine's (``engine.plans.bill_steps``, ``repeated_bill``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, ClassVar

from pydantic import Field
from syncro_mcp.client.errors import SyncroError
from syncro_mcp.client.models import Invoice, TicketSummary
from syncro_mcp.engine.journal import Entry
from syncro_mcp.engine.plans import (
    BILL_SUBJECT,
    INVOICED,
    Job,
    Labor,
    Work,
    bill_steps_for,
    parse_labor_rule,
    repeated_bill,
)
from syncro_mcp.engine.runner import resume_note
from syncro_mcp.engine.steps import RunReport, Step
from syncro_mcp.engine.writes import InvoiceLineStep, hours, visibility

from . import formatting as fmt
from .bill_preview import BillPreview, Own, differences, invoice_lines, preview_invoice, preview_text
from .declare import JournaledPlan, Progress, Toolset, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .models import BillResult, InvoiceRow
from .parts import ADD_TICKET_PART
from .resolver import pick_one
from .runtime import Runtime
from .time import TimeArgs


class BillArgs(TimeArgs):
    bill_again: Annotated[bool, Field(description="Only if the user asks to bill it again.")] = False
    no_charge: Annotated[bool, Field(description="Warranty/free: the labor line is $0 (ask).")] = False

    def free(self) -> bool:
        """No charge: asked for, or the labor type is warranty."""
        return self.no_charge or self.labor_type.strip().casefold() == "warranty"

    not_journaled: ClassVar[frozenset[str]] = frozenset({"bill_again"})


def labor_steps(mode: str, a: BillArgs, work: Work, end: datetime, bill: BillPreview, ruled: bool) -> list[str]:
    """The preview's lines for how the labor reaches the ticket, per billing path (``ruled``: a
    prepaid rule sets the line's labor and hours; the time entry keeps the real time)."""
    timer = (f"Time entry: {fmt.duration(a.minutes)} {a.labor_type} labor (product {work.product_id}), billable, "
             f"ending now ({fmt.when(end)})")
    price = fmt.money(bill.labor.price)
    if mode == "line_item":
        return [f"Ticket line: {bill.labor.quantity} h {bill.labor_name} at {price}, not taxable (no time entry: "
                "Syncro's time tracking will not show this time)"]
    if mode == "charge_timer" or ruled:
        qty = f"{bill.labor.quantity} h " if ruled else ""
        why = "as the prepaid rule says" if ruled else "if Syncro chose another product"
        return [timer, "Charge the time entry (Syncro turns it into a ticket line)",
                f"Read the charged line back; set it to {qty}{bill.labor_name} at {price} {why}"]
    return [timer]


async def prepaid_rule(rt: Runtime, a: BillArgs, work: Work, bill: BillPreview,
                       own: Own = Own()) -> tuple[Work, BillPreview]:
    """The account's labor rule for a prepaid customer (``prepaid_labor_rules``, e.g. emergency →
    onsite x1.5): the bill's line takes the rule's labor and hours, in every billing path (a time
    entry, if the path makes one, records the real time; its charged line is set to the rule's)."""
    rule = rt.settings.prepaid_labor_rules.get(work.labor)
    parsed = parse_labor_rule(rule) if rule else None
    if parsed is None or bill.prepay_hours is None or bill.prepay_hours <= 0:
        return work, bill
    target, factor = parsed
    ruled = Work(max(1, round(work.minutes * factor)), target, rt.resolver.labor(target), work.notes)
    new = await preview_invoice(rt, await rt.resolver.ticket_detail(a.number), ruled, a.number, a.free(), own)
    new.warnings = [w for w in new.warnings if not w.startswith("emergency labor")]
    new.warnings.append(f"prepaid rule applied: {work.labor} for a prepaid customer bills as {target} at "
                        f"{factor}× the hours ({fmt.duration(work.minutes)} → {fmt.duration(ruled.minutes)})")
    return ruled, new


async def price_bill(rt: Runtime, a: BillArgs, work: Work, ticket: TicketSummary, end: datetime, status: str,
                     own: Own) -> tuple[Work, BillPreview, list[Step]]:
    """The bill's invoice preview (prepaid rule applied) and its steps, ``own`` records left out."""
    mode = rt.settings.billing_mode
    bill = await preview_invoice(rt, await rt.resolver.ticket_detail(a.number), work, a.number, a.free(), own)
    line, bill = await prepaid_rule(rt, a, work, bill, own)
    ruled = line if line is not work else None
    if bill.labor.price is None and (mode != "make_invoice" or ruled):
        raise InputError(f"Product {line.product_id} ({line.labor}) has no price in Syncro's catalogue; "
                         "set one in Syncro (a price is never guessed).")
    labor = Labor(bill.labor_name, bill.labor.price or Decimal(0), tuple(bill.swept_timers),
                  bill.swept(), bill.parts(), a.free(), ruled)
    steps = bill_steps_for(mode, rt.client, ticket, work, end, rt.settings.invoice_category, status, labor)
    return line, bill, steps


async def plan_bill_ticket(rt: Runtime, a: BillArgs) -> JournaledPlan:
    work, mode = a.work(rt), rt.settings.billing_mode
    refuse = partial(repeated_bill, number=a.number, now=rt.clock.time())
    ticket = await rt.resolver.ticket(a.number)  # an unknown number (even ≥ 2**63) is refused before the journal
    resume = await rt.engine.check(
        "bill_ticket", a.number, a.journal_key(), refuse_repeat=refuse, allow_repeat=a.bill_again
    )
    status = pick_one(INVOICED, await rt.resolver.statuses(), "status")
    if ticket.customer_id is None:
        raise InputError(f"Ticket #{a.number} has no customer; Syncro cannot invoice it.")
    end, category = rt.now(), rt.settings.invoice_category
    priced = partial(price_bill, rt, a, work, ticket, end, status)
    own = Own.of({s.name: s.result for s in resume.steps if s.state == "done"}) if resume else Own()
    if resume is not None:
        rt.resolver.forget(a.number)  # resuming: the ticket as it is now, with what this bill already made
    line, bill, steps = await priced(own)
    if resume is not None:  # a record sent with no known outcome is this bill's too (issue 14): never "other"
        found = Own.of(await rt.engine.made(resume, steps))
        if found != own:
            line, bill, steps = await priced(found)
    ruled = line if line is not work else None
    job = Job("bill_ticket", a.number, a.journal_key(), steps, resume,
              allow_repeat=a.bill_again, refusal=refuse, witness=ticket.id)
    warn = f"\n  Note: the ticket is already {ticket.status}." if (ticket.status or "") in (status, "Closed") else ""
    n = len(bill.swept_timers)
    swept = (f"; the ticket's other uncharged time ({n} {'entry' if n == 1 else 'entries'}) goes on it too "
             "(added at the price shown if Syncro does not copy it)") if n else ""
    steps = [
        *labor_steps(mode, a, work, end, bill, ruled is not None),
        f"Invoice from the ticket (category {category}){swept}",
        f"Make sure the invoice has the {hours(line.minutes)} h {line.labor} line (added at the catalogue "
        "price if Syncro did not copy it; never a second one)",
        *(["Make sure that labor line is $0 on the invoice (no charge)"] if a.free() else []),
        f"Status → {status}",
    ]
    preview = "\n".join([
        f"Bill {ticket_label(ticket)}, status {ticket.status}{warn}",
        f"  1. Comment “{BILL_SUBJECT}” ({visibility(False, True)}):",
        "     ----",
        *(f"     {ln}" for ln in a.notes.splitlines()),
        "     ----",
        *(f"  {i}. {step}" for i, step in enumerate(steps, start=2)),
        *preview_text(bill),
    ])
    fields = {"lines": bill.lines, "total": bill.total, "prepay_hours": bill.prepay_hours}
    return JournaledPlan(preview + resume_note(job), ticket, job, line, status, fields, bill)


async def read_back(rt: Runtime, plan: JournaledPlan, report: RunReport) -> tuple[Invoice | None, list[str]]:
    """The invoice as Syncro holds it, and how it differs from the preview (never silently).

    When the labor check found the line and nothing changed the invoice after it, its read is the
    final invoice; else read it.
    """
    check = next((s for s in plan.job.steps if isinstance(s, InvoiceLineStep)), None)
    changed = report.results["invoice_line"].get("added") or report.results.get("free_line", {}).get("patched")
    inv = check.seen if check is not None and not changed else None
    try:
        inv = inv or await rt.client.get_invoice(report.results["invoice"]["invoice_id"])
    except SyncroError as exc:
        return None, [f"could not read the invoice back to check it ({exc}); check it in Syncro"]
    return inv, differences(plan.bill, inv) if plan.bill is not None else []


def bill_done(rt: Runtime, plan: JournaledPlan, report: RunReport, entry: Entry,
              inv: Invoice | None = None, diffs: list[str] | None = None) -> BillResult:
    rt.resolver.forget(plan.ticket.number or 0)
    r = report.results
    total = inv.total if inv is not None else (Decimal(r["invoice_line"]["total"]) if r["invoice_line"].get("total")
                                               else None)
    row = InvoiceRow(
        id=r["invoice"]["invoice_id"],
        number=(inv.number if inv is not None else None) or r["invoice"].get("invoice_number"),
        customer=plan.ticket.customer_business_then_name, total=total, paid=False, ticket_id=plan.ticket.id,
    )
    resumed = f" (resumed journal entry {entry.id})" if report.resumed else ""
    diffs = diffs or []
    first = ("Differs from the preview: " + "; ".join(diffs) + ". ") if diffs else ""
    got = r["invoice_line"].get("quantity") or r.get("line_fix", {}).get("quantity")
    qty = Decimal(got).quantize(Decimal("0.01")) if got else None
    asked = hours(plan.work.minutes) if plan.work else None
    rounded = f" Syncro billed this labor as {qty} h (asked {asked} h)." if qty is not None and qty != asked else ""
    return BillResult(
        status="done",
        message=f"{first}Billed #{plan.ticket.number}{resumed}: invoice #{row.number or row.id}"
        + (f" ({fmt.money(row.total)})" if row.total is not None else "")
        + f", status {plan.status}.{rounded}",
        number=plan.ticket.number, comment_id=r["comment"]["comment_id"], timer_id=r.get("timer", {}).get("timer_id"),
        invoice=row, line_item_id=r["invoice_line"].get("line_item_id"), steps=report.lines,
        journal_entry=entry.id, lines=invoice_lines(inv, plan.bill) if inv is not None else None, total=row.total,
        prepay_hours=plan.bill.prepay_hours if plan.bill is not None else None, differences=diffs or None,
    )


async def bill_ticket(rt: Runtime, a: BillArgs, plan: JournaledPlan, progress: Progress | None) -> BillResult:
    """Bill work: comment, time, invoice, status Invoiced. Resumable."""
    report, entry = await rt.engine.run(plan.job, progress)
    inv, diffs = await read_back(rt, plan, report)
    return bill_done(rt, plan, report, entry, inv, diffs)


BILL_TICKET = WriteTool(
    "bill_ticket", Toolset.BILLING, "Bill ticket", BillArgs, plan_bill_ticket, bill_ticket, output=BillResult
)

TOOLS = (BILL_TICKET, ADD_TICKET_PART)
