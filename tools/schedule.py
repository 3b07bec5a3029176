"""Appointments, read (issue 15): ``list_appointments`` (opt-in schedule toolset).

Syncro's ``GET /appointments`` bounds by date only (``date_from``/``date_to``, its own idea of the
day's zone; unverified): the query asks for a day more on each side, every page is read, and the
period is cut here at the account's local midnights, so a DST week is exactly its days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import ConfigDict, Field
from syncro_mcp.client.schedule import Appointment

from . import formatting as fmt
from .declare import Args, ReadTool, Toolset
from .links import at, web_base
from .models import AppointmentRow, Appointments
from .periods import check_day, period_span
from .runtime import Runtime
from .timesheet import account_zone

DEFAULT_DAYS = 7


class AppointmentsArgs(Args):
    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    from_: Annotated[date | None, Field(alias="from", description="Default: today.")] = None
    to: Annotated[date | None, Field(description=f"Default: {DEFAULT_DAYS} days.")] = None
    mine: bool = False


def _row(a: Appointment, techs: dict[int, str], base: str | None) -> AppointmentRow:
    minutes = int((a.end_at - a.start_at).total_seconds() // 60) if a.start_at and a.end_at else 0
    tech = a.user_id or (a.user_ids[0] if a.user_ids else None)
    return AppointmentRow(
        id=a.id, start=a.start_at, minutes=minutes, summary=a.summary or "",
        number=a.ticket.number if a.ticket else None,
        customer=a.customer.display_name if a.customer else None,
        tech=techs.get(tech) if tech else None, location=a.location or None,
        url=at(base, "appointments", a.id),
    )


async def list_appointments(rt: Runtime, a: AppointmentsArgs) -> tuple[Appointments, str]:
    """Appointments starting in a period (account time), by start; default the next 7 days."""
    zone = account_zone(rt)
    for day in (a.from_, a.to):  # before the default range is computed from them (year 1 or 9999 overflows)
        if day is not None:
            check_day(day)
    first = a.from_ or (a.to - timedelta(days=DEFAULT_DAYS - 1) if a.to else rt.now().astimezone(zone).date())
    period = period_span("today", first, zone, first=first, last=a.to or first + timedelta(days=DEFAULT_DAYS - 1))
    found, complete = await rt.client.list_appointments(
        date_from=period.first - timedelta(days=1), date_to=period.last + timedelta(days=1),
        mine=True if a.mine else None,
    )
    inside = sorted((x for x in found if period.holds(x.start_at)), key=lambda x: (x.start_at, x.id))
    techs = {u.id: u.name for u in await rt.resolver.users()} if inside and not a.mine else {}
    base = web_base(rt.settings)
    result = Appointments(period=period.label, appointments=[_row(x, techs, base) for x in inside],
                          complete=complete)
    return result, fmt.appointments(result)


LIST_APPOINTMENTS = ReadTool(
    "list_appointments", Toolset.SCHEDULE, "Appointments", AppointmentsArgs, Appointments, list_appointments,
    untrusted="appointments[].summary, appointments[].location",
)

TOOLS = (LIST_APPOINTMENTS,)
