"""Fixing time: change or delete a time entry (confirmed, journaled; refused once it is billed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import Field
from syncro_mcp.client.models import Ticket, TicketSummary, TicketTimer
from syncro_mcp.engine.edits import DeleteTimerStep, UpdateTimerStep
from syncro_mcp.engine.plans import Job
from syncro_mcp.engine.runner import resume_note

from . import formatting as fmt
from . import mapping
from .billed import billed_on
from .declare import JournaledPlan, Progress, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .models import WriteResult
from .params import Again, Number, Text
from .runtime import Runtime

TimerId = Annotated[int, Field(ge=1, description="From list_time_entries.")]
NewMinutes = Annotated[int, Field(ge=1, le=24 * 60)]
LaborName = Annotated[str, Field(min_length=1, max_length=40)]
#: How far past now a lengthened entry may end: clock skew between us and Syncro, not future work.
END_TOLERANCE = timedelta(minutes=1)


class TimeEntryArgs(WriteArgs):
    number: Number
    entry_id: TimerId


class UpdateTimeEntryArgs(TimeEntryArgs):
    minutes: NewMinutes | None = None
    labor_type: LaborName | None = None
    notes: Text | None = None
    again: Again = False


async def billed_reason(rt: Runtime, detail: Ticket, t: TicketTimer) -> str | None:
    """Why the entry can no longer change: on an invoice (read from Syncro's invoices of the ticket,
    whoever billed it: docs/syncro-facts.md#billed-state), or charged to a ticket line. None when free."""
    on = (await billed_on(rt.client, detail, force=True)).timers.get(t.id)
    if on is not None:
        return f"it is already on invoice #{on}"
    if t.recorded or t.ticket_line_item_id:
        return "it is already charged (a ticket line item), so it goes onto the ticket's next invoice"
    return None


async def open_entry(
    rt: Runtime, a: TimeEntryArgs, verb: str, resuming: bool = False
) -> tuple[TicketSummary, TicketTimer | None]:
    """The ticket and its entry ``a.entry_id``, refusing one that is missing or already billed.
    ``resuming`` an unfinished delete: a missing entry is what its step's ``find`` checks for."""
    ticket = await rt.resolver.ticket(a.number)
    detail = await rt.client.get_ticket(ticket.id)
    entry = next((t for t in detail.ticket_timers if t.id == a.entry_id), None)
    if entry is None and resuming:
        return ticket, None
    if entry is None:
        ids = ", ".join(str(t.id) for t in detail.ticket_timers) or "none"
        raise InputError(f"#{a.number} has no time entry {a.entry_id} (its entries: {ids}). See list_time_entries.")
    reason = await billed_reason(rt, detail, entry)
    if reason:
        raise InputError(
            f"Time entry {a.entry_id} on #{a.number} cannot be {verb}: {reason}. Nothing was sent. "
            "Correct it on the invoice in Syncro instead."
        )
    return ticket, entry


def entry_line(rt: Runtime, t: TicketTimer) -> str:
    row = mapping.time_entry_row(t, rt.resolver.labor_names())
    return f"{fmt.when(t.start_time)}, {fmt.duration(row.minutes)} {row.labor or f'product {t.product_id}'}"


async def plan_update(rt: Runtime, a: UpdateTimeEntryArgs) -> JournaledPlan:
    if a.minutes is None and a.labor_type is None and a.notes is None:
        raise InputError("Nothing to change: give minutes, labor_type and/or notes.")
    product_id = rt.resolver.labor(a.labor_type) if a.labor_type else None
    ticket, entry = await open_entry(rt, a, "changed")
    if entry is None or entry.start_time is None or entry.end_time is None:
        raise InputError(f"Time entry {a.entry_id} on #{a.number} has no start or end in Syncro; fix it there.")
    start = entry.start_time
    end = start + timedelta(minutes=a.minutes) if a.minutes else entry.end_time
    now = rt.now()
    if a.minutes and end > now + END_TOLERANCE:  # start kept: an entry logged "ending now" cannot grow
        most = max(int((now - start).total_seconds() // 60), 0)
        raise InputError(
            f"Time entry {a.entry_id} on #{a.number} would end at {fmt.when(end)}, after now ({fmt.when(now)}): "
            f"its start {fmt.when(start)} is kept. Nothing was sent. Give at most {most} minutes, or delete it "
            "and log_time again with an earlier started_at."
        )
    body: dict[str, object] = {"start_at": start.isoformat(), "end_at": end.isoformat()}
    lines = [f"Change time entry {a.entry_id} on {ticket_label(ticket)} (now {entry_line(rt, entry)})"]
    if a.minutes:
        lines.append(f"  length → {fmt.duration(a.minutes)}: {fmt.when(start)} → {fmt.when(end)} (start kept)")
    if product_id is not None:
        body["product_id"] = product_id
        lines.append(f"  labor → {a.labor_type} (product {product_id})")
    if a.notes is not None:
        body["notes"] = a.notes
        lines.append(f"  notes → {a.notes}")
    resume = await rt.engine.check("update_time_entry", a.number, a.journal_key(), allow_repeat=a.again)
    step = UpdateTimerStep(rt.client, ticket, a.entry_id, body, f"PUT time entry {a.entry_id} on #{a.number}")
    job = Job("update_time_entry", a.number, a.journal_key(), [step], resume, allow_repeat=a.again)
    return JournaledPlan("\n".join(lines) + resume_note(job), ticket, job)


async def update_time_entry(
    rt: Runtime, a: UpdateTimeEntryArgs, plan: JournaledPlan, progress: Progress | None
) -> WriteResult:
    """Fix an unbilled time entry: minutes (start kept), labor type, notes."""
    report, entry = await rt.engine.run(plan.job, progress)
    return WriteResult(
        status="done", message=f"Updated time entry {a.entry_id} on #{a.number} (read back from Syncro).",
        number=a.number, timer_id=a.entry_id, steps=report.lines, journal_entry=entry.id,
    )


async def plan_delete(rt: Runtime, a: TimeEntryArgs) -> JournaledPlan:
    await rt.resolver.ticket(a.number)  # an unknown number is refused before the journal is asked
    resume = await rt.engine.check("delete_time_entry", a.number, a.journal_key())
    ticket, entry = await open_entry(rt, a, "deleted", resuming=resume is not None)
    step = DeleteTimerStep(rt.client, ticket, a.entry_id, f"DELETE time entry {a.entry_id} on #{a.number}")
    job = Job("delete_time_entry", a.number, a.journal_key(), [step], resume)
    what = "already gone from Syncro" if entry is None else entry_line(rt, entry)
    notes = entry.notes.strip() if entry is not None and entry.notes else ""
    preview = (
        f"DELETE time entry {a.entry_id} on {ticket_label(ticket)}: {what}"
        f"{f' — {notes}' if notes else ''}. This cannot be undone."
    )
    return JournaledPlan(preview + resume_note(job), ticket, job)


async def delete_time_entry(
    rt: Runtime, a: TimeEntryArgs, plan: JournaledPlan, progress: Progress | None
) -> WriteResult:
    """Delete an unbilled time entry."""
    report, entry = await rt.engine.run(plan.job, progress)
    return WriteResult(
        status="done", message=f"Deleted time entry {a.entry_id} on #{a.number}.", number=a.number,
        timer_id=a.entry_id, steps=report.lines, journal_entry=entry.id,
    )


UPDATE_TIME_ENTRY = WriteTool(
    "update_time_entry", Toolset.TIME, "Fix time entry", UpdateTimeEntryArgs, plan_update, update_time_entry,
    idempotent=True,
)
DELETE_TIME_ENTRY = WriteTool(
    "delete_time_entry", Toolset.TIME, "Delete time entry", TimeEntryArgs, plan_delete, delete_time_entry,
    destructive=True, idempotent=True,
)

TOOLS = (UPDATE_TIME_ENTRY, DELETE_TIME_ENTRY)
