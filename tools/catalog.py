"""Every tool, in the order tools/list shows them: the one list the server registers from
(and ``resume_write`` replays from)."""

from __future__ import annotations

from . import (
    assets,
    billing,
    customers,
    day_writes,
    history,
    invoices,
    schedule,
    session_log,
    tickets,
    time,
    time_edit,
    timesheet,
    unbilled,
    writes,
)
from .declare import Tool

TOOLS: tuple[Tool, ...] = (
    *tickets.TOOLS,
    *session_log.TOOLS,
    *time.TOOLS,
    *timesheet.TOOLS,
    *time_edit.TOOLS,
    *billing.TOOLS,
    *unbilled.TOOLS,
    *customers.TOOLS,
    *history.TOOLS,
    *invoices.TOOLS,
    *day_writes.TOOLS,
    *schedule.TOOLS,
    *assets.TOOLS,
    *writes.TOOLS,
)
BY_NAME = {t.name: t for t in TOOLS}
