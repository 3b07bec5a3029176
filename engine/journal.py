"""The write journal: multi-step writes that survive crashes and are never posted twice.

One *entry* per multi-step operation (``bill_ticket``, ``add_comment`` with time,
``close_ticket`` with a resolution), with its ordered *steps*. Before each Syncro write the
runner records the step's intent (exact body, fingerprint, time); after it, the outcome and the
ids Syncro returned. So a later call can

- resume from the first step not confirmed done (a step with an intent but no outcome is
  checked by reading Syncro before anything is re-sent),
- refuse a second identical bill within the dedupe window (pointing at the invoice),
- tell a second agent that the ticket is being written right now (a lock that a killed
  process loses).

``Journal`` holds that logic once; where it is kept is a *store*: ``SqliteStore`` here (a file
in the state dir, one machine: locks are lease rows whose owner pid must be alive) or ``PgStore``
(``journal_pg``, PostgreSQL: any number of instances on any machines; locks are session advisory
locks, which die with their connection). Both are synchronous with short transactions; the async
engine calls them from worker threads (``runner.off_loop``), so they are thread-safe
(docs/architecture.md). The schema is versioned (``schema_version``) and upgraded by the server
when it opens the journal (``syncro-mcp db upgrade`` does it on demand).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial, update_wrapper
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from .steps import Results, Resume, Step

T = TypeVar("T")

LOCK_LEASE_S = 600.0

SCHEMA_VERSION = 2
"""The schema this code writes. Each store lists its migrations: version n is the first n applied."""

SQLITE_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the tables (a journal file from before versioning has them: it is version 1)
        """CREATE TABLE IF NOT EXISTS entries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            op TEXT NOT NULL,
            ticket INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            args TEXT NOT NULL,
            plan TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL,            -- running | failed | done | abandoned | rejected | sending | unknown
            summary TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            created REAL NOT NULL,
            updated REAL NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS entries_ticket ON entries (ticket, op, state)",
        """CREATE TABLE IF NOT EXISTS steps (
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
        )""",
        """CREATE TABLE IF NOT EXISTS tokens (
            token TEXT PRIMARY KEY,         -- sha256 of a confirm_token: each approves one write, once
            tool TEXT NOT NULL,
            state TEXT NOT NULL,            -- running | done | failed
            outcome TEXT NOT NULL DEFAULT '',
            used REAL NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS locks (
            ticket INTEGER PRIMARY KEY,
            entry_id INTEGER NOT NULL,
            owner TEXT NOT NULL,
            expires REAL NOT NULL
        )""",
    ),
    (  # 2: the one-shot repeat window's lookup (op, fingerprint) without a scan
        "CREATE INDEX IF NOT EXISTS entries_write ON entries (op, fingerprint, state)",
    ),
)

UNFINISHED = ("running", "failed")
ONE_SHOT_REPEATS = "('done', 'unknown', 'sending')"
"""A one-shot write's entry (``claim_write``) is sending → done | unknown (answer lost) | rejected; an
identical write inside the window repeats one that is done, unknown, or being sent (or was cut off
by a killed process). The states are new values of ``entries.state``."""


class JournalError(Exception):
    """The journal cannot be used (unreachable, schema newer than this code); the message says the fix."""


class Dropped(JournalError):
    """The store's connection was found dropped before anything of a call reached the database: the
    journal runs the call once more, on a new connection (``_reconnecting``); a second drop is the error."""


class _reconnecting(Generic[T]):  # a decorator: named like one
    """A journal method run once more when its store found the connection dropped before the call reached
    the database (PostgreSQL restarted, the session was ended): nothing of it was done, so the retry is safe."""

    def __init__(self, method: Callable[..., T]) -> None:
        self.method = method
        update_wrapper(self, method)

    def __get__(self, obj: Any, owner: Any = None) -> Callable[..., T]:
        return self if obj is None else partial(self.__call__, obj)

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        try:
            return self.method(*args, **kwargs)
        except Dropped:
            return self.method(*args, **kwargs)


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
"""SQLite: (journal file, ticket) pairs a call in this process is writing now. The lock row names
the process, and this set tells one task's claim from another's (a second call in the same
process, another HTTP session or a parallel call, is refused like a call from another process).
A pair is added inside the claim's transaction (``take``), so another thread never sees the row unmarked."""


@dataclass
class _Mark:
    """SQLite's claim handle: the ``_HELD`` pair ``take`` marked, for ``drop`` to unmark."""

    key: tuple[str, int] | None = None


NO_TICKET = 0
"""The ``ticket`` of a journaled write that belongs to no ticket (emailing a ticketless invoice, a
ticket from an RMM alert, moving a ticketless appointment): such writes share no ticket, so each
one locks only its own identical write (``lock_key``) and is blocked only by it (``Engine.check``)."""


def _key_of(fp: str) -> int:
    return -(int(fp, 16) % 2**62) - 1


def write_key(op: str, args: dict[str, Any]) -> int:
    """The lock key of one exact one-shot write (negative: never a ticket number, never 0)."""
    return _key_of(fingerprint(op, args))


def lock_key(ticket: int, fp: str) -> int:
    """What a journaled write locks: its ticket, or for a ticketless write that exact write."""
    return ticket if ticket != NO_TICKET else _key_of(fp)


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


class _Finished(Exception):
    """An entry ``abandon`` was asked for finished first (its state is ``state``): nothing to abandon."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class TicketBusy(Exception):
    """Another call is writing to this ticket right now."""


# -- stores ------------------------------------------------------------------------------------------
class Db(Protocol):
    """A connection as the journal's SQL sees it: ``?`` placeholders, rows by column name."""

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...


class Store(Protocol):
    """Where a journal is kept: connections, transactions, ids, schema, and the write locks."""

    kind: str
    migrations: tuple[tuple[str, ...], ...]

    def db(self) -> AbstractContextManager[Db]:
        """A connection whose every statement commits."""

    def transaction(self, *, migrating: bool = False) -> AbstractContextManager[Db]:
        """One atomic transaction (``migrating``: also the only one changing the schema)."""

    def insert(self, db: Db, sql: str, params: tuple[Any, ...]) -> int:
        """Run an INSERT into ``entries`` and return the new id."""

    def has_table(self, db: Db, name: str) -> bool: ...

    def hold(self, key: int) -> Any:
        """Before the claim's transaction: what the lock needs outside it (a handle, or None)."""

    def take(self, db: Db, key: int, entry_id: int, handle: Any, owner: str, now: float) -> int | None:
        """Inside the claim's transaction: take ``key``'s lock for ``entry_id``; else the holder's entry id."""

    def keep(self, key: int, handle: Any) -> None:
        """The claim committed: this process now writes ``key``."""

    def drop(self, handle: Any) -> None:
        """The claim failed: let go of what ``hold`` took."""

    def release(self, key: int, owner: str) -> None:
        """The write ended: free ``key``."""

    def shared_secret(self, name: str) -> bytes | None:
        """A random 32-byte key shared by every instance on this journal (None: not shared, use a file)."""

    def where(self) -> str:
        """Where the journal is, for ``check`` (no password)."""

    def close(self) -> None: ...


class SqliteStore:
    """A SQLite file on this machine (standard library); WAL, a connection per call."""

    kind = "SQLite"
    migrations = SQLITE_MIGRATIONS

    def __init__(self, path: Path, *, lease_s: float = LOCK_LEASE_S) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = os.path.realpath(self.path)
        self.lease_s = lease_s

    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self, *, migrating: bool = False) -> Iterator[sqlite3.Connection]:
        with self.db() as db:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time: the claim's check-then-insert is atomic
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def insert(self, db: Any, sql: str, params: tuple[Any, ...]) -> int:
        return int(db.execute(sql, params).lastrowid or 0)

    def has_table(self, db: Any, name: str) -> bool:
        row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        return row is not None

    def hold(self, key: int) -> _Mark:
        return _Mark()

    def take(self, db: Any, key: int, entry_id: int, handle: Any, owner: str, now: float) -> int | None:
        row = db.execute("SELECT * FROM locks WHERE ticket = ?", (key,)).fetchone()
        if row is not None and row["expires"] > now and self._held_elsewhere(row["owner"], owner, key):
            return int(row["entry_id"])
        db.execute(
            "INSERT INTO locks (ticket, entry_id, owner, expires) VALUES (?, ?, ?, ?) ON CONFLICT (ticket) DO UPDATE"
            " SET entry_id = excluded.entry_id, owner = excluded.owner, expires = excluded.expires",
            (key, entry_id, owner, now + self.lease_s),
        )
        # Marked held inside the transaction (it holds the file's write lock): a claim in another thread of
        # this process (the engine calls the journal from worker threads) never sees our row unmarked.
        _HELD.add((self.file, key))
        handle.key = (self.file, key)
        return None

    def _held_elsewhere(self, holder: str, owner: str, key: int) -> bool:
        """Whether a lock row belongs to a live call other than the one asking: another process
        (alive), or another task of this process that holds the ticket now."""
        if holder == owner:
            return (self.file, key) in _HELD
        return _owner_alive(holder)

    def keep(self, key: int, handle: Any) -> None:
        return None  # marked in ``take``

    def drop(self, handle: Any) -> None:
        if handle.key is not None:  # taken, then the transaction failed: not held after all
            _HELD.discard(handle.key)

    def release(self, key: int, owner: str) -> None:
        _HELD.discard((self.file, key))
        with self.db() as db:
            db.execute("DELETE FROM locks WHERE ticket = ? AND owner = ?", (key, owner))

    def shared_secret(self, name: str) -> bytes | None:
        return None  # one machine: the confirmation key stays a file in the state dir

    def where(self) -> str:
        return str(self.path)

    def close(self) -> None:
        return None


def open_store(url: str | None, path: Path) -> Store:
    """The store a ``journal_url`` names: unset → the SQLite file ``path``; ``postgresql://…`` → PostgreSQL."""
    if not url:
        return SqliteStore(path)
    from .journal_pg import PgStore  # psycopg only when a PostgreSQL journal is configured

    return PgStore(url)


class Journal:
    def __init__(
        self, where: Path | Store, *, clock: Callable[[], float] = time.time, upgrade: bool = True
    ) -> None:
        self.store: Store = SqliteStore(Path(where)) if isinstance(where, (str, Path)) else where
        self.path: Path | None = getattr(self.store, "path", None)
        self._clock = clock
        self._owner = _owner()
        try:
            if upgrade:
                self.upgrade()
            else:
                self.check_version()
        except BaseException:
            self.store.close()
            raise

    # -- schema -------------------------------------------------------------------------------
    @_reconnecting
    def schema_version(self) -> int:
        with self.store.db() as db:
            return self._version(db)

    def _version(self, db: Db) -> int:
        if self.store.has_table(db, "schema_version"):
            row = db.execute("SELECT version FROM schema_version").fetchone()
            return int(row["version"]) if row else 0
        return 1 if self.store.has_table(db, "entries") else 0  # a journal from before versioning

    def check_version(self) -> int:
        """The schema's version; a newer one than this code knows is refused (never written to)."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"the write journal ({self.store.kind} {self.store.where()}) has schema version {version}, newer than "
                f"this syncro-mcp knows ({SCHEMA_VERSION}): a newer syncro-mcp wrote it. Nothing was changed. Fix: "
                "upgrade syncro-mcp on this machine to the version the other instances run."
            )
        return version

    @_reconnecting
    def upgrade(self) -> tuple[int, int]:
        """Bring the schema to ``SCHEMA_VERSION`` in one transaction; returns (before, after)."""
        if self.check_version() == SCHEMA_VERSION:
            return SCHEMA_VERSION, SCHEMA_VERSION
        with self.store.transaction(migrating=True) as db:
            before = self._version(db)  # again, inside the transaction: another instance may have upgraded
            if before > SCHEMA_VERSION:
                raise JournalError(f"the write journal's schema ({before}) is newer than this code's "
                                   f"({SCHEMA_VERSION}): upgrade syncro-mcp")
            for statements in self.store.migrations[before:SCHEMA_VERSION]:
                for sql in statements:
                    db.execute(sql)
            if before < SCHEMA_VERSION:
                db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                db.execute("DELETE FROM schema_version")
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        return before, max(before, SCHEMA_VERSION)

    def describe(self) -> str:
        """One line for ``check``: the backend, where, the schema version."""
        return f"{self.store.kind} {self.store.where()} (schema version {self.schema_version()})"

    @_reconnecting
    def shared_secret(self, name: str) -> bytes | None:
        return self.store.shared_secret(name)

    def close(self) -> None:
        self.store.close()

    @contextmanager
    def _db(self) -> Iterator[Any]:
        with self.store.db() as db:
            yield db

    # -- entries ------------------------------------------------------------------------------
    @_reconnecting
    def get(self, entry_id: int) -> Entry:
        with self._db() as db:
            row = db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
            if row is None:
                raise KeyError(entry_id)
            steps = db.execute("SELECT * FROM steps WHERE entry_id = ? ORDER BY seq", (entry_id,)).fetchall()
        return _entry(row, steps)

    @_reconnecting
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
            ids = [r["id"] for r in db.execute(sql + " ORDER BY id", params).fetchall()]
        return [self.get(i) for i in ids]

    @_reconnecting
    def recent_done(self, op: str, ticket: int, args: dict[str, Any], window_s: float) -> Entry | None:
        """The newest completed identical operation within ``window_s``, if any."""
        with self._db() as db:
            row = self._recent_done(db, op, ticket, args, window_s)
        return self.get(row["id"]) if row else None

    def _recent_done(self, db: Db, op: str, ticket: int, args: dict[str, Any], window_s: float) -> Any:
        return db.execute(
            "SELECT id FROM entries WHERE op = ? AND ticket = ? AND fingerprint = ? AND state = 'done'"
            " AND updated >= ? ORDER BY id DESC LIMIT 1",
            (op, ticket, fingerprint(op, args), self._clock() - window_s),
        ).fetchone()

    @_reconnecting
    def done_entries(self, op: str, ticket: int) -> list[Entry]:
        """Every completed ``op`` on ``ticket`` (e.g. the bills whose timers are on an invoice)."""
        with self._db() as db:
            ids = [r["id"] for r in db.execute(
                "SELECT id FROM entries WHERE op = ? AND ticket = ? AND state = 'done' ORDER BY id", (op, ticket)
            ).fetchall()]
        return [self.get(i) for i in ids]

    @_reconnecting
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
    @_reconnecting
    def resume_point(self, entry_id: int) -> Resume:
        """What an earlier attempt finished, and which steps were sent with no known outcome."""
        done: Results = {}
        unsure: dict[str, tuple[dict[str, Any], datetime]] = {}
        with self._db() as db:
            for row in db.execute("SELECT * FROM steps WHERE entry_id = ? ORDER BY seq", (entry_id,)).fetchall():
                if row["state"] == "done":
                    done[row["name"]] = json.loads(row["result"])
                else:
                    since = datetime.fromtimestamp(row["intent_at"], timezone.utc)
                    unsure[row["name"]] = (json.loads(row["body"]), since)
        return Resume(done=done, unsure=unsure)

    def step_log(self, entry_id: int) -> JournalLog:
        return JournalLog(self, entry_id)

    # -- confirmation tokens -------------------------------------------------------------------
    @_reconnecting
    def token_use(self, token: str) -> TokenUse | None:
        """What an earlier use of ``token`` did, if it was used (nothing is consumed)."""
        with self._db() as db:
            row = db.execute("SELECT * FROM tokens WHERE token = ?", (_token_key(token),)).fetchone()
        return None if row is None else TokenUse(row["tool"], row["state"], row["outcome"])

    @_reconnecting
    def use_token(self, token: str, tool: str) -> TokenUse | None:
        """Consume ``token`` atomically: None the first time, else what its first use did."""
        with self.store.transaction() as db:
            inserted = db.execute(
                "INSERT INTO tokens (token, tool, state, used) VALUES (?, ?, 'running', ?)"
                " ON CONFLICT (token) DO NOTHING",
                (_token_key(token), tool, self._clock()),
            ).rowcount
            if inserted:
                return None
            row = db.execute("SELECT * FROM tokens WHERE token = ?", (_token_key(token),)).fetchone()
        return TokenUse(row["tool"], row["state"], row["outcome"])

    @_reconnecting
    def token_outcome(self, token: str, state: str, outcome: str) -> None:
        """Record what the write a token approved did (a later use of the token is told this)."""
        with self._db() as db:
            db.execute(
                "UPDATE tokens SET state = ?, outcome = ? WHERE token = ?", (state, outcome[:2000], _token_key(token))
            )

    # -- locks --------------------------------------------------------------------------------
    # The claims (claim, claim_write, lock, abandon) commit, then read or release: the retry on a dropped
    # connection wraps their parts that are safe to run again (_claim, the reads), never a whole claim.
    @_reconnecting
    def _claim(self, key: int, start: Callable[[Db], int]) -> int:
        """The one lock point: in one transaction, ``start`` the entry (it may raise ``Repeated``) and take
        ``key``'s lock for it, or raise ``TicketBusy`` leaving nothing behind (the transaction rolls back)."""
        handle = self.store.hold(key)
        try:
            with self.store.transaction() as db:
                entry_id = start(db)
                holder = self.store.take(db, key, entry_id, handle, self._owner, self._clock())
                if holder is not None:
                    raise TicketBusy(self._busy(db, key, holder))
        except BaseException:
            self.store.drop(handle)
            raise
        self.store.keep(key, handle)
        return entry_id

    @staticmethod
    def _busy(db: Db, ticket: int, holder: int) -> str:
        what = db.execute("SELECT op FROM entries WHERE id = ?", (holder,)).fetchone()
        return (
            f"{f'Ticket #{ticket}' if ticket > 0 else 'This exact write'} is being written by another call right now: "
            f"{what['op'] if what else 'a write'} in progress (journal entry {holder}). "
            "Nothing of this call was sent. Wait for it to finish, then check pending_writes."
        )

    def lock(self, ticket: int, entry_id: int) -> None:
        """Take the ticket's write lock for ``entry_id`` or raise TicketBusy."""
        self._claim(ticket, partial(_given, entry_id))

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
        key = lock_key(ticket, fingerprint(op, args))
        return self.get(self._claim(key, partial(self._start, op, ticket, args, plan, resume, repeat_window_s)))

    def _start(
        self, op: str, ticket: int, args: dict[str, Any], plan: list[str], resume: Entry | None, window: float, db: Db
    ) -> int:
        """``claim``'s part inside the transaction: the repeat check, then the entry (new or reopened)."""
        self._refuse_repeat(db, op, ticket, args, resume, window)
        if resume is not None:
            db.execute(
                "UPDATE entries SET state = 'running', updated = ? WHERE id = ? AND state = 'failed'",
                (self._clock(), resume.id),
            )
            return resume.id
        return self._insert(db, op, ticket, args, plan, "running")

    def _insert(self, db: Db, op: str, ticket: int, args: dict[str, Any], plan: list[str], state: str) -> int:
        now = self._clock()
        return self.store.insert(
            db,
            "INSERT INTO entries (op, ticket, fingerprint, args, plan, state, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (op, ticket, fingerprint(op, args), json.dumps(args, default=str), json.dumps(plan), state, now, now),
        )

    def _refuse_repeat(
        self, db: Db, op: str, ticket: int, args: dict[str, Any], resume: Entry | None, window: float
    ) -> None:
        if resume is not None:
            row = db.execute("SELECT state FROM entries WHERE id = ?", (resume.id,)).fetchone()
            if row is not None and row["state"] not in UNFINISHED:
                raise Repeated(resume.id)  # finished (or abandoned) while this call waited
        if window > 0:
            row = self._recent_done(db, op, ticket, args, window)
            if row is not None:
                raise Repeated(row["id"])

    # -- one-shot writes (no steps, no resume: create_invoice, update_ticket, …; Engine.once) ---------
    @_reconnecting
    def recent_write(self, op: str, args: dict[str, Any], window_s: float) -> Entry | None:
        """The newest identical one-shot write inside the window (done, outcome unknown or being sent)."""
        with self._db() as db:
            row = self._recent_write(db, op, args, window_s)
        return self.get(row["id"]) if row else None

    def _recent_write(self, db: Db, op: str, args: dict[str, Any], window_s: float) -> Any:
        return db.execute(
            f"SELECT id FROM entries WHERE op = ? AND fingerprint = ? AND state IN {ONE_SHOT_REPEATS}"
            " AND updated >= ? ORDER BY id DESC LIMIT 1",
            (op, fingerprint(op, args), self._clock() - window_s),
        ).fetchone()

    def claim_write(self, op: str, ticket: int, args: dict[str, Any], window_s: float) -> Entry:
        """Start one exact one-shot write ('sending'), atomically: refuse a repeat inside the window
        (``Repeated``), take the lock of this exact write (``write_key``: not the ticket's) or raise
        ``TicketBusy``. The caller sets the outcome and calls ``unlock(write_key(op, args))``."""

        return self.get(self._claim(write_key(op, args), partial(self._start_write, op, ticket, args, window_s)))

    def _start_write(self, op: str, ticket: int, args: dict[str, Any], window: float, db: Db) -> int:
        row = self._recent_write(db, op, args, window) if window > 0 else None
        if row is not None:
            raise Repeated(row["id"])
        return self._insert(db, op, ticket, args, [op], "sending")

    def abandon(self, entry_id: int) -> str | None:
        """Mark an unfinished entry abandoned, check-and-set under its lock (``lock_key``, either store): None
        when done, else the state it has now (finished, or abandoned by a parallel call). ``TicketBusy``
        while a live call (a resume, another abandon) holds its ticket."""
        row = self._row(entry_id, "ticket, fingerprint, state")
        if row is None or row["state"] not in UNFINISHED:
            return row["state"] if row else "gone"
        key = lock_key(int(row["ticket"]), row["fingerprint"])
        try:
            self._claim(key, partial(self._abandon, entry_id))
        except _Finished as exc:
            return exc.state
        self.unlock(key)
        return None

    @_reconnecting
    def _row(self, entry_id: int, columns: str) -> Any:
        with self._db() as db:
            return db.execute(f"SELECT {columns} FROM entries WHERE id = ?", (entry_id,)).fetchone()

    def _abandon(self, entry_id: int, db: Db) -> int:
        """``abandon``'s part inside the lock's transaction: still unfinished? then abandoned."""
        row = db.execute("SELECT state FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None or row["state"] not in UNFINISHED:
            raise _Finished(row["state"] if row else "gone")
        db.execute("UPDATE entries SET state = 'abandoned', updated = ? WHERE id = ?", (self._clock(), entry_id))
        return entry_id

    @_reconnecting
    def unlock(self, ticket: int) -> None:
        self.store.release(ticket, self._owner)


def _given(entry_id: int, db: Db) -> int:
    return entry_id


class JournalLog:
    """The runner's StepLog backed by the journal."""

    def __init__(self, journal: Journal, entry_id: int) -> None:
        self.journal = journal
        self.entry_id = entry_id
        self._seq = 0

    @_reconnecting
    def intent(self, step: Step) -> None:
        self._seq += 1
        now = self.journal._clock()
        with self.journal._db() as db:
            db.execute(
                "INSERT INTO steps (entry_id, name, seq, describe, fingerprint, body, state, intent_at, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, 'intent', ?, ?) ON CONFLICT (entry_id, name) DO UPDATE SET"
                " seq = excluded.seq, describe = excluded.describe, fingerprint = excluded.fingerprint,"
                " body = excluded.body, state = 'intent', result = '{}', how = '', intent_at = excluded.intent_at,"
                " updated = excluded.updated",
                (self.entry_id, step.name, self._seq, step.describe, step.fingerprint,
                 json.dumps(step.body, default=str), now, now),
            )

    @_reconnecting
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

    @_reconnecting
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


def _entry(row: Any, steps: list[Any]) -> Entry:
    return Entry(
        id=row["id"], op=row["op"], ticket=row["ticket"], fingerprint=row["fingerprint"], args=json.loads(row["args"]),
        state=row["state"], summary=row["summary"], error=row["error"], created=row["created"],
        updated=row["updated"], plan=json.loads(row["plan"]),
        steps=[StepView(s["name"], s["describe"], s["state"], json.loads(s["result"])) for s in steps],
    )
