"""The journal lost right after the Syncro writes went out: the PostgreSQL connection ends and the database
cannot be reached again while the run records its entry "done" (``Engine.run``'s final ``set_state``).
The tool's error must say the writes were sent, list them, and say what to do; never "call again"."""

from __future__ import annotations

import re

import psycopg
import pytest
from mcp import Client
from support.harness import elicitation, harness, text

BILL = {"number": 32164, "minutes": 45, "labor_type": "remote", "notes": "Replaced the switch."}


def end_session(base_url: str, journal) -> None:
    """End the journal's shared connection from the server side (``pg_terminate_backend``), as a restart does."""
    pid = journal.store._conn.info.backend_pid
    with psycopg.connect(base_url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


@pytest.mark.parametrize("back_for_unlock", [True, False], ids=["back_for_the_unlock", "away_for_the_unlock"])
async def test_a_journal_lost_after_the_writes_says_they_were_sent(
    tmp_path, pg_schema_url, postgres_url, monkeypatch, back_for_unlock
):
    """Away for the final record only, or still away when the lock is released (its error must not hide
    this one). Then resume_write closes the entry and sends nothing: every step was recorded done."""
    async with harness(tmp_path, journal_url=pg_schema_url) as h:
        journal = h.app.runtime.journal
        real_set_state, url = journal.set_state, journal.store.url

        def set_state_while_away(entry_id, state, **kw):
            if state != "done":
                return real_set_state(entry_id, state, **kw)
            end_session(postgres_url, journal)  # the connection drops, and the reconnect finds nothing listening
            journal.store.url = re.sub(r"@([^:/]+):\d+", r"@\1:1", url)
            try:
                return real_set_state(entry_id, state, **kw)
            finally:
                if back_for_unlock:
                    journal.store.url = url

        monkeypatch.setattr(journal, "set_state", set_state_while_away)
        async with Client(h.server, mode="legacy", elicitation_callback=elicitation("accept")) as c:
            failed = await c.call_tool("bill_ticket", BILL)
            monkeypatch.undo()
            journal.store.url = url
            said = text(failed)
            assert failed.is_error, said
            assert "WAS SENT to Syncro" in said and "Do NOT repeat the call" in said, said
            assert "POST comment" in said and "POST invoice from" in said and "PUT status" in said, said
            assert "get_ticket" in said and "pending_writes" in said and "cannot reach" in said, said
            assert "call again" not in said and "Unexpected error" not in said, said
            entries = (await c.call_tool("pending_writes", {})).structured_content["entries"]
            assert [e["state"] for e in entries] == ["running"], entries
            writes = len(h.sandbox.requests.writes())
            resumed = await c.call_tool("resume_write", {"entry_id": entries[0]["entry_id"]})
            assert resumed.structured_content["status"] == "done", text(resumed)
            assert (await c.call_tool("pending_writes", {})).structured_content["entries"] == []
        assert len(h.sandbox.requests.writes()) == writes, "resume_write sent something again"
        assert len(h.sandbox.requests.matching("POST", "/invoices")) == 1
