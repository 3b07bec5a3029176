"""Appointments, read (issue 15): ``GET /appointments`` with ``date_from``/``date_to``/``mine``,
every page. List items arrive each wrapped (``{"appointments": [{"appointment": {…}}]}``, the
spec's shape); flat items are accepted too."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from .http import HttpCore
from .models import Customer, DateTime, SyncroModel


class AppointmentTicket(SyncroModel):
    """The ticket an appointment is on, as the list embeds it (spec example)."""

    id: int
    number: int | None = None
    subject: str | None = None


class Appointment(SyncroModel):
    id: int
    summary: str | None = None
    description: str | None = None
    customer_id: int | None = None
    ticket_id: int | None = None
    user_id: int | None = None
    user_ids: list[int] = Field(default_factory=list)
    start_at: DateTime = None
    end_at: DateTime = None
    location: str | None = None
    all_day: bool | None = None
    ticket: AppointmentTicket | None = None
    customer: Customer | None = None


def _day(value: date | datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


class ScheduleMixin(HttpCore):
    async def list_appointments(
        self,
        *,
        date_from: date | datetime | str | None = None,
        date_to: date | datetime | str | None = None,
        mine: bool | None = None,
        max_pages: int = 20,
    ) -> tuple[list[Appointment], bool]:
        """Every appointment in the window (all pages up to ``max_pages``); ``(items, complete)``."""
        items: list[Appointment] = []
        for page_no in range(1, max_pages + 1):
            params = {"date_from": _day(date_from), "date_to": _day(date_to), "mine": mine, "page": page_no}
            data = await self._request("GET", "/appointments", params=params)
            rows: list[Any] = data.get("appointments", []) if isinstance(data, dict) else []
            flat = [r.get("appointment", r) if isinstance(r, dict) else r for r in rows]
            page = self._page(Appointment, {"appointments": flat, "meta": data.get("meta")}, "GET",
                              "/appointments", "appointments", page_no)
            items += page.items
            if not page.items or not page.has_more:
                return items, True
        return items, False
