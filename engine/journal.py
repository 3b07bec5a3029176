"""The write journal: multi-step writes that survive crashes and are never posted twice.

SQLite (standard library) in the state dir. One *entry* per multi-step operation
(``bill_ticket``, ``add_comment`` with time, ``close_ticket`` with a resolution), with its
ordered *steps*. Before each Syncro write the runner records the step's intent (exact body,
fingerprint, time); after it, the outcome and the ids Syncro returned. So a later call can

- resume from the first step not confirmed done (a step with an intent but no outcome is
  checked by reading Syncro before anything is re-sent),
- refuse a second identical bill within the dedupe window (pointing at the invoice),
- tell a second agent that the ticket is being written right now (a lease-style lock whose
  owner's death, e.g. a killed process, frees it).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .steps import Results, Resume, Step

LOCK_LEASE_S = 600.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL,
    ticket INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    args TEXT NOT NULL,
    plan TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL,            -- running | failed | done | abandoned | rejected
    summary TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_ticket ON entries (ticket, op, state);
CREATE TABLE IF NOT EXISTS steps (
    entry_id INTEGER NOT NULL REFERENCES entries(id),
    name TEXT NOT NULL,
    seq INTEGER NOT NULL,
    describe TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,            -- intent | done | failed
    result TEXT NOT NULL DEFAULT '{}',
    how TEXT NOT NULL DEFAULT '',
    intent_at REAL NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (entry_id, name)
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,         -- sha256 of a confirm_token: each approves one write, once
    tool TEXT NOT NULL,
    state TEXT NOT NULL,            -- running | done | failed
    outcome TEXT NOT NULL DEFAULT '',
    used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS locks (
    ticket INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""

UNFINISHED = ("running", "failed")
ONE_SHOT_REPEATS = "('done', 'unknown', 'sending')"
"""A one-shot write's entry (``claim_write``) is sending → done | unknown (answer lost) | rejected; an
identical write inside the window repeats one that is done, unknown, or being sent (or was cut off
by a killed process). The states are new values of ``entries.state``; the schema is unchanged."""


def _normal(key: str, value: Any) -> Any:
    """What makes two writes the same: text without surrounding whitespace; labor type in any case."""
    if isinstance(value, str):
        value = value.strip()
        return value.casefold() if key == "labor_type" else value
    return value


def fingerprint(op: str, args: dict[str, Any]) -> str:
    """The identity of a write (repeat window, resume): its tool and normalised arguments."""
    canon = json.dumps({"op": op, "args": {k: _normal(k, v) for k, v in args.items()}}, sort_keys=True, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()[:20]


_HELD: set[tuple[str, int]] = set()
"""(journal file, ticket) pairs a call in this process is writing now: the lock row names the
process, and this set tells one task's claim from another's (a second call in the same process,
another HTTP session or a parallel call, is refused like a call from another process)."""


def write_key(op: str, args: dict[str, Any]) -> int:
    """The lock key of one exact one-shot write (negative: never a ticket number, never 0)."""
    return -(int(fingerprint(op, args), 16) % 2**62) - 1


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str) -> bool:
    """Whether a lock owner on this machine still runs (a killed process frees its locks)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine: trust the lease
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class StepView:
    name: str
    describe: str
    state: str
    result: dict[str, Any]


@dataclass
class Entry:
    id: int
    op: str
    ticket: int
    fingerprint: str
    args: dict[str, Any]
    state: str
    summary: str
    error: str
    created: float
    updated: float
    plan: list[str] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)

    @property
    def done(self) -> list[str]:
        return [s.name for s in self.steps if s.state == "done"]

    @property
    def left(self) -> list[str]:
        done = set(self.done)
        return [name for name in self.plan if name not in done]


@dataclass
class TokenUse:
    """The first use of a confirmation token: still running, done or failed, and what it said."""

    tool: str
    state: str
    outcome: str


def _token_key(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


class Repeated(Exception):
    """An identical write is already done (journal entry ``entry_id``): nothing is sent."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(entry_id)
        self.entry_id = entry_id


class TicketBusy(Exception):
    """Another call is writing to this ticket right now."""


class Journal:
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._owner = _owner()
        self._file = os.path.realpath(self.path)
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    # -- entries ------------------------------------------------------------------------------
    def get(self, entry_id: int) -> Entry:
        with self._db() as db:
            row = db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
            if row is None:
                raise KeyError(entry_id)
            steps = db.execute("SELECT * FROM steps WHERE entry_id = ? ORDER BY seq", (entry_id,)).fetchall()
        return _entry(row, steps)

    def unfinished(self, ticket: int | None = None, op: str | None = None) -> list[Entry]:
        sql = "SELECT id FROM entries WHERE state IN ('running', 'failed')"
        params: list[Any] = []
        if ticket is not None:
            sql += " AND ticket = ?"
            params.append(ticket)
        if op is not None:
            sql += " AND op = ?"
            params.append(op)
        with self._db() as db:
            ids = [r["id"] for r in db.execute(sql + " ORDER BY id", params)]
        return [self.get(i) for i in ids]

    def recent_done(self, op: str, ticket: int, args: dict[str, Any], window_s: float) -> Entry | None:
        """The newest completed identical operation within ``window_s``, if any."""
        with self._db() as db:
            row = db.execute(
                "SELECT id FROM entries WHERE op = ? AND ticket = ? AND fingerprint = ? AND state = 'done'"
                " AND updated >= ? ORDER BY id DESC LIMIT 1",
                (op, ticket, fingerprint(op, args), self._clock() - window_s),
            ).fetchone()
        return self.get(row["id"]) if row else None

    def done_entries(self, op: str, ticket: int) -> list[Entry]:
        """Every completed ``op`` on ``ticket`` (e.g. the bills whose timers are on an invoice)."""
        with self._db() as db:
            ids = [r["id"] for r in db.execute(
                "SELECT id FROM entries WHERE op = ? AND ticket = ? AND state = 'done' ORDER BY id", (op, ticket)
            )]
        return [self.get(i) for i in ids]

    def set_state(self, entry_id: int, state: str, *, summary: str | None = None, error: str | None = None) -> None:
        sets, params = ["state = ?", "updated = ?"], [state, self._clock()]
        if summary is not None:
            sets.append("summary = ?")
            params.append(summary)
        if error is not None:
            sets.append("error = ?")
            params.append(error)
        with self._db() as db:
            db.execute(f"UPDATE entries SET {', '.join(sets)} WHERE id = ?", [*params, entry_id])

    # -- resume -------------------------------------------------------------------------------
    def resume_point(self, entry_id: int) -> Resume:
        """What an earlier attempt finished, and which steps were sent with no known outcome."""
        done: Results = {}
        unsure: dict[str, tuple[dict[str, Any], datetime]] = {}
        with self._db() as db:
            for row in db.execute("SELECT * FROM steps WHERE entry_id = ? ORDER BY seq", (entry_id,)):
                if row["state"] == "done":
                    done[row["name"]] = json.loads(row["result"])
                else:
                    since = datetime.fromtimestamp(row["intent_at"], timezone.utc)
                    unsure[row["name"]] = (json.loads(row["body"]), since)
        return Resume(done=done, unsure=unsure)

    def step_log(self, entry_id: int) -> JournalLog:
        return JournalLog(self, entry_id)

    # -- confirmation tokens -------------------------------------------------------------------
    def token_use(self, token: str) -> TokenUse | None:
        """What an earlier use of ``token`` did, if it was used (nothing is consumed)."""
        with self._db() as db:
            row = db.execute("SELECT * FROM tokens WHERE token = ?", (_token_key(token),)).fetchone()
        return None if row is None else TokenUse(row["tool"], row["state"], row["outcome"])

    def use_token(self, token: str, tool: str) -> TokenUse | None:
        """Consume ``token`` atomically: None the first time, else what its first use did."""
        with self._transaction() as db:
            row = db.execute("SELECT * FROM tokens WHERE token = ?", (_token_key(token),)).fetchone()
            if row is not None:
                return TokenUse(row["tool"], row["state"], row["outcome"])
            db.execute(
                "INSERT INTO tokens (token, tool, state, used) VALUES (?, ?, 'running', ?)",
                (_token_key(token), tool, self._clock()),
            )
        return None

    def token_outcome(self, token: str, state: str, outcome: str) -> None:
        """Record what the write a token approved did (a later use of the token is told this)."""
        with self._db() as db:
            db.execute(
                "UPDATE tokens SET state = ?, outcome = ? WHERE token = ?", (state, outcome[:2000], _token_key(token))
            )

    # -- locks --------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _take_lock(self, db: sqlite3.Connection, ticket: int, entry_id: int) -> None:
        """Inside a transaction: take the ticket's lock or raise TicketBusy (a dead owner's lock is taken over)."""
        now = self._clock()
        row = db.execute("SELECT * FROM locks WHERE ticket = ?", (ticket,)).fetchone()
        if row is not None and row["expires"] > now and self._held_elsewhere(row["owner"], ticket):
            what = db.execute("SELECT op FROM entries WHERE id = ?", (row["entry_id"],)).fetchone()
            raise TicketBusy(
                f"Ticket #{ticket} is being written by another call right now: "
                f"{what['op'] if what else 'a write'} in progress (journal entry {row['entry_id']}). "
                "Nothing of this call was sent. Wait for it to finish, then check pending_writes."
            )
        db.execute(
            "INSERT OR REPLACE INTO locks (ticket, entry_id, owner, expires) VALUES (?, ?, ?, ?)",
            (ticket, entry_id, self._owner, now + LOCK_LEASE_S),
        )

    def _held_elsewhere(self, owner: str, ticket: int) -> bool:
        """Whether a lock row belongs to a live call other than the one asking: another process
        (alive), or another task of this process that holds the ticket now."""
        if owner == self._owner:
            return (self._file, ticket) in _HELD
        return _owner_alive(owner)

    def lock(self, ticket: int, entry_id: int) -> None:
        """Take the ticket's write lock for ``entry_id`` or raise TicketBusy."""
        with self._transaction() as db:
            self._take_lock(db, ticket, entry_id)

    def claim(
        self, op: str, ticket: int, args: dict[str, Any], plan: list[str], resume: Entry | None,
        repeat_window_s: float = 0,
    ) -> Entry:
        """The one lock point: take the ticket's lock and start the entry (or reopen ``resume``) atomically.

        A call refused because another one is writing the ticket leaves no journal entry behind
        (it would show in pending_writes and block other writes). With ``repeat_window_s``, an
        identical write completed inside the window (also one that finished while this call was
        being approved) raises ``Repeated``: the repeat check, again, right before the first write.
        """
        with self._transaction() as db:
            self._refuse_repeat(db, op, ticket, args, resume, repeat_window_s)
            if resume is None:
                now = self._clock()
                cur = db.execute(
                    "INSERT INTO entries (op, ticket, fingerprint, args, plan, state, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, 'running', ?, ?)",
                    (op, ticket, fingerprint(op, args), json.dumps(args, default=str), json.dumps(plan), now, now),
                )
                entry_id = int(cur.lastrowid or 0)
            else:
                entry_id = resume.id
                db.execute(
                    "UPDATE entries SET state = 'running', updated = ? WHERE id = ? AND state = 'failed'",
                    (self._clock(), entry_id),
                )
            self._take_lock(db, ticket, entry_id)
        _HELD.add((self._file, ticket))
        return self.get(entry_id)

    def _refuse_repeat(
        self, db: sqlite3.Connection, op: str, ticket: int, args: dict[str, Any], resume: Entry | None, window: float
    ) -> None:
        if resume is not None:
            row = db.execute("SELECT state FROM entries WHERE id = ?", (resume.id,)).fetchone()
            if row is not None and row["state"] not in UNFINISHED:
                raise Repeated(resume.id)  # finished (or abandoned) while this call waited
        if window > 0:
            row = db.execute(
                "SELECT id FROM entries WHERE op = ? AND ticket = ? AND fingerprint = ? AND state = 'done'"
                " AND updated >= ? ORDER BY id DESC LIMIT 1",
                (op, ticket, fingerprint(op, args), self._clock() - window),
            ).fetchone()
            if row is not None:
                raise Repeated(row["id"])

    # -- one-shot writes (no steps, no resume: create_invoice, update_ticket, …; Engine.once) ---------
    def recent_write(self, op: str, args: dict[str, Any], window_s: float) -> Entry | None:
        """The newest identical one-shot write inside the window (done, outcome unknown or being sent)."""
        with self._db() as db:
            row = self._recent_write(db, op, args, window_s)
        return self.get(row["id"]) if row else None

    def _recent_write(self, db: sqlite3.Connection, op: str, args: dict[str, Any], window_s: float) -> Any:
        return db.execute(
            f"SELECT id FROM entries WHERE op = ? AND fingerprint = ? AND state IN {ONE_SHOT_REPEATS}"
            " AND updated >= ? ORDER BY id DESC LIMIT 1",
            (op, fingerprint(op, args), self._clock() - window_s),
        ).fetchone()

    def claim_write(self, op: str, ticket: int, args: dict[str, Any], window_s: float) -> Entry:
        """Start one exact one-shot write ('sending'), atomically: refuse a repeat inside the window
        (``Repeated``), take the lock of this exact write (``write_key``: not the ticket's) or raise
        ``TicketBusy``. The caller sets the outcome and calls ``unlock(write_key(op, args))``."""
        key = write_key(op, args)
        with self._transaction() as db:
            row = self._recent_write(db, op, args, window_s) if window_s > 0 else None
            if row is not None:
                raise Repeated(row["id"])
            now = self._clock()
            cur = db.execute(
                "INSERT INTO entries (op, ticket, fingerprint, args, plan, state, created, updated)"
                " VALUES (?, ?, ?, ?, ?, 'sending', ?, ?)",
                (op, ticket, fingerprint(op, args), json.dumps(args, default=str), json.dumps([op]), now, now),
            )
            entry_id = int(cur.lastrowid or 0)
            self._take_lock(db, key, entry_id)
        _HELD.add((self._file, key))
        return self.get(entry_id)

    def abandon(self, entry_id: int) -> str | None:
        """Mark an unfinished entry abandoned, check-and-set in one transaction: None when done, else
        the state it has now (finished, or abandoned by a parallel call). ``TicketBusy`` while a live
        call (a resume) holds its ticket."""
        with self._transaction() as db:
            row = db.execute("SELECT ticket, state FROM entries WHERE id = ?", (entry_id,)).fetchone()
            if row is None or row["state"] not in UNFINISHED:
                return row["state"] if row else "gone"
            self._take_lock(db, row["ticket"], entry_id)  # refused while a live call writes the ticket
            db.execute("DELETE FROM locks WHERE ticket = ? AND entry_id = ?", (row["ticket"], entry_id))
            db.execute("UPDATE entries SET state = 'abandoned', updated = ? WHERE id = ?", (self._clock(), entry_id))
        return None

    def unlock(self, ticket: int) -> None:
        _HELD.discard((self._file, ticket))
        with self._db() as db:
            db.execute("DELETE FROM locks WHERE ticket = ? AND owner = ?", (ticket, self._owner))


class JournalLog:
    """The runner's StepLog backed by the journal."""

    def __init__(self, journal: Journal, entry_id: int) -> None:
        self.journal = journal
        self.entry_id = entry_id
        self._seq = 0

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self.journal._db() as db:
            db.execute(sql, params)

    def intent(self, step: Step) -> None:
        self._seq += 1
        now = self.journal._clock()
        self._write(
            "INSERT OR REPLACE INTO steps (entry_id, name, seq, describe, fingerprint, body, state, intent_at, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, 'intent', ?, ?)",
            (self.entry_id, step.name, self._seq, step.describe, step.fingerprint,
             json.dumps(step.body, default=str), now, now),
        )

    def done(self, step: Step, result: dict[str, Any], how: str) -> None:
        now = self.journal._clock()
        with self.journal._db() as db:
            updated = db.execute(
                "UPDATE steps SET state = 'done', result = ?, how = ?, updated = ? WHERE entry_id = ? AND name = ?",
                (json.dumps(result, default=str), how, now, self.entry_id, step.name),
            ).rowcount
            if not updated:  # confirmed by reading on resume: no intent row from this run
                db.execute(
                    "INSERT INTO steps (entry_id, name, seq, describe, fingerprint, body, state, result, how,"
                    " intent_at, updated) VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?)",
                    (self.entry_id, step.name, self._seq, step.describe, step.fingerprint,
                     json.dumps(step.body, default=str), json.dumps(result, default=str), how, now, now),
                )

    def claimed(self, key: str) -> frozenset[Any]:
        """Values of ``key`` in the results of other entries for this ticket (records they own)."""
        with self.journal._db() as db:
            rows = db.execute(
                "SELECT s.result FROM steps s JOIN entries e ON e.id = s.entry_id WHERE s.state = 'done'"
                " AND s.entry_id != ? AND e.ticket = (SELECT ticket FROM entries WHERE id = ?)",
                (self.entry_id, self.entry_id),
            ).fetchall()
        values = (json.loads(r["result"]).get(key) for r in rows)
        return frozenset(v for v in values if v is not None)

    def failed(self, step: Step, error: str) -> None:
        # The intent row stays: its outcome is unknown or it failed; resume checks before re-sending.
        self.journal.set_state(self.entry_id, "failed", error=f"{step.name}: {error}")


def _entry(row: sqlite3.Row, steps: list[sqlite3.Row]) -> Entry:
    return Entry(
        id=row["id"], op=row["op"], ticket=row["ticket"], fingerprint=row["fingerprint"], args=json.loads(row["args"]),
        state=row["state"], summary=row["summary"], error=row["error"], created=row["created"],
        updated=row["updated"], plan=json.loads(row["plan"]),
        steps=[StepView(s["name"], s["describe"], s["state"], json.loads(s["result"])) for s in steps],
    )
