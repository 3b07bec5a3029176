"""schedule_appointment, move_appointment (schedule toolset) and ticket_from_alert (assets toolset) on
the sandbox: exact requests, lost answers never doubled, declined confirmations send nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from support.harness import FIXED_NOW, call, call_confirmed, elicitation, harness, text

OPT_IN = ["tickets", "time", "schedule", "assets"]
NUMBER = 32164
APPT = 5560200291  # "Install Marco's workstation", #32166, 14:00–16:00 (2 h)
ALERT = 61450145  # LENS-SRV-01 "Low hard drive space", Len's Auto, asset 8831026, no ticket


@pytest.fixture
async def hs(tmp_path) -> AsyncIterator:
    (tmp_path / "opt").mkdir()
    async with harness(tmp_path / "opt", toolsets=OPT_IN) as env:
        yield env


def writes(h):
    return h.sandbox.requests.writes()


async def test_schedule_and_assets_are_opt_in(h, hs):
    from mcp import Client

    async with Client(h.app.server, mode="legacy") as c:
        default = {t.name for t in (await c.list_tools()).tools}
    async with Client(hs.app.server, mode="legacy") as c:
        opted = {t.name for t in (await c.list_tools()).tools}
    new = {"schedule_appointment", "move_appointment", "ticket_from_alert"}
    assert not new & default and new <= opted


# -- schedule_appointment --------------------------------------------------------------------------
SCHEDULE = {"number": NUMBER, "start": "2026-11-27T09:30:00-07:00", "minutes": 90, "tech": "Jordan",
            "location": "Front office"}


async def test_schedule_posts_one_exact_appointment(hs):
    first = await call(hs.app.server, "schedule_appointment", SCHEDULE)
    preview = first.structured_content["preview"]
    assert "Jordan Reyes (user 1480212)" in preview and "1h 30m" in preview and "not emailed" in preview, preview
    assert writes(hs) == []
    before = len(hs.sandbox.state.appointments)
    r = await call_confirmed(hs.app.server, "schedule_appointment", SCHEDULE)
    assert r.structured_content["status"] == "done", text(r)
    [post] = writes(hs)
    ticket_id = await hs.client.find_ticket_id(NUMBER)
    start = datetime.fromisoformat("2026-11-27T09:30:00-07:00")
    assert post.path == "/appointments" and post.body["ticket_id"] == ticket_id
    assert datetime.fromisoformat(post.body["start_at"]) == start
    assert datetime.fromisoformat(post.body["end_at"]) == start + timedelta(minutes=90)
    assert post.body["user_id"] == 1480212 and post.body["location"] == "Front office"
    assert post.body["do_not_email"] is True and post.body["customer_id"] == 29140011
    assert len(hs.sandbox.state.appointments) == before + 1


async def test_schedule_lost_answer_is_found_not_doubled(hs):
    before = len(hs.sandbox.state.appointments)
    hs.sandbox.faults.add(method="POST", path="/appointments", kind="apply_then_timeout", call=1, times=1)
    r = await call_confirmed(hs.app.server, "schedule_appointment", SCHEDULE)
    assert r.structured_content["status"] == "done", text(r)
    assert "confirmed by reading Syncro" in text(r)
    assert len(hs.sandbox.requests.matching("POST", "/appointments")) == 1
    assert len(hs.sandbox.state.appointments) == before + 1


async def test_schedule_lost_answer_is_found_past_the_first_page(hs):
    """A busy day (more appointments than one page holds): the check reads every page, never re-sends."""
    ticket_id = await hs.client.find_ticket_id(NUMBER)
    for i in range(30):  # Syncro pages hold 25; these start earlier the same day
        start = datetime.fromisoformat("2026-11-27T07:00:00-07:00") + timedelta(minutes=i)
        await hs.client.create_appointment({"summary": f"Filler {i}", "ticket_id": ticket_id, "start_at": start,
                                            "end_at": start + timedelta(minutes=30)})
    hs.sandbox.requests.clear()
    before = len(hs.sandbox.state.appointments)
    hs.sandbox.faults.add(method="POST", path="/appointments", kind="apply_then_timeout", call=1, times=1)
    r = await call_confirmed(hs.app.server, "schedule_appointment", SCHEDULE)
    assert r.structured_content["status"] == "done", text(r)
    assert len(hs.sandbox.requests.matching("POST", "/appointments")) == 1
    assert len(hs.sandbox.state.appointments) == before + 1
    assert any(q.query.get("page") == "2" for q in hs.sandbox.requests.matching("GET", "/appointments"))


@pytest.mark.parametrize(
    "extra, needle",
    [({"start": (FIXED_NOW - timedelta(hours=1)).isoformat()}, "in the past"), ({"tech": "Nobody Here"}, "technician"),
     ({"minutes": 0}, "minutes")],
)
async def test_schedule_bad_input_sends_nothing(hs, extra, needle):
    r = await call(hs.app.server, "schedule_appointment", {**SCHEDULE, **extra})
    assert r.is_error and needle in text(r), text(r)
    assert writes(hs) == []


async def test_schedule_declined_sends_nothing(hs):
    r = await call(hs.app.server, "schedule_appointment", SCHEDULE, elicitation_callback=elicitation("decline"))
    assert r.structured_content["status"] == "cancelled", text(r)
    assert writes(hs) == []


# -- move_appointment ------------------------------------------------------------------------------
MOVE = {"appointment_id": APPT, "start": "2026-11-30T08:00:00-07:00"}


async def test_move_keeps_the_length_and_can_set_scheduled(hs):
    ticket_id = await hs.client.find_ticket_id(32166)
    hs.sandbox.state.tickets[ticket_id]["status"] = "In Progress"
    args = {**MOVE, "set_scheduled": True}
    first = await call(hs.app.server, "move_appointment", args)
    preview = first.structured_content["preview"]
    assert "length 2h kept" in preview and "Scheduled" in preview, preview
    r = await call_confirmed(hs.app.server, "move_appointment", args)
    assert r.structured_content["status"] == "done", text(r)
    put, status = writes(hs)
    start = datetime.fromisoformat(MOVE["start"])
    assert put.method == "PUT" and put.path == f"/appointments/{APPT}"
    assert put.body == {"start_at": start.isoformat(), "end_at": (start + timedelta(hours=2)).isoformat()}
    assert status.path == f"/tickets/{ticket_id}" and status.body == {"status": "Scheduled"}
    appt = hs.sandbox.state.appointments[APPT]
    assert appt["start_at"].startswith("2026-11-30T08:00") and appt["end_at"].startswith("2026-11-30T10:00")
    assert hs.sandbox.state.tickets[ticket_id]["status"] == "Scheduled"


async def test_move_lost_answer_is_settled_by_reading(hs):
    hs.sandbox.faults.add(method="PUT", path="/appointments/*", kind="apply_then_timeout", call=1, times=1)
    r = await call_confirmed(hs.app.server, "move_appointment", MOVE)
    assert r.structured_content["status"] == "done", text(r)
    assert "confirmed by reading Syncro" in text(r)
    assert len(hs.sandbox.requests.matching("PUT", "/appointments/*")) == 1


async def test_move_declined_or_unknown_sends_nothing(hs):
    r = await call(hs.app.server, "move_appointment", MOVE, elicitation_callback=elicitation("decline"))
    assert r.structured_content["status"] == "cancelled", text(r)
    r = await call(hs.app.server, "move_appointment", {**MOVE, "appointment_id": 1})
    assert r.is_error
    r = await call(hs.app.server, "move_appointment", {**MOVE, "start": "2026-11-20T08:00:00-07:00"})
    assert r.is_error and "in the past" in text(r), text(r)
    r = await call(hs.app.server, "move_appointment", {**MOVE, "appointment_id": 5560200194, "set_scheduled": True})
    assert r.is_error and "no ticket" in text(r), text(r)
    assert writes(hs) == []


# -- ticket_from_alert -----------------------------------------------------------------------------
async def test_ticket_from_alert_links_the_asset(hs):
    first = await call(hs.app.server, "ticket_from_alert", {"alert_id": ALERT})
    preview = first.structured_content["preview"]
    assert "LENS-SRV-01" in preview and "asset 8831026" in preview and "Low hard drive space" in preview, preview
    assert writes(hs) == []
    r = await call_confirmed(hs.app.server, "ticket_from_alert", {"alert_id": ALERT})
    assert r.structured_content["status"] == "done", text(r)
    [post] = writes(hs)
    assert post.path == "/tickets" and post.body["customer_id"] == 29140035 and post.body["asset_ids"] == [8831026]
    assert post.body["subject"] == "RMM alert: Low hard drive space"
    [note] = post.body["comments_attributes"]
    assert note["hidden"] is True and f"RMM alert {ALERT}" in note["body"]
    number = r.structured_content["number"]
    [t] = [t for t in hs.sandbox.state.tickets.values() if t["number"] == number]
    assert t["customer_id"] == 29140035 and t["asset_ids"] == [8831026]


async def test_ticket_from_alert_lost_answer_is_found_not_doubled(hs):
    before = len(hs.sandbox.state.tickets)
    hs.sandbox.faults.add(method="POST", path="/tickets", kind="apply_then_timeout", call=1, times=1)
    args = {"alert_id": ALERT, "subject": "Disk full on LENS-SRV-01"}
    r = await call_confirmed(hs.app.server, "ticket_from_alert", args)
    assert r.structured_content["status"] == "done", text(r)
    assert "confirmed by reading Syncro" in text(r)
    assert len(hs.sandbox.requests.matching("POST", "/tickets")) == 1
    assert len(hs.sandbox.state.tickets) == before + 1


async def test_ticket_from_alert_refusals_send_nothing(hs):
    r = await call(hs.app.server, "ticket_from_alert", {"alert_id": 61450029})
    assert r.is_error and "already has ticket" in text(r), text(r)
    r = await call(hs.app.server, "ticket_from_alert", {"alert_id": ALERT}, elicitation_callback=elicitation("decline"))
    assert r.structured_content["status"] == "cancelled", text(r)
    assert writes(hs) == []


async def test_lengths_are_elapsed_time_across_the_dst_change(tmp_path):
    """Denver falls back at 02:00 MDT on 2026-11-01: a 2-hour appointment from 00:30 MDT ends at 01:30 MST
    (two hours later), not at 02:30 MST (three). Python's zoned arithmetic is wall-clock arithmetic."""
    from zoneinfo import ZoneInfo

    from syncro_mcp.sandbox import Sandbox
    from syncro_mcp.testing import in_memory

    denver = ZoneInfo("America/Denver")
    sb = Sandbox(rate_limit_per_min=None, time_zone="America/Denver")
    async with in_memory(tmp_path, sandbox=sb, timezone="America/Denver", toolsets=OPT_IN,
                         now=lambda: datetime(2026, 10, 30, 12, tzinfo=denver)) as env:
        night = "2026-11-01T00:30:00"  # naive: the account's local time (MDT that night)
        preview = (await call(env.server, "move_appointment", {"appointment_id": APPT, "start": night}))
        assert "ends 2026-11-01 01:30 MST (length 2h kept)" in preview.structured_content["preview"], text(preview)
        r = await call_confirmed(env.server, "move_appointment", {"appointment_id": APPT, "start": night})
        assert r.structured_content["status"] == "done", text(r)
        r = await call_confirmed(env.server, "schedule_appointment", {"number": NUMBER, "start": night, "minutes": 90})
        assert r.structured_content["status"] == "done", text(r)
        new = max(sb.state.appointments.values(), key=lambda a: a["id"])
        for appt, length in ((sb.state.appointments[APPT], timedelta(hours=2)), (new, timedelta(minutes=90))):
            start, end = datetime.fromisoformat(appt["start_at"]), datetime.fromisoformat(appt["end_at"])
            assert start == datetime(2026, 11, 1, 0, 30, tzinfo=denver) and end - start == length, appt


async def test_ticket_from_alert_is_refused_once_any_server_made_one_for_it(tmp_path):
    """Syncro does not link the alert to a ticket made with POST /tickets, so the alert stays open and
    unlinked: hours later (past the repeat window), or from another server, a second call must not make a
    second ticket. The ticket is recognised by its first note, which names the alert's id."""
    from syncro_mcp.sandbox import Sandbox

    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path / "a", sandbox=sb, toolsets=OPT_IN) as first:
        r = await call_confirmed(first.app.server, "ticket_from_alert", {"alert_id": ALERT})
        made = r.structured_content["number"]
    async with harness(tmp_path / "b", sandbox=sb, toolsets=OPT_IN) as other:  # its own journal
        sb.requests.clear()
        r = await call(other.app.server, "ticket_from_alert", {"alert_id": ALERT, "subject": "Disk space again"})
        assert r.is_error and f"already has ticket #{made}" in text(r) and "again=true" in text(r), text(r)
        assert sb.requests.writes() == []
        again = await call(other.app.server, "ticket_from_alert", {"alert_id": ALERT, "again": True})
        assert again.structured_content["status"] == "needs_confirmation", text(again)
        # another alert of the same customer is its own: not refused
        other_alert = next(a["id"] for a in sb.state.rmm_alerts.values()
                           if a["customer_id"] == 29140035 and a["id"] != ALERT and not a["ticket_id"])
        r = await call(other.app.server, "ticket_from_alert", {"alert_id": other_alert})
        assert r.structured_content["status"] == "needs_confirmation", text(r)
