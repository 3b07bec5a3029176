"""Far-future and far-past dates in every date input: one clear input error naming the argument
and the plausible years, before anything is computed or sent (never an OverflowError traceback)."""

from __future__ import annotations

import pytest
from mcp import Client
from syncro_mcp.testing import in_memory

LOG = {"number": 32164, "minutes": 30, "labor_type": "remote", "notes": "x"}
CASES = [
    ("schedule_appointment", {"number": 32164, "start": "9999-12-31T23:00:00", "minutes": 90}, "start 9999"),
    ("schedule_appointment", {"number": 32164, "start": "9999-12-31T23:59:00-07:00", "minutes": 60}, "start 9999"),
    ("schedule_appointment", {"number": 32164, "start": "0001-01-01T00:00:00+14:00", "minutes": 60}, "start 0001"),
    ("schedule_appointment", {"number": 32164, "start": "3026-01-01T09:00:00", "minutes": 60}, "start 3026"),
    ("move_appointment", {"appointment_id": 5560200291, "start": "9999-12-31T23:00:00"}, "start 9999"),
    ("move_appointment", {"appointment_id": 5560200291, "start": "0001-01-01T00:00:00"}, "start 0001"),
    ("list_appointments", {"from": "9999-12-31"}, "9999-12-31"),
    ("list_appointments", {"to": "0001-01-01"}, "0001-01-01"),
    ("list_appointments", {"from": "2026-01-01", "to": "2100-12-31"}, "at most 93 days"),
    ("my_time", {"from": "0001-01-01", "to": "9999-12-31"}, "0001-01-01"),
    ("my_time", {"to": "9999-12-31"}, "9999-12-31"),
    ("log_time", {**LOG, "started_at": "9999-12-31T23:50:00"}, "started_at 9999"),
    ("log_time", {**LOG, "started_at": "0001-01-01T00:00:00"}, "started_at 0001"),
    ("unbilled_work", {"since": "0001-01-01"}, "0001-01-01"),
    ("create_ticket", {"customer": "Jerry Burger", "subject": "x", "due_date": "9999-12-31"}, "9999-12-31"),
    ("update_ticket", {"number": 32164, "due_date": "0001-01-01"}, "0001-01-01"),
]


@pytest.mark.parametrize("tool, args, named", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
async def test_implausible_dates_are_clear_input_errors(tool, args, named):
    async with in_memory(toolsets=["all"], confirm_creates=True) as env, Client(env.server, mode="legacy") as c:
        r = await c.call_tool(tool, args)
        text = r.content[0].text
        assert r.is_error and named in text and "Unexpected" not in text, text
        assert "1970 and 2100" in text or "93 days" in text, text
        assert env.sandbox.requests.writes() == []
