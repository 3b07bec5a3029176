"""Reading time across tickets: every ``GET /ticket_timers`` page a period needs
(docs/syncro-facts.md#timer-entries).

Syncro's ``/ticket_timers`` is oldest first and filters only on ``created_at``; it has no ticket
or technician filter, so the caller filters by ``user_id`` and by start time itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import TicketTimer
from .timers import TimersMixin


@dataclass
class TimerWalk:
    timers: list[TicketTimer]
    complete: bool
    """False when ``max_pages`` stopped the walk before Syncro's last page."""


class TimesheetMixin(TimersMixin):
    async def timers_created_after(self, after: datetime, *, max_pages: int = 40) -> TimerWalk:
        """Every timer created after ``after`` (``created_at_gt``), walking all pages up to ``max_pages``.

        A timer is created when it is logged, at or after its start, so every entry that started
        after ``after`` is here (plus entries logged after it for earlier work, which the caller
        drops by start time)."""
        timers: list[TicketTimer] = []
        page_no = 1
        while True:
            page = await self.list_ticket_timers(page_no, created_at_gt=after.isoformat())
            timers += page.items
            if not page.items or not page.has_more:
                return TimerWalk(timers, True)
            if page_no >= max_pages:
                return TimerWalk(timers, False)
            page_no += 1
