"""Ticket time entries (docs/syncro-facts.md#timer-entries).

Requests say ``start_at``/``end_at``; responses say ``start_time``/``end_time``. The
``timer_entry``, ``update_timer_entry`` and ``charge_timer_entry`` replies are flat;
wrapped replies are accepted too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .http import HttpCore
from .models import Page, TicketTimer

_TIMER_WRAPPERS = ("ticket_timer", "timer_entry", "timer")


def _aware_iso(name: str, value: datetime) -> str:
    """ISO 8601 with an offset: a naive time would be read in Syncro's own zone, silently."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value.isoformat()


class TimersMixin(HttpCore):
    async def add_timer_entry(
        self,
        ticket_id: int,
        *,
        start_at: datetime,
        end_at: datetime,
        notes: str,
        product_id: int,
        billable: bool = True,
        user_id: int | None = None,
    ) -> TicketTimer:
        """``POST /tickets/{id}/timer_entry``: log time (charge it separately)."""
        if end_at <= start_at:
            raise ValueError("end_at must be after start_at")
        path = f"/tickets/{int(ticket_id)}/timer_entry"
        payload: dict[str, Any] = {
            "start_at": _aware_iso("start_at", start_at),
            "end_at": _aware_iso("end_at", end_at),
            "notes": notes,
            "billable": billable,
            "product_id": product_id,
        }
        if user_id is not None:
            payload["user_id"] = user_id
        data = await self._request("POST", path, body=payload)
        return self._one(TicketTimer, data, "POST", path, *_TIMER_WRAPPERS)

    async def charge_timer_entry(self, ticket_id: int, timer_entry_id: int) -> TicketTimer:
        """``POST /tickets/{id}/charge_timer_entry``: turns the entry into a line item.
        Charging twice makes duplicate lines; the caller checks ``recorded`` first."""
        path = f"/tickets/{int(ticket_id)}/charge_timer_entry"
        data = await self._request("POST", path, body={"timer_entry_id": timer_entry_id})
        return self._one(TicketTimer, data, "POST", path, *_TIMER_WRAPPERS)

    async def update_timer_entry(self, ticket_id: int, timer_entry_id: int, fields: dict[str, Any]) -> TicketTimer:
        """``PUT /tickets/{id}/update_timer_entry`` (``start_at``, ``duration_minutes``, ``notes``…)."""
        path = f"/tickets/{int(ticket_id)}/update_timer_entry"
        payload = {**fields, "timer_entry_id": timer_entry_id}
        for key in ("start_at", "end_at"):
            if isinstance(payload.get(key), datetime):
                payload[key] = _aware_iso(key, payload[key])
        data = await self._request("PUT", path, body=payload)
        return self._one(TicketTimer, data, "PUT", path, *_TIMER_WRAPPERS)

    async def delete_timer_entry(self, ticket_id: int, timer_entry_id: int) -> None:
        path = f"/tickets/{int(ticket_id)}/delete_timer_entry"
        await self._request("POST", path, body={"timer_entry_id": timer_entry_id}, allow_empty=True)

    async def list_ticket_timers(
        self,
        page: int = 1,
        *,
        created_at_gt: datetime | str | None = None,
        created_at_lt: datetime | str | None = None,
    ) -> Page[TicketTimer]:
        """``GET /ticket_timers`` (oldest first; no ticket/user filter in Syncro)."""
        params = {"page": page, "created_at_gt": created_at_gt, "created_at_lt": created_at_lt}
        data = await self._request("GET", "/ticket_timers", params=params)
        return self._page(TicketTimer, data, "GET", "/ticket_timers", "ticket_timers", page)
