"""A process killed in the middle of a bill; a new process resumes from the journal file.

Each case runs on both journal backends (``journal_backend``: the state dir's SQLite file, a
PostgreSQL schema, where the dead process's lock is an advisory lock that went with its connection).

The sandbox runs as a real HTTP server in this process (``BackgroundServer``), so it outlives
the killed client. A child process bills with a scripted fault that *hangs* one request (the
hang waits on an event, not on a clock); once the sandbox has that request, the child is
SIGKILLed. Then a new app on the same journal file bills again with the same arguments and
must: take over the dead process's ticket lock, skip the steps the journal says are done,
read Syncro for the step that has an intent but no outcome *before* sending anything for it,
and finish with exactly one of everything.

The audit log is written when a request ends, so the request in flight when the process died
has no audit line; the journal's intent row is its record, and the resume confirms it by
reading (applied) or sends it (not applied, then it is audited like any write).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from decimal import Decimal

import pytest
from pydantic import SecretStr
from support.harness import make_settings, text
from syncro_mcp.client import SyncroClient
from syncro_mcp.engine.audit import AuditLog
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.standalone import BackgroundServer
from syncro_mcp.server.app import build_app

from faults.rig import (
    NUMBER,
    PRODUCT_ID,
    Rig,
    VirtualClock,
    applied,
    comments_with,
    invoices_for,
    labor_lines,
    timers_with,
)
from faults.test_fault_matrix import BILL, HOURS, NOTES

CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from mcp import Client
    from pydantic import SecretStr
    from syncro_mcp.client import SyncroClient
    from syncro_mcp.server.app import build_app
    from syncro_mcp.server.settings import Settings

    base_url, key, state, journal_url = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4] or None
    bill = {"number": %(number)d, "minutes": %(minutes)d, "labor_type": %(labor)r, "notes": %(notes)r}

    async def main():
        settings = Settings(state_dir=state, session_log_dir=state / "clients", timezone="UTC",
                            journal_url=journal_url)
        client = SyncroClient(base_url=base_url, api_key=SecretStr(key), timeout_s=120,
                              rate_limit_per_min=100000, retry_base_s=0)
        async with client:
            app = build_app(settings, client)
            async with Client(app.server, mode="legacy") as c:
                first = await c.call_tool("bill_ticket", bill)
                token = first.structured_content["confirm_token"]
                print("confirmed", flush=True)
                r = await c.call_tool("bill_ticket", {**bill, "confirm_token": token})
                print("NOT KILLED", r.structured_content, flush=True)

    asyncio.run(main())
    """
) % {"number": BILL["number"], "minutes": BILL["minutes"], "labor": BILL["labor_type"], "notes": BILL["notes"]}

#: (method, path glob, fault): the request the child is stuck in when it is killed.
CASES = {
    "invoice_applied": ("POST", "/invoices", "apply_then_timeout"),
    "invoice_not_applied": ("POST", "/invoices", "timeout"),
    "status_applied": ("PUT", "/tickets/*", "apply_then_timeout"),
}
#: The read that verifies each write (see the fault matrix).
READS = {"/invoices": ("GET", "/invoices"), "/tickets/*": ("GET", "/tickets/*")}


def wait_for(predicate, child: subprocess.Popen, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if child.poll() is not None:
            out = child.stdout.read() if child.stdout else ""
            pytest.fail(f"the child exited ({child.returncode}) before {what}:\n{out}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.parametrize("case", list(CASES))
async def test_a_killed_bill_resumes_in_a_new_process(tmp_path, case, journal_backend):
    method, path, kind = CASES[case]
    release = threading.Event()

    async def hang(_seconds: float) -> None:  # the sandbox's "timeout": stall until released
        await asyncio.get_running_loop().run_in_executor(None, release.wait)

    sb = Sandbox(rate_limit_per_min=None, sleep=hang)
    state = tmp_path / "state"
    with BackgroundServer(sb) as srv:
        try:
            sb.faults.add(method, path, kind)
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD, srv.base_url, sb.api_key, str(state), journal_backend or ""],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=dict(os.environ),
            )
            try:
                def stuck() -> bool:
                    hits = sb.requests.matching(method, path)
                    return bool(hits) and (hits[-1].applied or not kind.startswith("apply_then"))

                wait_for(stuck, child, f"the child to send {method} {path}")
                child.send_signal(signal.SIGKILL)
                child.wait(timeout=30)
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
                if child.stdout:
                    child.stdout.close()
            assert child.returncode == -signal.SIGKILL
        finally:
            release.set()
        sb.faults.clear()
        assert (state / "journal.sqlite3").exists() == (journal_backend is None), "the child used the other journal"
        assert len(applied(sb, method, path)) == (1 if kind.startswith("apply_then") else 0)

        # What the dead process left: an unfinished entry whose last step has an intent, no outcome.
        settings = make_settings(tmp_path, journal_url=journal_backend)  # the child's state dir (audit) and journal
        assert settings.journal_path == state / "journal.sqlite3"
        clock = VirtualClock()
        client = SyncroClient(base_url=srv.base_url, api_key=SecretStr(sb.api_key), clock=clock, sleep=clock.sleep)
        async with client:
            app = build_app(settings, client)
            rg = Rig(sb, app, client, clock, settings.audit_path)
            (entry,) = rg.journal.unfinished()
            stuck_step = next(s for s in entry.steps if s.state != "done")
            assert entry.state == "running" and stuck_step.name == entry.left[0]
            with rg.journal._db() as db:
                lock_owner = db.execute("SELECT owner FROM locks").fetchone()["owner"]
            assert lock_owner.endswith(f":{child.pid}"), "the dead process still holds the ticket lock"

            first_new = len(sb.requests)
            async with rg.session() as s:
                pending = await s.call("pending_writes", {})
                assert [e["entry_id"] for e in pending.structured_content["entries"]] == [entry.id]
                same = await s.call("bill_ticket", BILL)  # repeating the call never resumes (issue 13)
                assert same.is_error and f"resume_write({entry.id})" in text(same), text(same)
                r = await s.confirmed("resume_write", {"entry_id": entry.id})
                assert not r.is_error and r.structured_content["status"] == "done", text(r)
                assert "resumed" in text(r) and "Differs from the preview" not in text(r), text(r)
                assert (await s.call("pending_writes", {})).structured_content["entries"] == []

            resumed = list(sb.requests)[first_new:]
            sends = [q for q in resumed if (q.method, q.path) in {(q2.method, q2.path) for q2 in
                                                                  sb.requests.matching(method, path)}]
            read = READS[path]
            reads = {q.seq for q in sb.requests.matching(*read) if q.seq > resumed[0].seq}
            first_send = min((q.seq for q in sends), default=None)
            assert reads and (first_send is None or min(reads) < first_send), (
                "the step with an intent and no outcome was re-sent before reading Syncro"
            )
            if kind.startswith("apply_then"):
                assert sends == [], "a write that had landed was sent again"
            else:
                assert [q.applied for q in sends] == [True]
            # Steps the journal had as done were not sent again.
            done_paths = {"comment": "/tickets/*/comment", "timer": "/tickets/*/timer_entry"}
            for name, glob in done_paths.items():
                assert name in entry.done
                assert not [q for q in sb.requests.matching("POST", glob) if q.seq >= resumed[0].seq]

            assert len(comments_with(sb, NUMBER, NOTES)) == 1
            assert len(timers_with(sb, NUMBER, NOTES)) == 1
            (invoice,) = invoices_for(sb, NUMBER)
            assert len(labor_lines(sb, invoice["id"], PRODUCT_ID, Decimal(HOURS))) == 1
            assert sb.ticket(NUMBER)["status"] == "Invoiced"
            (final,) = [rg.journal.get(entry.id)]
            assert final.state == "done" and not final.left

            # Audit: every request that ended is there once; the one the kill cut off is not.
            audit = rg.audit()
            ended = [q for q in sb.requests if q.method != "GET" and q.status is not None and q.fault is None]
            assert [(a["method"], a["path"]) for a in audit] == [(q.method, q.path) for q in ended]
            assert all(a["ok"] for a in audit)
            # ...but its intent line is: `syncro-mcp audit` shows it as cut off (sent or not, nobody knew).
            (cut,) = [r for r in AuditLog(settings.audit_path).read() if r["error"] and "cut off" in r["error"]]
            assert cut["method"] == method and cut["tool"] == "bill_ticket"
            rg.journal.close()  # a PostgreSQL journal's connections
