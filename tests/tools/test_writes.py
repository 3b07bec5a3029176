"""Write tools: confirmation (token and elicitation), exact Syncro bodies, no writes on bad input."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client
from support.harness import FIXED_NOW, call, call_confirmed, elicitation, harness, text

TIME_FIELDS = {"minutes_spent", "product_id", "bill_time_now", "duration_minutes"}


def writes(h):
    return [q for q in h.sandbox.requests if q.method != "GET"]


async def test_preview_writes_nothing_and_token_posts_exactly_once(h):
    args = {"number": 32164, "body": "Rebooted the NAS."}
    first = await call(h.app.server, "add_comment", args)
    sc = first.structured_content
    assert sc["status"] == "needs_confirmation" and sc["confirm_token"]
    assert "Rebooted the NAS." in sc["preview"] and "public, emailed to the customer" in sc["preview"]
    assert "confirm_token" in text(first)
    assert writes(h) == []

    done = await call(h.app.server, "add_comment", {**args, "confirm_token": sc["confirm_token"]})
    assert done.structured_content["status"] == "done", text(done)
    posts = h.sandbox.requests.matching("POST", "/tickets/*/comment")
    assert len(posts) == 1 and len(writes(h)) == 1
    assert posts[0].body == {"subject": "Update", "body": "Rebooted the NAS.", "hidden": False, "do_not_email": False}


async def test_comment_with_time_is_two_calls_with_exact_timer_math(h):
    r = await call_confirmed(
        h.app.server,
        "add_comment",
        {"number": 32164, "body": "Fixed sync.", "hidden": True, "minutes": 30, "labor_type": "Remote"},
    )
    assert r.structured_content["status"] == "done", text(r)
    w = writes(h)
    assert [q.path.rsplit("/", 1)[-1] for q in w] == ["comment", "timer_entry"]
    comment, timer = w[0].body, w[1].body
    assert not TIME_FIELDS & set(comment), "the comment call never carries time fields"
    assert comment["hidden"] is True
    start, end = datetime.fromisoformat(timer["start_at"]), datetime.fromisoformat(timer["end_at"])
    assert end == FIXED_NOW and end - start == timedelta(minutes=30)
    assert timer["product_id"] == 1190473 and timer["billable"] is True and timer["notes"] == "Fixed sync."
    ticket_id = await h.client.find_ticket_id(32164)
    assert w[0].path == f"/tickets/{ticket_id}/comment", "number resolved to the internal id"


@pytest.mark.parametrize(
    "args, needle",
    [
        ({"minutes": 30}, "labor_type is missing"),
        ({"labor_type": "remote"}, "minutes is missing"),
        ({"minutes": 30, "labor_type": "hourly"}, "Unknown labor type"),
        ({"minutes": 0, "labor_type": "remote"}, "minutes"),
        ({"minutes": 5000, "labor_type": "remote"}, "minutes"),
    ],
)
async def test_time_is_never_defaulted_or_guessed(h, args, needle):
    r = await call(h.app.server, "add_comment", {"number": 32164, "body": "x", **args})
    assert r.is_error and needle in text(r)
    assert writes(h) == []


async def test_log_time_requires_minutes_and_labor(h):
    r = await call(h.app.server, "log_time", {"number": 32164, "notes": "x"})
    assert r.is_error and writes(h) == []
    bad = await call(h.app.server, "log_time", {"number": 32164, "minutes": 15, "labor_type": "nap", "notes": "x"})
    assert bad.is_error and "remote" in text(bad) and "onsite" in text(bad)
    ok = await call_confirmed(
        h.app.server, "log_time", {"number": 32164, "minutes": 15, "labor_type": "onsite", "notes": "Swapped cable"}
    )
    assert ok.structured_content["status"] == "done"
    (timer,) = writes(h)
    assert timer.body["product_id"] == 26118


async def test_token_is_bound_to_the_exact_arguments(h):
    first = await call(h.app.server, "add_comment", {"number": 32164, "body": "A"})
    token = first.structured_content["confirm_token"]
    other = await call(h.app.server, "add_comment", {"number": 32164, "body": "B", "confirm_token": token})
    assert other.is_error and "does not match" in text(other)
    wrong_tool = await call(
        h.app.server,
        "log_time",
        {"number": 32164, "minutes": 5, "labor_type": "remote", "notes": "A", "confirm_token": token},
    )
    assert wrong_tool.is_error
    assert writes(h) == []


async def test_expired_token_is_refused(tmp_path):
    async with harness(tmp_path) as hh:
        confirmer = hh.app.registrar.confirmer
        args = {"number": 32164, "body": "late"}
        token = confirmer.issue(
            "add_comment",
            {**args, "subject": "Update", "hidden": False, "do_not_email": False, "minutes": None, "labor_type": None,
                 "again": False},
        )
        confirmer._clock = lambda: 10**12
        r = await call(hh.app.server, "add_comment", {**args, "confirm_token": token})
        assert r.is_error and "expired" in text(r)
        assert writes(hh) == []


@pytest.mark.parametrize("mode", ["legacy", "auto"])
@pytest.mark.parametrize("action, posted", [("accept", 1), ("decline", 0), ("cancel", 0)])
async def test_elicitation_confirms_on_both_protocols(h, mode, action, posted):
    seen: list[str] = []
    r = await call(
        h.app.server,
        "add_comment",
        {"number": 32164, "body": "Via dialog"},
        mode=mode,
        elicitation_callback=elicitation(action, seen),
    )
    assert not r.is_error, text(r)
    assert seen and "Via dialog" in seen[0] and "#32164" in seen[0]
    assert len(h.sandbox.requests.matching("POST", "/tickets/*/comment")) == posted
    assert r.structured_content["status"] == ("done" if posted else "cancelled")
    if not posted:
        assert "nothing was written" in text(r)


async def test_update_ticket_validates_against_account_lists(h):
    bad = await call(h.app.server, "update_ticket", {"number": 32164, "status": "Fixed"})
    assert bad.is_error and '"In Progress"' in text(bad)
    bad_pri = await call(h.app.server, "update_ticket", {"number": 32164, "priority": "Urgent!!"})
    assert bad_pri.is_error and "2 Normal" in text(bad_pri)
    nothing = await call(h.app.server, "update_ticket", {"number": 32164})
    assert nothing.is_error and "Nothing to change" in text(nothing)
    assert writes(h) == []
    ok = await call(h.app.server, "update_ticket", {"number": 32164, "status": "in progress", "priority": "1 high"})
    assert ok.structured_content["status"] == "done", text(ok)
    (put,) = writes(h)
    assert put.method == "PUT" and put.body == {"status": "In Progress", "priority": "1 High"}


async def test_updates_confirm_when_configured(tmp_path):
    async with harness(tmp_path, confirm_creates=True) as hh:
        r = await call(hh.app.server, "update_ticket", {"number": 32164, "status": "Scheduled"})
        assert r.structured_content["status"] == "needs_confirmation"
        assert writes(hh) == []


async def test_create_ticket_by_customer_name_never_guesses(h):
    amb = await call(h.app.server, "create_ticket", {"customer": "a", "subject": "Test"})
    assert amb.is_error and "ambiguous" in text(amb) and "id" in text(amb)
    none = await call(h.app.server, "create_ticket", {"customer": "Nobody Atall", "subject": "Test"})
    assert none.is_error and "No customer matches" in text(none)
    assert writes(h) == []
    ok = await call(
        h.app.server,
        "create_ticket",
        {
            "customer": "LeeAnn Parkinson",
            "subject": "Printer jam",
            "description": "Tray 2 jams",
            "priority": "2 normal",
            "problem_type": "hardware",
        },
    )
    assert ok.structured_content["status"] == "done", text(ok)
    (post,) = writes(h)
    assert post.body["subject"] == "Printer jam" and post.body["priority"] == "2 Normal"
    assert post.body["problem_type"] == "Hardware"
    assert post.body["comments_attributes"][0]["body"] == "Tray 2 jams"
    number = ok.structured_content["number"]
    again = await call(h.app.server, "get_ticket", {"number": number})
    assert again.structured_content["customer"] == "LeeAnn Parkinson"


async def test_close_ticket_comments_then_sets_close_status(h):
    r = await call_confirmed(h.app.server, "close_ticket", {"number": 32163, "resolution": "Reset Jim's password."})
    assert r.structured_content["status"] == "done", text(r)
    assert "write_session_log" in text(r)
    w = writes(h)
    assert [q.method for q in w] == ["POST", "PUT"]
    assert w[0].body["subject"] == "Resolution" and w[1].body == {"status": "Resolved"}


async def test_delete_ticket_is_confirmed_and_destructive(tmp_path):
    async with harness(tmp_path, destructive_by_token=True) as h:  # the token fallback, allowed by the setting
        await _delete_ticket_by_token(h)


async def _delete_ticket_by_token(h):
    first = await call(h.app.server, "delete_ticket", {"number": 32175})
    assert (
        first.structured_content["status"] == "needs_confirmation"
        and "cannot be undone" in first.structured_content["preview"]
    )
    done = await call(
        h.app.server, "delete_ticket", {"number": 32175, "confirm_token": first.structured_content["confirm_token"]}
    )
    assert done.structured_content["status"] == "done"
    gone = await call(h.app.server, "get_ticket", {"number": 32175})
    assert gone.is_error


async def test_session_log_written_and_never_overwritten(h, tmp_path):
    r1 = await call(h.app.server, "write_session_log", {"number": 32162, "notes": "Customer happy."})
    r2 = await call(h.app.server, "write_session_log", {"number": 32162})
    p1, p2 = r1.structured_content["path"], r2.structured_content["path"]
    assert p1 != p2
    assert "Lens-Auto-Brokerage/session-logs/" in p1 and p1.startswith(str(tmp_path))
    body = Path(p1).read_text(encoding="utf-8")
    assert "# Session log — Len's Auto Brokerage — ticket #32162" in body and "Customer happy." in body
    assert "## Resolution" in body and writes(h) == []


async def test_session_log_is_saved_once(h):
    """Two identical calls (same ticket, day, notes): one file; the second says it is already saved."""
    args = {"number": 32162, "notes": "Customer happy."}
    r1 = await call(h.app.server, "write_session_log", args)
    r2 = await call(h.app.server, "write_session_log", args)
    assert r1.structured_content["status"] == "done", text(r1)
    assert r2.structured_content["status"] == "already_done" and "already saved" in text(r2), text(r2)
    assert r2.structured_content["path"] == r1.structured_content["path"]
    assert len(list(Path(r1.structured_content["path"]).parent.iterdir())) == 1


async def test_customer_and_invoice_writes(h):
    c = await call(h.app.server, "create_customer", {"business_name": "Saguaro Vet Clinic", "email": "vet@example.org"})
    assert c.structured_content["status"] == "done", text(c)
    assert writes(h)[-1].body == {"business_name": "Saguaro Vet Clinic", "email": "vet@example.org"}

    inv = await call_confirmed(h.app.server, "create_invoice", {"number": 32170})
    assert inv.structured_content["status"] == "done", text(inv)
    invoice = inv.structured_content["invoice"]
    line = await call_confirmed(
        h.app.server,
        "add_invoice_line_item",
        {"invoice": invoice["number"], "labor_type_or_product": "travel", "quantity": "0.5"},
    )
    assert line.structured_content["status"] == "done", text(line)
    post = writes(h)[-1]
    assert post.path == f"/invoices/{invoice['id']}/line_items"
    assert post.body["product_id"] == 26117 and float(post.body["quantity"]) == 0.5 and post.body["price"]
    shown = await call(h.app.server, "get_invoice", {"id_or_number": invoice["number"]})
    assert any(li.get("product_id") == 26117 for li in shown.structured_content["lines"])

    deleted = await call(
        h.app.server, "delete_invoice", {"invoice": str(invoice["id"])}, elicitation_callback=elicitation("accept")
    )
    assert deleted.structured_content["status"] == "done"
    assert writes(h)[-1].method == "DELETE"


async def test_read_only_client_key_errors_are_clean(tmp_path):
    from syncro_mcp.sandbox import Sandbox

    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path, sandbox=sb, api_key=sb.read_only_key) as hh, Client(hh.app.server, mode="legacy") as c:
        ok = await c.call_tool("get_ticket", {"number": 32164})
        assert not ok.is_error
        first = await c.call_tool("add_comment", {"number": 32164, "body": "x"})
        r = await c.call_tool(
            "add_comment", {"number": 32164, "body": "x", "confirm_token": first.structured_content["confirm_token"]}
        )
        assert r.is_error and "permission" in text(r) and "syncro-mcp check" in text(r)


async def test_token_survives_a_restart_but_not_a_different_syncro(tmp_path):
    from pydantic import SecretStr
    from support.harness import make_settings
    from syncro_mcp.client import SyncroClient
    from syncro_mcp.sandbox import Sandbox
    from syncro_mcp.server.app import build_app

    args = {"number": 32164, "body": "after restart"}
    async with harness(tmp_path) as first_run:
        token = (await call(first_run.app.server, "add_comment", args)).structured_content["confirm_token"]
    async with harness(tmp_path) as second_run:  # a new server process on the same state dir
        r = await call(second_run.app.server, "add_comment", {**args, "confirm_token": token})
        assert r.structured_content["status"] == "done", text(r)

    sb = Sandbox(rate_limit_per_min=None)
    other = SyncroClient(
        base_url="http://other.invalid/api/v1", api_key=SecretStr(sb.api_key), transport=sb.transport(), retry_base_s=0
    )
    async with other:
        app = build_app(make_settings(tmp_path), other)
        r = await call(app.server, "add_comment", {**args, "confirm_token": token})
    assert r.is_error and "does not match" in text(r)
    assert sb.requests.writes() == []
