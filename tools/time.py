"""Time toolset: log time, list time entries, the labor types."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from syncro_mcp.client.errors import NotFoundError
from syncro_mcp.client.models import TicketSummary

from . import formatting as fmt
from . import mapping
from .journal import Entry
from .models import LaborType, LaborTypes, TimeEntries, WriteResult
from .params import Labor, Minutes, Number, Text
from .registry import Registrar
from .runtime import Runtime
from .steps import RunReport, Step
from .tickets import ticket_label, timer_step
from .writes import Operation, resume_note, run_journaled, unfinished_for


@dataclass
class TimePlan:
    preview: str
    ticket: TicketSummary
    minutes: int
    labor: str
    product_id: int
    notes: str
    args: dict[str, Any]
    """The call's arguments as the journal keys it (resume and dedupe compare these)."""


def register(reg: Registrar, rt: Runtime) -> None:
    client, resolver = rt.client, rt.resolver

    async def plan_time(number: int, minutes: int, labor_type: str, notes: str) -> TimePlan:
        product_id = resolver.labor(labor_type)
        ticket = await resolver.ticket(number)
        end = rt.now()
        args = {"number": number, "minutes": minutes, "labor_type": labor_type, "notes": notes}
        preview = (
            f"Log time on {ticket_label(ticket)}\n"
            f"  {fmt.duration(minutes)} of {labor_type} labor (product {product_id}), billable\n"
            f"  ending now: {fmt.when(end - timedelta(minutes=minutes))} → {fmt.when(end)}\n"
            f"  Notes: {notes}"
        ) + resume_note(unfinished_for(rt, "log_time", number, args))
        return TimePlan(preview, ticket, minutes, labor_type.casefold(), product_id, notes, args)

    @reg.write("time", "Log time", plan=plan_time)
    async def log_time(
        plan: TimePlan, number: Number, minutes: Minutes, labor_type: Labor, notes: Text
    ) -> WriteResult:
        """Add a billable time entry (minutes and labor type come from the user; no defaults)."""
        report, entry = await run_journaled(rt, "log_time", number, plan.args, time_steps(plan))
        return time_done(plan, report, entry)

    def time_steps(plan: TimePlan) -> list[Step]:
        return [timer_step(rt, plan.ticket, plan.minutes, plan.labor, plan.product_id, plan.notes)]

    def time_done(plan: TimePlan, report: RunReport, entry: Entry) -> WriteResult:
        return WriteResult(
            status="done", message=f"Logged {plan.minutes} min {plan.labor} on #{plan.ticket.number}.",
            number=plan.ticket.number, timer_id=report.results["timer"]["timer_id"], steps=report.lines,
            journal_entry=entry.id,
        )

    rt.operations["log_time"] = Operation(plan_time, time_steps, time_done)

    @reg.read("time", "Time entries", TimeEntries)
    async def list_time_entries(number: Number):
        """Time entries on a ticket (charged or not)."""
        detail = await client.get_ticket(await resolver.ticket_id(number))
        rows = [mapping.time_entry_row(t, resolver.labor_names()) for t in detail.ticket_timers]
        result = TimeEntries(
            number=number,
            entries=rows,
            total_minutes=sum(r.minutes for r in rows),
            uncharged_minutes=sum(r.minutes for r in rows if r.billable and not r.charged),
        )
        return result, fmt.time_entries(result)

    @reg.read("time", "Labor types", LaborTypes)
    async def list_labor_types():
        """Configured labor types with Syncro's product names and prices."""

        async def one(name: str, pid: int) -> LaborType:
            try:
                p = await client.get_product(pid)
            except NotFoundError:
                return LaborType(name=name, product_id=pid, known=False)
            return LaborType(name=name, product_id=pid, product=p.name, price=p.price_retail)

        items = await asyncio.gather(*(one(n, pid) for n, pid in resolver.labor_types.items()))
        result = LaborTypes(labor_types=list(items))
        return result, fmt.labor_types(result)
