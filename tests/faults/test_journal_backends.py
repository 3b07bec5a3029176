"""The journal's contract on both stores (the SQLite file; PostgreSQL, a real server), and what only
the shared one has: its schema versions, the confirmation key every instance shares, and a killed
instance's locks freed with its connection.

``journal_backend`` runs a test twice: None (the SQLite file in tmp_path) and a PostgreSQL URL
whose search_path is a schema of the test's own (tests/support/pg_cluster.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
import respx
from support.harness import call, call_confirmed, harness, text
from syncro_mcp.engine.journal import (
    SCHEMA_VERSION,
    SQLITE_MIGRATIONS,
    Journal,
    JournalError,
    Repeated,
    TicketBusy,
    open_store,
    write_key,
)
from syncro_mcp.engine.steps import Step
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server import cli
from syncro_mcp.server.settings import ConfigError, Settings, load_settings

BILL = {"number": 32164, "minutes": 45, "labor_type": "remote", "notes": "Switch."}


@pytest.fixture
def journals(tmp_path, journal_backend):
    """Two journals on one store, as two server instances would open it (plus the URL)."""
    made: list[Journal] = []

    def open_one() -> Journal:
        j = Journal(open_store(journal_backend, tmp_path / "journal.sqlite3"))
        made.append(j)
        return j

    yield open_one
    for j in made:
        j.close()


def step(name: str) -> Step:
    return Step(name, f"the {name}", {"x": name})


# -- the contract, on both stores ------------------------------------------------------------------
def test_a_claimed_ticket_is_busy_for_the_other_instance_and_this_one(journals):
    a, b = journals(), journals()
    entry = a.claim("bill_ticket", 7, BILL, ["comment"], None, 3600)
    for other in (b, a):  # another instance, and a second call in this same process
        with pytest.raises(TicketBusy, match=rf"bill_ticket in progress \(journal entry {entry.id}\)"):
            other.claim("add_comment", 7, {"body": "x"}, ["comment"], None)
    assert [e.id for e in b.unfinished()] == [entry.id], "a refused claim leaves no entry behind"
    b.claim("add_comment", 8, {"body": "x"}, ["comment"], None)  # another ticket is free
    a.set_state(entry.id, "done", summary="billed")
    a.unlock(7)
    with pytest.raises(Repeated) as repeated:  # the repeat window, seen from the other instance
        b.claim("bill_ticket", 7, {**BILL, "notes": " Switch. "}, ["comment"], None, 3600)
    assert repeated.value.entry_id == entry.id
    assert b.recent_done("bill_ticket", 7, BILL, 3600).id == entry.id
    assert [e.id for e in b.done_entries("bill_ticket", 7)] == [entry.id]
    again = b.claim("bill_ticket", 7, BILL, ["comment"], None, 0)  # outside any window: a new entry
    assert again.id != entry.id and again.state == "running"


def test_a_failed_entry_resumes_where_it_stopped_on_the_other_instance(journals):
    a, b = journals(), journals()
    entry = a.claim("bill_ticket", 9, BILL, ["comment", "timer"], None)
    log = a.step_log(entry.id)
    log.intent(step("comment"))
    log.done(step("comment"), {"comment_id": 41}, "sent")
    log.intent(step("timer"))
    log.failed(step("timer"), "timed out")
    a.unlock(9)
    (left,) = b.unfinished(ticket=9)
    assert left.state == "failed" and left.done == ["comment"] and left.left == ["timer"]
    point = b.resume_point(entry.id)
    assert point.done == {"comment": {"comment_id": 41}} and list(point.unsure) == ["timer"]
    resumed = b.claim("bill_ticket", 9, BILL, ["comment", "timer"], left)
    assert resumed.id == entry.id and resumed.state == "running"
    other = b.claim("bill_ticket", 10, BILL, ["comment"], None)
    assert b.step_log(other.id).claimed("comment_id") == frozenset()
    b.step_log(resumed.id).done(step("timer"), {"timer_id": 5}, "confirmed by reading")
    b.set_state(resumed.id, "done")
    b.unlock(9)
    with pytest.raises(Repeated):  # finished while another call waited to resume it
        a.claim("bill_ticket", 9, BILL, ["comment", "timer"], left)
    assert a.get(entry.id).done == ["comment", "timer"]


def test_one_shot_writes_lock_the_exact_write_and_keep_the_window(journals):
    a, b = journals(), journals()
    args = {"number": 5, "priority": "1 High"}
    entry = a.claim_write("update_ticket", 5, args, 3600)
    with pytest.raises(TicketBusy):
        b.claim_write("update_ticket", 5, args, 0)  # the same write, even as a deliberate repeat
    b.claim_write("update_ticket", 5, {**args, "priority": "2 Normal"}, 3600)  # another write on the ticket
    a.set_state(entry.id, "unknown")
    a.unlock(write_key("update_ticket", args))
    with pytest.raises(Repeated):  # outcome unknown: still a repeat inside the window
        b.claim_write("update_ticket", 5, args, 3600)
    assert b.recent_write("update_ticket", args, 3600).id == entry.id


def test_a_confirmation_token_is_used_once_across_instances(journals):
    a, b = journals(), journals()
    assert a.token_use("tok-1") is None
    assert a.use_token("tok-1", "bill_ticket") is None
    first = b.use_token(" tok-1 ", "bill_ticket")
    assert first is not None and first.state == "running"
    a.token_outcome("tok-1", "done", "Billed #32164.")
    assert b.token_use("tok-1").outcome == "Billed #32164."


def test_a_held_lock_can_be_taken_for_another_entry_only_after_unlock(journals):
    a = journals()
    a.lock(11, 999)
    with pytest.raises(TicketBusy, match="journal entry 999"):
        journals().lock(11, 1000)
    a.unlock(11)
    journals().lock(11, 1000)


# -- the schema ------------------------------------------------------------------------------------------
def test_a_new_journal_is_made_at_this_version_and_opening_it_again_changes_nothing(journals):
    j = journals()
    assert j.schema_version() == SCHEMA_VERSION
    assert j.upgrade() == (SCHEMA_VERSION, SCHEMA_VERSION)
    assert f"schema version {SCHEMA_VERSION}" in j.describe()


def _set_version(j: Journal, version: int) -> None:
    with j._db() as db:
        db.execute("UPDATE schema_version SET version = ?", (version,))


def test_an_older_schema_is_upgraded_when_the_server_opens_it(journals):
    j = journals()
    entry = j.claim("add_comment", 3, {"body": "kept"}, ["comment"], None)
    with j._db() as db:
        db.execute("DROP INDEX entries_write")  # what version 2 added
    _set_version(j, 1)
    assert journals().schema_version() == SCHEMA_VERSION  # opened: upgraded
    with j._db() as db:
        db.execute("SELECT COUNT(*) AS n FROM entries WHERE op = ? AND fingerprint = ?", ("x", "y"))
    assert j.get(entry.id).args == {"body": "kept"}


def test_a_newer_schema_is_refused_with_the_fix_and_left_alone(journals, journal_backend, tmp_path):
    _set_version(journals(), SCHEMA_VERSION + 1)
    with pytest.raises(JournalError, match=r"newer than this syncro-mcp knows .*upgrade syncro-mcp"):
        Journal(open_store(journal_backend, tmp_path / "journal.sqlite3"))
    settings = Settings(state_dir=tmp_path, timezone="UTC", journal_url=journal_backend)
    with pytest.raises(ConfigError, match="newer than this syncro-mcp knows"):
        from syncro_mcp.server.app import open_journal

        open_journal(settings)
    ok, line = cli.journal_status(settings)
    assert not ok and "NOT usable" in line


def test_a_sqlite_journal_from_before_versioning_is_version_1_and_upgraded(tmp_path):
    path = tmp_path / "journal.sqlite3"
    import sqlite3

    db = sqlite3.connect(path)
    for sql in SQLITE_MIGRATIONS[0]:
        db.execute(sql)
    db.execute("INSERT INTO entries (op, ticket, fingerprint, args, state, created, updated)"
               " VALUES ('add_comment', 1, 'f', '{}', 'done', 0, 0)")
    db.commit()
    db.close()
    j = Journal(path, upgrade=False)
    assert j.schema_version() == 1
    assert j.upgrade() == (1, SCHEMA_VERSION)
    assert j.get(1).op == "add_comment"


def test_db_upgrade_creates_and_reports(tmp_path, journal_backend, monkeypatch, capsys):
    monkeypatch.setenv("SYNCRO_STATE_DIR", str(tmp_path))
    if journal_backend:
        monkeypatch.setenv("SYNCRO_JOURNAL_URL", journal_backend)
    assert cli.main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"schema version {SCHEMA_VERSION} (upgraded from nothing (created)" in out, out
    assert cli.main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert cli.main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert f"(schema version {SCHEMA_VERSION}{', reachable' if journal_backend else ''})" in out, out
    assert ("PostgreSQL" if journal_backend else "SQLite") in out


# -- check's Journal line ----------------------------------------------------------------------------
def test_check_shows_the_journal_and_masks_the_password(postgres_url, pg_schema_url, tmp_path):
    s = Settings(state_dir=tmp_path, timezone="UTC")
    assert cli.journal_status(s) == (True, f"SQLite {tmp_path / 'journal.sqlite3'} (not created yet: the server "
                                           f"makes it, schema version {SCHEMA_VERSION}, on first start)")
    Journal(s.journal_path)
    assert cli.journal_status(s) == (True, f"SQLite {tmp_path / 'journal.sqlite3'} (schema version {SCHEMA_VERSION})")

    ok, line = cli.journal_status(Settings(state_dir=tmp_path, timezone="UTC", journal_url=pg_schema_url))
    assert ok and line.startswith("PostgreSQL ") and line.endswith(f"(schema version 0, reachable; the server "
                                                                     f"upgrades it to {SCHEMA_VERSION} when it starts, "
                                                                     "or now: syncro-mcp db upgrade)"), line
    with psycopg.connect(postgres_url) as probe:
        port = probe.info.port
    dead = Settings(state_dir=tmp_path, timezone="UTC",
                    journal_url=f"postgresql://syncro:Hunter2-CANARY@127.0.0.1:{_closed_port()}/syncro_mcp")
    ok, line = cli.journal_status(dead)
    assert not ok and "NOT usable" in line and "cannot reach" in line, line
    assert "Hunter2-CANARY" not in line and "syncro:***@127.0.0.1" in line, line
    assert port  # the live server was reached above

    acme = s.model_copy(update={"subdomain": "acme"})
    report = cli.format_check_report(acme, _Me(), "api_key (environment)", "SQLite /x (schema version 2)")
    assert "  Journal:   SQLite /x (schema version 2)" in report


def test_check_exits_2_when_the_journal_is_unreachable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNCRO_SUBDOMAIN", "acme")
    monkeypatch.setenv("SYNCRO_API_KEY", "T0123-check")
    monkeypatch.setenv("SYNCRO_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SYNCRO_JOURNAL_URL", f"postgresql://syncro:Hunter2-CANARY@127.0.0.1:{_closed_port()}/x")
    with respx.mock:
        me = {"user_id": 1, "user_name": "Jane", "subdomain": "acme"}
        respx.get("https://acme.syncromsp.com/api/v1/me").respond(json=me)
        assert cli.main(["check"]) == 2
    out, err = capsys.readouterr()
    assert "Journal:   PostgreSQL postgresql://syncro:***@127.0.0.1" in out and "NOT usable" in out, out
    assert "Hunter2-CANARY" not in out + err


def test_journal_url_must_be_postgresql_and_is_never_echoed(tmp_path):
    (tmp_path / "empty.yaml").write_text("{}\n")
    env = {"SYNCRO_STATE_DIR": str(tmp_path), "SYNCRO_JOURNAL_URL": "mysql://u:Hunter2-CANARY@h/db"}
    with pytest.raises(ConfigError, match="SYNCRO_JOURNAL_URL: must be a PostgreSQL URL") as exc:
        load_settings(config_path=tmp_path / "empty.yaml", env=env)
    assert "Hunter2-CANARY" not in str(exc.value)


class _Me:
    user_name, user_email, admin, subdomain, permissions = "Jane", None, False, "acme", {}


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- only the shared journal -----------------------------------------------------------------------------
async def test_a_token_one_instance_issued_is_accepted_by_another_with_no_shared_state_dir(tmp_path, pg_schema_url):
    sb = Sandbox(rate_limit_per_min=None)
    args = {"number": 32159, "body": "Previewed on A, confirmed on B."}
    async with harness(tmp_path / "a", sandbox=sb, journal_url=pg_schema_url) as a, \
            harness(tmp_path / "b", sandbox=sb, journal_url=pg_schema_url) as b:
        from mcp import Client

        async with Client(a.app.server, mode="legacy") as ca:
            first = await ca.call_tool("add_comment", args)
        token = first.structured_content["confirm_token"]
        async with Client(b.app.server, mode="legacy") as cb:
            done = await cb.call_tool("add_comment", {**args, "confirm_token": token})
            again = await cb.call_tool("add_comment", {**args, "confirm_token": token})
        assert done.structured_content["status"] == "done", text(done)
        assert again.structured_content["status"] == "already_done", text(again)
        assert not (tmp_path / "a" / "state" / "confirm.key").exists()
        assert a.app.runtime.journal.shared_secret("confirm") == b.app.runtime.journal.shared_secret("confirm")
        for h in (a, b):
            h.app.runtime.journal.close()
    assert len(sb.requests.matching("POST", "/tickets/*/comment")) == 1


async def test_two_instances_on_one_postgres_bill_once(tmp_path, pg_schema_url):
    sb = Sandbox(rate_limit_per_min=None)
    async with harness(tmp_path / "a", sandbox=sb, journal_url=pg_schema_url) as a, \
            harness(tmp_path / "b", sandbox=sb, journal_url=pg_schema_url) as b:
        first = await call_confirmed(a.app.server, "bill_ticket", BILL)
        second = await call(b.app.server, "bill_ticket", BILL)  # B's preview already knows A's bill
        for h in (a, b):
            h.app.runtime.journal.close()
    assert first.structured_content["status"] == "done", text(first)
    assert second.is_error and "already billed" in text(second) and "journal entry 1" in text(second), text(second)
    assert len(sb.requests.matching("POST", "/invoices")) == 1


HOLDER = """
import sys, time
from syncro_mcp.engine.journal import Journal, open_store
j = Journal(open_store(sys.argv[1], None))
j.claim("bill_ticket", 21, {"n": 1}, ["comment"], None)
print("held", flush=True)
time.sleep(120)
"""


def test_a_killed_instance_frees_its_locks_with_its_connection(pg_schema_url):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, pg_schema_url], stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": ""})
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        j = Journal(open_store(pg_schema_url, None))
        with pytest.raises(TicketBusy):
            j.claim("add_comment", 21, {"body": "x"}, ["comment"], None)
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10  # the server notices the closed socket at once; allow a busy machine
        while True:
            try:
                entry = j.claim("add_comment", 21, {"body": "x"}, ["comment"], None)
                break
            except TicketBusy:
                assert time.monotonic() < deadline, "the dead instance's lock was never freed"
                time.sleep(0.05)
        assert entry.state == "running"
        assert [e.op for e in j.unfinished(ticket=21)] == ["bill_ticket", "add_comment"]  # its entry stays, to resume
        j.close()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout:
            holder.stdout.close()
