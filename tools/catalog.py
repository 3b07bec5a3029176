"""Every tool, in the order tools/list shows them: the one list the server registers from
(and ``resume_write`` replays from)."""

from __future__ import annotations

from . import billing, customers, day_writes, invoices, session_log, tickets, time, time_edit, writes
from .declare import Tool

TOOLS: tuple[Tool, ...] = (
    *tickets.TOOLS,
    *session_log.TOOLS,
    *time.TOOLS,
    *time_edit.TOOLS,
    *billing.TOOLS,
    *customers.TOOLS,
    *invoices.TOOLS,
    *day_writes.TOOLS,
    *writes.TOOLS,
)
BY_NAME = {t.name: t for t in TOOLS}
