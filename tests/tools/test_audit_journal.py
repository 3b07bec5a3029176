"""Audit log and write journal: every write recorded once; resume, dedupe and lock behave."""

from __future__ import annotations

import json
import re

from support.harness import call, call_confirmed, elicitation, harness, text
from syncro_mcp.server.cli import main as cli_main

BILL = {"number": 32164, "minutes": 45, "labor_type": "remote", "notes": "Fixed ownCloud sync."}


def audit_lines(h) -> list[dict]:
    """The outcome lines; each follows its intent line (written before the request was sent)."""
    path = h.app.runtime.journal.path.parent / "audit.jsonl"
    every = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    intents, outcomes = every[0::2], every[1::2]
    pairs = zip(intents, outcomes, strict=True)
    assert all(i["phase"] == "intent" and i["ref"] == o["ref"] and "phase" not in o for i, o in pairs)
    return outcomes


async def test_audit_records_each_write_with_how_it_was_confirmed(h):
    await call_confirmed(
        h.app.server, "add_comment", {"number": 32164, "body": "A", "minutes": 10, "labor_type": "remote"}
    )
    await call(h.app.server, "add_comment", {"number": 32163, "body": "B"}, elicitation_callback=elicitation("accept"))
    await call(h.app.server, "update_ticket", {"number": 32163, "priority": "1 High"})
    lines = audit_lines(h)
    assert [(x["tool"], x["method"], x["confirmed_by"]) for x in lines] == [
        ("add_comment", "POST", "token"),
        ("add_comment", "POST", "token"),
        ("add_comment", "POST", "elicitation"),
        ("update_ticket", "PUT", "not required"),
    ]
    assert lines[0]["ok"] and lines[0]["ids"]["id"] and lines[1]["path"].endswith("/timer_entry")
    assert len(lines) == len([q for q in h.sandbox.requests if q.method != "GET"])


async def test_audit_cli_prints_readably(h, capsys, monkeypatch):
    await call_confirmed(h.app.server, "add_comment", {"number": 32164, "body": "A"})
    monkeypatch.setenv("SYNCRO_STATE_DIR", str(h.app.runtime.journal.path.parent))
    assert cli_main(["audit", "--since", "1h"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"add_comment\s+POST\s+/tickets/\d+/comment → 200 \[id \d+\]\s+confirmed: token", out), out


async def test_bill_is_refused_when_repeated_within_the_window_unless_asked(h):
    first = await call_confirmed(h.app.server, "bill_ticket", BILL)
    assert first.structured_content["status"] == "done", text(first)
    invoice = first.structured_content["invoice"]["number"]
    writes_before = len([q for q in h.sandbox.requests if q.method != "GET"])
    again = await call(h.app.server, "bill_ticket", BILL)
    assert again.is_error and "already billed" in text(again) and f"#{invoice}" in text(again)
    assert len([q for q in h.sandbox.requests if q.method != "GET"]) == writes_before
    forced = await call_confirmed(h.app.server, "bill_ticket", {**BILL, "bill_again": True})
    assert forced.structured_content["status"] == "done"


async def test_failed_bill_resumes_from_the_first_unconfirmed_step(h):
    # The invoice POST fails outright (500 answered, nothing applied): comment and timer are done.
    h.sandbox.faults.add("POST", "/invoices", "500", call=1, times=4)
    r = await call_confirmed(h.app.server, "bill_ticket", BILL)
    assert r.is_error
    pending = await call(h.app.server, "pending_writes", {})
    (entry,) = pending.structured_content["entries"]
    assert entry["done"] == ["comment", "timer"] and entry["left"] == ["invoice", "invoice_line", "status"]

    h.sandbox.faults.clear()
    same = await call(h.app.server, "bill_ticket", BILL)  # repeating the call never resumes it
    n = entry["entry_id"]
    assert same.is_error and f"resume_write({n})" in text(same) and f"abandon_write({n})" in text(same), text(same)
    resumed = await call_confirmed(h.app.server, "resume_write", {"entry_id": n})
    assert resumed.structured_content["status"] == "done", text(resumed)
    assert "resumed" in text(resumed)
    assert len(h.sandbox.requests.matching("POST", "/tickets/*/comment")) == 1
    assert len(h.sandbox.requests.matching("POST", "/tickets/*/timer_entry")) == 1
    assert len([q for q in h.sandbox.requests.matching("POST", "/invoices") if q.applied]) == 1
    assert (await call(h.app.server, "pending_writes", {})).structured_content["entries"] == []


async def test_a_different_write_waits_for_the_unfinished_one(h):
    h.sandbox.faults.add("POST", "/invoices", "500", call=1, times=4)
    await call_confirmed(h.app.server, "bill_ticket", BILL)
    other = await call(h.app.server, "add_comment", {"number": 32164, "body": "unrelated"})
    assert other.is_error and "unfinished write" in text(other) and "resume_write" in text(other)
    entry_id = (await call(h.app.server, "pending_writes", {})).structured_content["entries"][0]["entry_id"]
    dropped = await call_confirmed(h.app.server, "abandon_write", {"entry_id": entry_id})
    assert dropped.structured_content["status"] == "done"
    ok = await call_confirmed(h.app.server, "add_comment", {"number": 32164, "body": "unrelated"})
    assert ok.structured_content["status"] == "done"


async def test_resume_write_finishes_an_entry(h):
    h.sandbox.faults.add("PUT", "/tickets/*", "503", call=1, times=4)
    await call_confirmed(h.app.server, "close_ticket", {"number": 32163, "resolution": "Done."})
    entry_id = (await call(h.app.server, "pending_writes", {})).structured_content["entries"][0]["entry_id"]
    h.sandbox.faults.clear()
    r = await call_confirmed(h.app.server, "resume_write", {"entry_id": entry_id})
    assert r.structured_content["status"] == "done", text(r)
    assert len(h.sandbox.requests.matching("POST", "/tickets/*/comment")) == 1
    t = await call(h.app.server, "get_ticket", {"number": 32163})
    assert t.structured_content["status"] == "Resolved"


async def test_ticket_lock_refuses_a_second_writer(tmp_path):
    async with harness(tmp_path) as hh:
        j = hh.app.runtime.journal
        tid = 32164
        j._owner = "otherhost:1"  # a writer elsewhere holds the ticket
        j.lock(tid, 999)
        j._owner = "thishost:2"
        r = await call_confirmed(hh.app.server, "add_comment", {"number": tid, "body": "x"})
        assert r.is_error and "being written by another call" in text(r)
        assert [q for q in hh.sandbox.requests if q.method != "GET"] == []
