"""Calendar periods in the account's time zone (issue 15): today, yesterday, this week, last week,
or a from/to date range. A week starts on the account's first weekday (the ``week_start``
setting), not "the last 7 days"; a period's bounds are local midnights, so a DST day is 23 or 25
hours long; an entry belongs to the day it started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from .errors import InputError

Period = Literal["today", "yesterday", "week", "last_week"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Span:
    first: date
    last: date
    """Inclusive: the last calendar day in the period."""
    start: datetime
    end: datetime
    """Exclusive: local midnight after ``last``."""
    label: str

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


FIRST_YEAR, LAST_YEAR = 1970, 2100
"""The dates a technician can mean; outside them a date is a typo (and date arithmetic near year 1
or 9999 overflows), so every date input is checked before anything is computed from it."""


def check_day(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"{day} is not a plausible work day; give a date between {FIRST_YEAR} and {LAST_YEAR}.")
    return day


def check_moment(when: datetime, what: str) -> datetime:
    """A date-time input (``what`` names the argument) in the plausible years; else a clear error."""
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise InputError(f"{what} {when.isoformat()} is not a plausible date and time; give one between "
                         f"{FIRST_YEAR} and {LAST_YEAR}.")
    return when


def midnight(day: date, zone: tzinfo) -> datetime:
    """Local midnight of ``day`` (ZoneInfo gives the right offset on either side of a DST change)."""
    return datetime.combine(day, time(0), tzinfo=zone)


def span(first: date, last: date, zone: tzinfo, label: str) -> Span:
    return Span(first, last, midnight(first, zone), midnight(last + timedelta(days=1), zone), label)


def period_span(
    period: Period, today: date, zone: tzinfo, *, week_start: str = "monday",
    first: date | None = None, last: date | None = None,
) -> Span:
    """The period's days. ``first``/``last`` (both inclusive) override ``period``."""
    if first or last:
        first, last = first or last, last or first
        assert first is not None and last is not None
        check_day(first)
        check_day(last)
        if last < first:
            raise InputError(f"'to' ({last}) is before 'from' ({first}); give from ≤ to.")
        if (last - first).days > 92:
            raise InputError("A range is at most 93 days; ask for a shorter one.")
        return span(first, last, zone, f"{first} to {last}" if first != last else str(first))
    if period == "today":
        return span(today, today, zone, f"today ({today})")
    if period == "yesterday":
        y = today - timedelta(days=1)
        return span(y, y, zone, f"yesterday ({y})")
    offset = (today.weekday() - WEEKDAYS.index(week_start)) % 7
    monday = today - timedelta(days=offset)
    if period == "last_week":
        monday -= timedelta(days=7)
    label = "this week" if period == "week" else "last week"
    return span(monday, monday + timedelta(days=6), zone, f"{label} ({monday} to {monday + timedelta(days=6)})")
