"""Fixing time: update_time_entry / delete_time_entry on the sandbox (exact requests, billed refusals,
lost answers, declined confirmations)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import httpx
import pytest
from support.harness import FIXED_NOW, call, call_confirmed, elicitation, harness, text

NUMBER = 32164
START = FIXED_NOW - timedelta(hours=3)


async def logged(h, minutes: int = 30, notes: str = "Fixed sync.") -> tuple[int, int]:
    """A fresh 30-min remote entry on #32164 (through the client, before the tool call); the request log is reset."""
    ticket_id = await h.client.find_ticket_id(NUMBER)
    t = await h.client.add_timer_entry(
        ticket_id, start_at=START, end_at=START + timedelta(minutes=minutes), notes=notes, product_id=1190473
    )
    h.sandbox.requests.clear()
    return ticket_id, t.id


def writes(h):
    return h.sandbox.requests.writes()


@pytest.fixture
async def h(tmp_path):
    """These tests confirm by token; delete_time_entry is destructive, so that path needs the setting."""
    async with harness(tmp_path, destructive_by_token=True) as hh:
        yield hh


async def test_delete_by_token_is_refused_without_the_setting(tmp_path):
    """A destructive write needs the user's own yes (elicitation) unless destructive_by_token is set."""
    async with harness(tmp_path) as plain:
        _, entry_id = await logged(plain)
        r = await call(plain.app.server, "delete_time_entry", {"number": NUMBER, "entry_id": entry_id})
        assert r.is_error and "destructive_by_token" in text(r)
        accepted = await call(
            plain.app.server, "delete_time_entry", {"number": NUMBER, "entry_id": entry_id},
            elicitation_callback=elicitation("accept"),
        )
        assert not accepted.is_error, text(accepted)
        ticket_id = await plain.client.find_ticket_id(NUMBER)
        assert [w.path for w in writes(plain)] == [f"/tickets/{ticket_id}/delete_timer_entry"]


async def test_update_minutes_sends_explicit_times_and_reads_back(h):
    ticket_id, entry = await logged(h)
    r = await call_confirmed(h.app.server, "update_time_entry", {"number": NUMBER, "entry_id": entry, "minutes": 45})
    assert r.structured_content["status"] == "done", text(r)
    [put] = writes(h)
    assert put.method == "PUT" and put.path == f"/tickets/{ticket_id}/update_timer_entry"
    assert set(put.body) == {"timer_entry_id", "start_at", "end_at"}, "never duration_minutes (ignored by Syncro)"
    start, end = datetime.fromisoformat(put.body["start_at"]), datetime.fromisoformat(put.body["end_at"])
    assert put.body["timer_entry_id"] == entry and start == START and end - start == timedelta(minutes=45)
    assert h.sandbox.state.timers[entry]["active_duration"] == 45 * 60
    gets = [q for q in h.sandbox.requests if q.method == "GET" and q.path == f"/tickets/{ticket_id}"]
    assert gets and gets[-1].seq > put.seq, "the entry is read back after the PUT"


async def test_update_labor_and_notes_keeps_the_length(h):
    _, entry = await logged(h)
    args = {"number": NUMBER, "entry_id": entry, "labor_type": "onsite", "notes": "Onsite, not remote."}
    first = await call(h.app.server, "update_time_entry", args)
    preview = first.structured_content["preview"]
    assert "labor → onsite (product 26118)" in preview and "Onsite, not remote." in preview
    assert writes(h) == []
    r = await call_confirmed(h.app.server, "update_time_entry", args)
    assert r.structured_content["status"] == "done", text(r)
    [put] = writes(h)
    assert put.body["product_id"] == 26118 and put.body["notes"] == "Onsite, not remote."
    tm = h.sandbox.state.timers[entry]
    assert tm["product_id"] == 26118 and tm["active_duration"] == 30 * 60


class IgnoresEndAt(httpx.AsyncBaseTransport):
    """Syncro answering 200 to update_timer_entry while keeping the old end (the report about
    duration_minutes in docs/syncro-facts.md#timer-entries, here for end_at): the request reaches the
    sandbox without ``end_at``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and request.url.path.endswith("/update_timer_entry"):
            body = {k: v for k, v in json.loads(request.content).items() if k != "end_at"}
            request = httpx.Request("PUT", request.url, headers={k: v for k, v in request.headers.items()
                                                                 if k.lower() != "content-length"}, json=body)
        return await self.inner.handle_async_request(request)


async def test_update_that_syncro_did_not_keep_is_reported_not_claimed(tmp_path):
    """The read-back is what decides: an entry still 30 min long after the PUT is not "Updated"."""
    from syncro_mcp.sandbox import Sandbox

    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, client_kw={"transport": IgnoresEndAt(sb.transport())}) as h:
        _, entry = await logged(h)
        args = {"number": NUMBER, "entry_id": entry, "minutes": 45}
        r = await call_confirmed(h.app.server, "update_time_entry", args)
        assert r.is_error or r.structured_content["status"] != "done", text(r)
        assert "reading it back shows" in text(r) and "Updated time entry" not in text(r), text(r)
        assert sb.state.timers[entry]["active_duration"] == 30 * 60
        assert len(sb.requests.matching("PUT", "/tickets/*/update_timer_entry")) == 1, "never re-sent"


@pytest.mark.parametrize(
    "args, needle",
    [
        ({}, "Nothing to change"),
        ({"labor_type": "hourly"}, "Unknown labor type"),
        ({"entry_id": 1, "minutes": 45}, "no time entry 1"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(h, args, needle):
    _, entry = await logged(h)
    r = await call(h.app.server, "update_time_entry", {"number": NUMBER, "entry_id": entry, **args})
    assert r.is_error and needle in text(r), text(r)
    assert writes(h) == []


async def test_lengthening_past_now_is_refused_before_anything_is_asked(h):
    """The start is kept: 3 h ago + 200 min ends 20 min from now. Refused naming the end and the fix."""
    _, entry = await logged(h)
    seen: list[str] = []
    args = {"number": NUMBER, "entry_id": entry, "minutes": 200}
    r = await call(h.app.server, "update_time_entry", args, elicitation_callback=elicitation("accept", seen))
    end = (START + timedelta(minutes=200)).strftime("%H:%M")
    assert r.is_error and "after now" in text(r) and end in text(r), text(r)
    assert "at most 180 minutes" in text(r) and "earlier started_at" in text(r)
    assert seen == [] and writes(h) == []
    assert h.sandbox.state.timers[entry]["active_duration"] == 30 * 60
    ok = await call_confirmed(h.app.server, "update_time_entry", {**args, "minutes": 180})  # ends now: fine
    assert ok.structured_content["status"] == "done", text(ok)


async def test_charged_entry_is_refused_with_the_reason(h):
    ticket_id, entry = await logged(h)
    await h.client.charge_timer_entry(ticket_id, entry)
    h.sandbox.requests.clear()
    for tool, extra in (("update_time_entry", {"minutes": 45}), ("delete_time_entry", {})):
        r = await call(h.app.server, tool, {"number": NUMBER, "entry_id": entry, **extra})
        assert r.is_error and "already charged" in text(r) and "Nothing was sent" in text(r), text(r)
    assert writes(h) == []


async def test_entry_on_an_invoice_is_refused_naming_it(h):
    ticket_id, entry = await logged(h)
    ticket = await h.client.get_ticket(ticket_id)
    inv = await h.client.create_invoice(customer_id=ticket.customer_id, ticket_id=ticket_id)
    h.sandbox.requests.clear()
    r = await call(h.app.server, "delete_time_entry", {"number": NUMBER, "entry_id": entry})
    assert r.is_error and f"invoice #{inv.number}" in text(r), text(r)
    assert writes(h) == [] and entry in h.sandbox.state.timers


async def test_delete_sends_exactly_one_request(h):
    ticket_id, entry = await logged(h)
    first = await call(h.app.server, "delete_time_entry", {"number": NUMBER, "entry_id": entry})
    assert "DELETE time entry" in first.structured_content["preview"] and "30m" in first.structured_content["preview"]
    r = await call_confirmed(h.app.server, "delete_time_entry", {"number": NUMBER, "entry_id": entry})
    assert r.structured_content["status"] == "done", text(r)
    [post] = writes(h)
    assert post.path == f"/tickets/{ticket_id}/delete_timer_entry" and post.body == {"timer_entry_id": entry}
    assert entry not in h.sandbox.state.timers


@pytest.mark.parametrize(
    "tool, method, path, extra",
    [
        ("update_time_entry", "PUT", "/tickets/*/update_timer_entry", {"minutes": 45}),
        ("delete_time_entry", "POST", "/tickets/*/delete_timer_entry", {}),
    ],
)
async def test_lost_answer_is_settled_by_reading_never_resent(h, tool, method, path, extra):
    _, entry = await logged(h)
    h.sandbox.faults.add(method=method, path=path, kind="apply_then_timeout", call=1, times=1)
    r = await call_confirmed(h.app.server, tool, {"number": NUMBER, "entry_id": entry, **extra})
    assert r.structured_content["status"] == "done", text(r)
    assert "confirmed by reading Syncro" in text(r)
    assert len(h.sandbox.requests.matching(method, path)) == 1
    if tool == "delete_time_entry":
        assert entry not in h.sandbox.state.timers
    else:
        assert h.sandbox.state.timers[entry]["active_duration"] == 45 * 60


@pytest.mark.parametrize("tool, extra", [("update_time_entry", {"minutes": 45}), ("delete_time_entry", {})])
async def test_declined_confirmation_sends_nothing(h, tool, extra):
    _, entry = await logged(h)
    r = await call(
        h.app.server, tool, {"number": NUMBER, "entry_id": entry, **extra}, elicitation_callback=elicitation("decline")
    )
    assert r.structured_content["status"] == "cancelled", text(r)
    assert writes(h) == [] and h.sandbox.state.timers[entry]["active_duration"] == 30 * 60


async def test_list_time_entries_shows_the_entry_id(h):
    _, entry = await logged(h)
    r = await call(h.app.server, "list_time_entries", {"number": NUMBER})
    assert f"[entry {entry}]" in text(r)
    assert entry in [e["id"] for e in r.structured_content["entries"]]


# -- log_time: past work and on behalf of another technician ------------------------------------
async def test_log_time_past_work_for_another_tech(h):
    args = {
        "number": NUMBER, "minutes": 90, "labor_type": "onsite", "notes": "Server swap.",
        "started_at": "2026-11-24T09:00:00-07:00", "tech": "Jordan",
    }
    first = await call(h.app.server, "log_time", args)
    preview = first.structured_content["preview"]
    assert "past work" in preview and "on behalf of: Jordan Reyes (user 1480212)" in preview, preview
    assert writes(h) == []
    r = await call_confirmed(h.app.server, "log_time", args)
    assert r.structured_content["status"] == "done", text(r)
    [post] = writes(h)
    start, end = datetime.fromisoformat(post.body["start_at"]), datetime.fromisoformat(post.body["end_at"])
    assert start == datetime.fromisoformat("2026-11-24T09:00:00-07:00") and end - start == timedelta(minutes=90)
    assert post.body["user_id"] == 1480212 and post.body["product_id"] == 26118
    tm = h.sandbox.state.timers[r.structured_content["timer_id"]]
    assert tm["user_id"] == 1480212 and tm["active_duration"] == 90 * 60


async def test_log_time_without_the_new_fields_is_unchanged(h):
    r = await call_confirmed(h.app.server, "log_time", {"number": NUMBER, "minutes": 15, "labor_type": "remote",
                                                        "notes": "Quick fix."})
    assert r.structured_content["status"] == "done", text(r)
    [post] = writes(h)
    assert "user_id" not in post.body and datetime.fromisoformat(post.body["end_at"]) == FIXED_NOW


@pytest.mark.parametrize(
    "extra, needle",
    [
        ({"started_at": (FIXED_NOW - timedelta(minutes=10)).isoformat()}, "ends after now"),
        ({"tech": "Nobody Here"}, "technician"),
    ],
)
async def test_log_time_refuses_future_work_and_unknown_techs(h, extra, needle):
    args = {"number": NUMBER, "minutes": 30, "labor_type": "remote", "notes": "x", **extra}
    r = await call(h.app.server, "log_time", args)
    assert r.is_error and needle in text(r), text(r)
    assert writes(h) == []


async def test_log_time_past_work_lost_answer_is_not_doubled(h):
    args = {"number": NUMBER, "minutes": 45, "labor_type": "remote", "notes": "Backfill.",
            "started_at": "2026-11-23T14:00:00", "tech": "Sam Patel"}
    ticket_id = await h.client.find_ticket_id(NUMBER)
    before = len([t for t in h.sandbox.state.timers.values() if t["ticket_id"] == ticket_id])
    h.sandbox.faults.add(method="POST", path="/tickets/*/timer_entry", kind="apply_then_timeout", call=1, times=1)
    r = await call_confirmed(h.app.server, "log_time", args)
    assert r.structured_content["status"] == "done", text(r)
    assert len(h.sandbox.requests.matching("POST", "/tickets/*/timer_entry")) == 1
    after = [t for t in h.sandbox.state.timers.values() if t["ticket_id"] == ticket_id]
    assert len(after) == before + 1 and after[-1]["user_id"] == 1480217


async def test_seeded_entry_copied_onto_invoice_1044_is_refused(h):
    """#32162's time was copied onto invoice #1044 by "Make Invoice" (the timer itself is not marked charged)."""
    r = await call(h.app.server, "update_time_entry", {"number": 32162, "entry_id": 18800733, "minutes": 60})
    assert r.is_error and "invoice #1044" in text(r), text(r)
    assert writes(h) == []


async def test_log_time_past_work_declined_sends_nothing(h):
    args = {"number": NUMBER, "minutes": 30, "labor_type": "remote", "notes": "x", "started_at": "2026-11-24T09:00:00",
            "tech": "Jordan"}
    r = await call(h.app.server, "log_time", args, elicitation_callback=elicitation("decline"))
    assert r.structured_content["status"] == "cancelled", text(r)
    assert writes(h) == []


def test_plain_log_time_keeps_its_journal_key():
    from syncro_mcp.tools.time import LogTimeArgs, PastTimeArgs

    plain = {"number": NUMBER, "minutes": 30, "labor_type": "remote", "notes": "x"}
    assert PastTimeArgs(**plain).journal_key() == LogTimeArgs(**plain).journal_key()
    past = PastTimeArgs(**plain, started_at="2026-11-24T09:00:00", tech="Jordan").journal_key()
    assert past["tech"] == "Jordan" and past["started_at"] is not None
