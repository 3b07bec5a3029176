"""Journal races the process trials found (issue 13): abandoning an entry is one check-and-set, and
the unfinished-write check before a preview skips an entry that finished in a parallel call.

These drive ``Engine`` and ``Journal`` directly: the races are between two lines of code, so each
test puts the parallel call exactly between them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from syncro_mcp.engine.clock import Clock
from syncro_mcp.engine.errors import InputError
from syncro_mcp.engine.journal import Entry, Journal, open_store
from syncro_mcp.engine.runner import Engine

TICKET = 32164
ARGS = {"number": TICKET, "body": "Rebooted the NAS.", "minutes": 15, "labor_type": "remote"}


@pytest.fixture
def engine(tmp_path: Path, journal_backend: str | None) -> Engine:
    """On each journal backend: the SQLite file, a PostgreSQL schema (the lock is an advisory lock there)."""
    journal = Journal(open_store(journal_backend, tmp_path / "journal.sqlite3"))
    return Engine(client=None, journal=journal, clock=Clock("UTC"),  # type: ignore[arg-type]
                  repeat_window_s=3600, settle_window_s=30)


def unfinished_entry(e: Engine) -> Entry:
    """An add_comment with time whose comment is done and whose timer's outcome is unknown."""
    entry = e.journal.claim("add_comment", TICKET, ARGS, ["comment", "timer"], None)
    e.journal.set_state(entry.id, "failed", error="timer: OutcomeUnknownError")
    e.journal.unlock(TICKET)
    return e.journal.get(entry.id)


def test_two_abandons_of_one_entry_cannot_both_act(engine):
    e = engine
    entry = unfinished_entry(e)
    seen_by_both = e.unfinished(entry.id), e.unfinished(entry.id)  # both planned (previewed) first
    e.abandon(seen_by_both[0])
    with pytest.raises(InputError, match="abandoned now, not unfinished: nothing was abandoned"):
        e.abandon(seen_by_both[1])
    assert e.journal.get(entry.id).state == "abandoned"


def test_an_abandon_racing_a_resume_is_refused_while_the_resume_runs(engine):
    e = engine
    entry = unfinished_entry(e)
    planned = e.unfinished(entry.id)
    resumed = e.journal.claim("add_comment", TICKET, ARGS, ["comment", "timer"], entry)  # the resume starts
    with pytest.raises(InputError, match=r"being written by another call.*Nothing was abandoned"):
        e.abandon(planned)
    assert e.journal.get(entry.id).state == "running"
    e.journal.set_state(resumed.id, "done")  # the resume finishes
    e.journal.unlock(TICKET)
    with pytest.raises(InputError, match="is done now"):
        e.abandon(planned)
    assert e.journal.get(entry.id).state == "done"


def test_a_resume_after_an_abandon_does_not_reopen_the_entry(engine):
    e = engine
    entry = unfinished_entry(e)
    e.abandon(e.unfinished(entry.id))
    with pytest.raises(Exception) as refused:
        e.journal.claim("add_comment", TICKET, ARGS, ["comment", "timer"], entry)
    assert type(refused.value).__name__ == "Repeated"
    assert e.journal.get(entry.id).state == "abandoned"


def test_the_check_before_a_preview_skips_an_entry_that_just_finished(engine, monkeypatch):
    """``unfinished`` lists ids, then reads each entry: an entry finished by a parallel call in between
    is no longer unfinished and must not refuse the new write."""
    e = engine
    entry = unfinished_entry(e)
    real_get = e.journal.get

    def finished_meanwhile(entry_id: int) -> Entry:
        e.journal.set_state(entry_id, "done")  # the parallel resume_write completes right now
        return real_get(entry_id)

    monkeypatch.setattr(e.journal, "get", finished_meanwhile)
    other = {"number": TICKET, "body": "Another comment."}
    assert e.check("add_comment", TICKET, other) is None
    assert real_get(entry.id).state == "done"
