"""Syncro's edit writes as journaled steps: fix a time entry, delete it.

A time entry's new length is sent as explicit ``start_at``/``end_at``: Syncro's
``update_timer_entry`` accepts ``duration_minutes`` but does not move the end time
(docs/syncro-facts.md#timer-entries), so the step never sends it and reads the entry
back to check Syncro kept what was sent. Both writes are idempotent, and ``find`` recognises them
by the entry's state: the wanted times, product and notes; or the entry gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syncro_mcp.client import SyncroClient
from syncro_mcp.client.models import TicketSummary, TicketTimer

from .errors import InputError
from .steps import Results, Step


async def timer_on(client: SyncroClient, ticket: TicketSummary, entry_id: int) -> TicketTimer | None:
    """The time entry ``entry_id`` on ``ticket`` (read from the ticket), or None."""
    for t in (await client.get_ticket(ticket.id)).ticket_timers:
        if t.id == entry_id:
            return t
    return None


def _same_time(a: datetime | None, iso: str) -> bool:
    return a is not None and abs((a - datetime.fromisoformat(iso)).total_seconds()) < 60


def matches(t: TicketTimer, body: dict[str, Any]) -> bool:
    """Whether the entry holds what ``body`` sets (times to the minute, product, notes)."""
    return (
        _same_time(t.start_time, body["start_at"])
        and _same_time(t.end_time, body["end_at"])
        and ("product_id" not in body or t.product_id == body["product_id"])
        and ("notes" not in body or (t.notes or "").strip() == body["notes"].strip())
    )


class UpdateTimerStep(Step):
    """PUT the entry's explicit start and end (and product/notes when changed), then read it back."""

    def __init__(self, client: SyncroClient, ticket: TicketSummary, entry_id: int, body: dict[str, Any],
                 describe: str) -> None:
        super().__init__("timer_update", describe, {"timer_entry_id": entry_id, **body})
        self.client, self.ticket, self.entry_id = client, ticket, entry_id

    def _fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.body.items() if k != "timer_entry_id"}

    async def send(self, results: Results) -> dict[str, Any]:
        fields = self._fields()
        await self.client.update_timer_entry(self.ticket.id, self.entry_id, fields)
        back = await timer_on(self.client, self.ticket, self.entry_id)
        if back is None or not matches(back, fields):
            raise InputError(
                f"Syncro accepted the change to entry {self.entry_id} on #{self.ticket.number} but reading it back "
                f"shows {_state(back)}; check the entry in Syncro (list_time_entries)."
            )
        return {"timer_id": self.entry_id, "start_at": fields["start_at"], "end_at": fields["end_at"]}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        back = await timer_on(self.client, self.ticket, self.entry_id)
        fields = self._fields()
        if back is not None and matches(back, fields):
            return {"timer_id": self.entry_id, "start_at": fields["start_at"], "end_at": fields["end_at"]}
        return None


def _state(t: TicketTimer | None) -> str:
    if t is None:
        return "the entry is gone"
    return f"start {t.start_time}, end {t.end_time}, product {t.product_id}"


class DeleteTimerStep(Step):
    """POST delete_timer_entry; found when the entry is no longer on the ticket."""

    def __init__(self, client: SyncroClient, ticket: TicketSummary, entry_id: int, describe: str) -> None:
        super().__init__("timer_delete", describe, {"timer_entry_id": entry_id})
        self.client, self.ticket, self.entry_id = client, ticket, entry_id

    async def send(self, results: Results) -> dict[str, Any]:
        await self.client.delete_timer_entry(self.ticket.id, self.entry_id)
        return {"timer_id": self.entry_id, "deleted": True}

    async def find(self, results: Results, since: datetime) -> dict[str, Any] | None:
        if await timer_on(self.client, self.ticket, self.entry_id) is None:
            return {"timer_id": self.entry_id, "deleted": True}
        return None
