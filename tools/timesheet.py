"""A technician's time across tickets (issue 15): ``my_time``.

Syncro's ``GET /ticket_timers`` filters only on ``created_at`` (docs/syncro-facts.md#timer-entries):
one walk from the period's first local midnight, then the technician and the start time are
filtered here, and each ticket the entries sit on is read once for its number and customer. An
entry is billed when charged, or when an invoice carries it all the same (``tools/billed.py``).
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field
from syncro_mcp.client.models import Ticket, TicketTimer

from . import formatting as fmt
from .billed import billed_on
from .declare import Args, ReadTool, Toolset
from .links import at, web_base
from .mapping import timer_minutes
from .models import MyTime, MyTimeRow
from .params import Name
from .periods import Period, Span, period_span
from .runtime import Runtime


class MyTimeArgs(Args):
    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    period: Period = "today"
    from_: Annotated[date | None, Field(alias="from")] = None
    to: date | None = None
    tech: Annotated[Name | None, Field(description="Default: you.")] = None


def account_zone(rt: Runtime) -> tzinfo:
    """The zone periods are counted in: the configured (or adopted account) zone."""
    name = getattr(rt.clock, "zone", None)
    return ZoneInfo(name) if name else (rt.now().tzinfo or ZoneInfo("UTC"))


def span_of(rt: Runtime, a: MyTimeArgs) -> Span:
    zone = account_zone(rt)
    today = rt.now().astimezone(zone).date()
    week_start = rt.settings.week_start
    return period_span(a.period, today, zone, week_start=week_start, first=a.from_, last=a.to)


async def _tech(rt: Runtime, name: str | None) -> tuple[int, str]:
    if name:
        user = await rt.resolver.user(name)
        return user.id, user.name or name
    me = await rt.resolver.me()
    return me.user_id, me.user_name or "you"


async def _tickets(rt: Runtime, timers: list[TicketTimer]) -> dict[int, Ticket]:
    ids = sorted({t.ticket_id for t in timers if t.ticket_id is not None})
    details = await asyncio.gather(*(rt.client.get_ticket(i) for i in ids))
    for d in details:
        rt.resolver.remember(d)
    return dict(zip(ids, details, strict=True))


async def _invoiced(rt: Runtime, mine: list[TicketTimer], tickets: dict[int, Ticket]) -> set[int]:
    """My uncharged entries that are on an invoice all the same (tools/billed.py): read only for the
    tickets that hold such an entry and show a sign of billing."""
    loose = {t.ticket_id for t in mine if t.billable is not False and not t.recorded}
    found = await asyncio.gather(*(billed_on(rt.client, d) for i, d in tickets.items() if i in loose))
    return {tid for b in found for tid in b.timers}


def _row(
    t: TicketTimer, tickets: dict[int, Ticket], labor: dict[int, str], invoiced: set[int], base: str | None
) -> MyTimeRow:
    ticket = tickets.get(t.ticket_id) if t.ticket_id is not None else None
    name = labor.get(t.product_id) if t.product_id is not None else None
    return MyTimeRow(
        number=ticket.number if ticket else None,
        customer=ticket.customer_business_then_name if ticket else None,
        start=t.start_time, minutes=timer_minutes(t),
        labor=name or (f"product {t.product_id}" if t.product_id is not None else None),
        billable=t.billable is not False, billed=bool(t.recorded) or t.id in invoiced, notes=t.notes,
        url=at(base, "tickets", ticket.id if ticket else None),
    )


async def my_time(rt: Runtime, a: MyTimeArgs) -> tuple[MyTime, str]:
    """Time entries across tickets in a period, with billed/unbilled totals."""
    period = span_of(rt, a)
    user_id, tech = await _tech(rt, a.tech)
    walk = await rt.client.timers_created_after(period.start - timedelta(seconds=1))
    mine = [t for t in walk.timers if t.user_id == user_id and period.holds(t.start_time)]
    mine.sort(key=lambda t: (t.start_time, t.id))
    tickets = await _tickets(rt, mine)
    invoiced = await _invoiced(rt, mine, tickets)
    base = web_base(rt.settings)
    names = await rt.resolver.product_names({t.product_id for t in mine if t.product_id is not None})
    rows = [_row(t, tickets, names, invoiced, base) for t in mine]
    billable = [r for r in rows if r.billable]
    result = MyTime(
        tech=tech, period=period.label, entries=rows,
        total_minutes=sum(r.minutes for r in rows),
        billable_minutes=sum(r.minutes for r in billable),
        billed_minutes=sum(r.minutes for r in billable if r.billed),
        unbilled_minutes=sum(r.minutes for r in billable if not r.billed),
        complete=walk.complete,
    )
    return result, fmt.my_time(result)


MY_TIME = ReadTool("my_time", Toolset.TIME, "My time", MyTimeArgs, MyTime, my_time, untrusted="entries[].notes")

TOOLS = (MY_TIME,)
