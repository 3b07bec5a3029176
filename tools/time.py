"""Time toolset: log time, list time entries, the labor types."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import Field
from syncro_mcp.client.errors import NotFoundError
from syncro_mcp.engine.clock import later
from syncro_mcp.engine.journal import Entry
from syncro_mcp.engine.plans import Job, Work, time_steps
from syncro_mcp.engine.runner import resume_note
from syncro_mcp.engine.steps import RunReport
from syncro_mcp.engine.writes import start_of

from . import formatting as fmt
from . import mapping
from .billed import billed_on
from .declare import JournaledPlan, NoArgs, Progress, ReadTool, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .formatting import ticket_label
from .links import link
from .models import LaborType, LaborTypes, TimeEntries, WriteResult
from .params import Again, Labor, Minutes, Number, NumberArgs, Text
from .periods import check_moment
from .runtime import Runtime


class TimeArgs(WriteArgs):
    """Time worked: what log_time and bill_ticket share."""

    number: Number
    minutes: Minutes
    labor_type: Labor
    notes: Text

    def work(self, rt: Runtime) -> Work:
        """Minutes and labor come from the user (no defaults); the labor name is looked up once, here."""
        return Work(self.minutes, self.labor_type.casefold(), rt.resolver.labor(self.labor_type), self.notes)


class LogTimeArgs(TimeArgs):
    again: Again = False

    not_journaled: ClassVar[frozenset[str]] = frozenset({"again"})


class PastTimeArgs(LogTimeArgs):
    started_at: Annotated[
        datetime | None, Field(description="Past work's start (account time).")
    ] = None
    tech: Annotated[str | None, Field(max_length=200, description="Default: you.")] = None

    def journal_key(self) -> dict[str, Any]:
        """Without the new fields when unset: a plain log_time keys (and resumes) as it did before them."""
        key = super().journal_key()
        return {k: v for k, v in key.items() if k not in ("started_at", "tech") or v is not None}


def work_end(rt: Runtime, a: PastTimeArgs) -> tuple[datetime, str]:
    """When the entry ends and how the preview says it: now, or ``started_at`` + minutes (never in the future).

    The sum is taken in UTC, so work spanning a daylight-saving change keeps its real length."""
    now = rt.now()
    if a.started_at is None:
        return now, "ending now"
    check_moment(a.started_at, "started_at")
    start = a.started_at if a.started_at.tzinfo else a.started_at.replace(tzinfo=now.tzinfo)
    end = later(start, timedelta(minutes=a.minutes))
    if end > now:
        raise InputError(
            f"started_at {fmt.when(start)} + {fmt.duration(a.minutes)} ends after now ({fmt.when(now)}); "
            "log past work only. Ask the user for the start time."
        )
    return end, "past work"


async def plan_log_time(rt: Runtime, a: PastTimeArgs) -> JournaledPlan:
    work = a.work(rt)
    end, when = work_end(rt, a)
    user = await rt.resolver.user(a.tech) if a.tech else None
    ticket = await rt.resolver.ticket(a.number)
    resume = await rt.engine.check("log_time", a.number, a.journal_key(), allow_repeat=a.again)
    steps = time_steps(rt.client, ticket, work, end, user.id if user else None)
    job = Job("log_time", a.number, a.journal_key(), steps, resume, allow_repeat=a.again, witness=ticket.id)
    preview = (
        f"Log time on {ticket_label(ticket)}\n"
        f"  {fmt.duration(a.minutes)} of {a.labor_type} labor (product {work.product_id}), billable\n"
        f"  {when}: {fmt.when(start_of(end, a.minutes))} → {fmt.when(end)}\n"
        + (f"  on behalf of: {user.name} (user {user.id})\n" if user else "")
        + f"  Notes: {a.notes}"
    )
    return JournaledPlan(preview + resume_note(job), ticket, job, work)


def time_done(rt: Runtime, plan: JournaledPlan, report: RunReport, entry: Entry) -> WriteResult:
    assert plan.work is not None
    rt.resolver.forget(plan.ticket.number or 0)  # a bill's cached detail no longer lists every timer
    return WriteResult(
        status="done", message=f"Logged {plan.work.minutes} min {plan.work.labor} on #{plan.ticket.number}.",
        number=plan.ticket.number, timer_id=report.results["timer"]["timer_id"], steps=report.lines,
        journal_entry=entry.id,
    )


async def log_time(rt: Runtime, a: PastTimeArgs, plan: JournaledPlan, progress: Progress | None) -> WriteResult:
    """Add a billable time entry."""
    return time_done(rt, plan, *await rt.engine.run(plan.job))


async def list_time_entries(rt: Runtime, a: NumberArgs) -> tuple[TimeEntries, str]:
    """Time entries on a ticket (charged or not)."""
    detail = await rt.client.get_ticket(await rt.resolver.ticket_id(a.number))
    billed = (await billed_on(rt.client, detail)).timers
    rows = [mapping.time_entry_row(t, rt.resolver.labor_names(), billed) for t in detail.ticket_timers]
    result = TimeEntries(
        number=a.number,
        entries=rows,
        total_minutes=sum(r.minutes for r in rows),
        uncharged_minutes=sum(r.minutes for r in rows if r.billable and not r.charged),
        url=link(rt.settings, "tickets", detail.id),
    )
    return result, fmt.time_entries(result)


async def _labor_type(rt: Runtime, name: str, pid: int) -> LaborType:
    try:
        p = await rt.client.get_product(pid)
    except NotFoundError:
        return LaborType(name=name, product_id=pid, known=False)
    return LaborType(name=name, product_id=pid, product=p.name, price=p.price_retail)


async def list_labor_types(rt: Runtime, a: NoArgs) -> tuple[LaborTypes, str]:
    """Labor types with their Syncro products and prices."""
    items = await asyncio.gather(*(_labor_type(rt, n, pid) for n, pid in rt.resolver.labor_types.items()))
    result = LaborTypes(labor_types=list(items))
    return result, fmt.labor_types(result)


LOG_TIME = WriteTool("log_time", Toolset.TIME, "Log time", PastTimeArgs, plan_log_time, log_time)
LIST_TIME_ENTRIES = ReadTool(
    "list_time_entries", Toolset.TIME, "Time entries", NumberArgs, TimeEntries, list_time_entries,
    untrusted="entries[].notes",
)
LIST_LABOR_TYPES = ReadTool("list_labor_types", Toolset.TIME, "Labor types", NoArgs, LaborTypes, list_labor_types)

TOOLS = (LOG_TIME, LIST_TIME_ENTRIES, LIST_LABOR_TYPES)
