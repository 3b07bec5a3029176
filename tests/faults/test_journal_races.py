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
from syncro_mcp.engine.journal import Entry, Journal, TicketBusy, open_store
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


async def test_two_abandons_of_one_entry_cannot_both_act(engine):
    e = engine
    entry = unfinished_entry(e)
    seen_by_both = await e.unfinished(entry.id), await e.unfinished(entry.id)  # both planned (previewed) first
    await e.abandon(seen_by_both[0])
    with pytest.raises(InputError, match="abandoned now, not unfinished: nothing was abandoned"):
        await e.abandon(seen_by_both[1])
    assert e.journal.get(entry.id).state == "abandoned"


async def test_an_abandon_racing_a_resume_is_refused_while_the_resume_runs(engine):
    e = engine
    entry = unfinished_entry(e)
    planned = await e.unfinished(entry.id)
    resumed = e.journal.claim("add_comment", TICKET, ARGS, ["comment", "timer"], entry)  # the resume starts
    with pytest.raises(InputError, match=r"being written by another call.*Nothing was abandoned"):
        await e.abandon(planned)
    assert e.journal.get(entry.id).state == "running"
    e.journal.set_state(resumed.id, "done")  # the resume finishes
    e.journal.unlock(TICKET)
    with pytest.raises(InputError, match="is done now"):
        await e.abandon(planned)
    assert e.journal.get(entry.id).state == "done"


async def test_a_resume_after_an_abandon_does_not_reopen_the_entry(engine):
    e = engine
    entry = unfinished_entry(e)
    await e.abandon(await e.unfinished(entry.id))
    with pytest.raises(Exception) as refused:
        e.journal.claim("add_comment", TICKET, ARGS, ["comment", "timer"], entry)
    assert type(refused.value).__name__ == "Repeated"
    assert e.journal.get(entry.id).state == "abandoned"


async def test_the_check_before_a_preview_skips_an_entry_that_just_finished(engine, monkeypatch):
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
    assert await e.check("add_comment", TICKET, other) is None
    assert real_get(entry.id).state == "done"


EMAIL = {"invoice": "1046"}
ALERT = {"alert_id": 7001, "subject": None}


async def test_ticketless_writes_block_and_lock_only_their_own_identical_write(engine):
    """Emailing a ticketless invoice, a ticket from an RMM alert and moving a ticketless appointment
    belong to no ticket (``NO_TICKET``): an unfinished email must not refuse every other ticketless
    write as "Ticket #0 has an unfinished write", and two different ones may run at once; the same
    one is still refused, without naming a ticket #0."""
    from syncro_mcp.engine.journal import NO_TICKET, fingerprint, lock_key

    e = engine
    mail = lock_key(NO_TICKET, fingerprint("email_invoice", EMAIL))
    email = e.journal.claim("email_invoice", NO_TICKET, EMAIL, ["email"], None)
    e.journal.set_state(email.id, "failed", error="email: OutcomeUnknownError")  # outcome unknown: unfinished
    e.journal.unlock(mail)
    assert await e.check("ticket_from_alert", NO_TICKET, ALERT) is None  # another ticketless write goes ahead
    with pytest.raises(InputError) as refused:
        await e.check("email_invoice", NO_TICKET, EMAIL)
    assert "this exact email_invoice is unfinished" in str(refused.value)
    assert "#0" not in str(refused.value)

    # Abandoning the email takes the email's own lock: refused while a resume of it holds that lock.
    resumed = e.journal.claim("email_invoice", NO_TICKET, EMAIL, ["email"], e.journal.get(email.id))
    with pytest.raises(TicketBusy):
        e.journal.abandon(email.id)
    e.journal.set_state(resumed.id, "failed", error="email: OutcomeUnknownError")
    e.journal.unlock(mail)

    alert_key = lock_key(NO_TICKET, fingerprint("ticket_from_alert", ALERT))
    other_args = {**ALERT, "alert_id": 7002}
    held = e.journal.claim("ticket_from_alert", NO_TICKET, ALERT, ["ticket"], None)
    e.journal.claim("ticket_from_alert", NO_TICKET, other_args, ["ticket"], None)  # not busy
    with pytest.raises(TicketBusy, match=r"^This exact write is being written by another call"):
        e.journal.claim("ticket_from_alert", NO_TICKET, ALERT, ["ticket"], None)
    e.journal.unlock(alert_key)
    e.journal.unlock(lock_key(NO_TICKET, fingerprint("ticket_from_alert", other_args)))
    assert held.ticket == NO_TICKET
