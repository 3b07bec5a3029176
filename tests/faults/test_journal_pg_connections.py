"""A PostgreSQL journal's connections: a write's lock is free the moment ``unlock`` returns; a shared
connection that dropped (the database restarted, the session was ended) is replaced and the journal call
run once more where nothing of it had reached the database; a drop in the middle of a call is a clear
``JournalError`` naming the database (no password), never a traceback or "Unexpected error". The drop is
real: ``pg_terminate_backend`` from another connection."""

from __future__ import annotations

import re

import psycopg
import pytest
from mcp import Client
from support.harness import elicitation, harness, text
from syncro_mcp.engine.journal import Journal, JournalError, open_store

ARGS = {"number": 9, "body": "Rebooted the NAS."}
PASSWORD = "not-to-be-shown"


def with_password(url: str) -> str:
    """The test URL with a password (trust auth ignores it): no message may show it."""
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)


def end_session(base_url: str, journal: Journal) -> None:
    """End the journal's shared connection from the server side, as a restart does."""
    pid = journal.store._conn.info.backend_pid  # type: ignore[attr-defined]
    with psycopg.connect(base_url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


@pytest.fixture
def journal(pg_schema_url):
    j = Journal(open_store(with_password(pg_schema_url), None))  # type: ignore[arg-type]
    yield j
    j.close()


def test_a_lock_is_free_when_unlock_returns(journal):
    """Closing the lock's connection frees its advisory lock only when the server's backend has exited,
    a moment later; so the store unlocks first (a claim of the same ticket right after was refused as busy)."""
    with psycopg.connect(journal.store.url, autocommit=True) as admin:
        left = 0
        for i in range(20):
            journal.claim("add_comment", 9, {**ARGS, "i": i}, ["comment"], None)
            journal.unlock(9)
            left += admin.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0]
    assert left == 0


def test_the_url_carries_the_password(journal, pg_schema_url):
    assert PASSWORD in journal.store.url and pg_schema_url.startswith("postgresql://postgres@")


def test_a_read_after_the_connection_dropped_reconnects_once(journal, postgres_url):
    entry = journal.claim("add_comment", 9, ARGS, ["comment"], None)
    journal.unlock(9)
    end_session(postgres_url, journal)
    assert journal.get(entry.id).id == entry.id  # no error: a new connection, the read run again


def test_a_claim_after_the_connection_dropped_reconnects_once_and_claims_once(journal, postgres_url):
    journal.schema_version()  # the shared connection is open
    end_session(postgres_url, journal)
    entry = journal.claim("add_comment", 9, ARGS, ["comment"], None)  # BEGIN found the drop: run again
    assert [e.id for e in journal.unfinished(ticket=9)] == [entry.id], "one entry, not two"
    with pytest.raises(Exception, match="being written by another call"):
        journal.claim("add_comment", 9, ARGS, ["comment"], None)  # the lock is held
    journal.unlock(9)
    end_session(postgres_url, journal)
    assert journal.use_token("tok", "add_comment") is None  # a token's use: its transaction, run again
    assert journal.use_token("tok", "add_comment") is not None


def test_a_drop_inside_a_transaction_is_a_clear_error_and_records_nothing(journal, postgres_url, monkeypatch):
    """Dropped after BEGIN (the entry inserted, the lock not yet recorded): not run again (it got through
    to the database); the transaction was rolled back; the error names the database, not the password."""
    real_take = journal.store.take

    def take_then_drop(*args, **kwargs):
        end_session(postgres_url, journal)
        return real_take(*args, **kwargs)

    monkeypatch.setattr(journal.store, "take", take_then_drop)
    with pytest.raises(JournalError) as err:
        journal.claim("add_comment", 9, ARGS, ["comment"], None)
    message = str(err.value)
    assert "dropped the connection during a journal transaction, which was not recorded" in message, message
    assert journal.store.where() in message and "postgres@127.0.0.1:" in message and PASSWORD not in message
    monkeypatch.undo()
    assert journal.unfinished(ticket=9) == [], "the rolled-back claim left no entry"
    journal.claim("add_comment", 9, ARGS, ["comment"], None)  # and no lock: the advisory lock went with it
    journal.unlock(9)


def test_a_database_that_stays_away_is_a_clear_error(journal, monkeypatch):
    journal.store.close()
    monkeypatch.setattr(journal.store, "url", re.sub(r"@([^:/]+):\d+", r"@\1:1", journal.store.url))  # nothing listens
    with pytest.raises(JournalError, match="cannot reach the write journal's PostgreSQL") as err:
        journal.get(1)
    assert PASSWORD not in str(err.value)


async def test_a_tool_call_whose_journal_drops_mid_claim_says_so(tmp_path, pg_schema_url, postgres_url, monkeypatch):
    """Through a tool: the journal's error is the tool's error (not "Unexpected error"), nothing is sent."""
    async with harness(tmp_path, journal_url=with_password(pg_schema_url)) as h:
        journal = h.app.runtime.journal
        real_take = journal.store.take

        def take_then_drop(*args, **kwargs):
            end_session(postgres_url, journal)
            return real_take(*args, **kwargs)

        monkeypatch.setattr(journal.store, "take", take_then_drop)
        async with Client(h.server, mode="legacy", elicitation_callback=elicitation("accept")) as c:
            failed = await c.call_tool("add_comment", {"number": 32164, "body": "Rebooted the NAS."})
            monkeypatch.undo()
            again = await c.call_tool("add_comment", {"number": 32164, "body": "Rebooted the NAS."})
        assert failed.is_error and "write journal's PostgreSQL at postgres@" in text(failed), text(failed)
        assert "Unexpected error" not in text(failed) and PASSWORD not in text(failed)
        assert again.structured_content["status"] == "done", text(again)
        assert len(h.sandbox.requests.matching("POST", "/tickets/*/comment")) == 1
