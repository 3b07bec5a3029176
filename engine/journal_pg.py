"""The write journal in PostgreSQL (``journal_url: postgresql://…``): one journal for every instance.

The journal's logic is ``journal.Journal``'s; this is only where it is kept. Entries, steps,
confirmation tokens, the repeat window and the per-write locks live in one database, so any
number of server instances on any machines see the same writes.

- Connections: one per journal for its short statements and transactions (autocommit outside
  them), reconnected when it broke; plus one per write in progress, which holds that write's lock.
- Locks: ``pg_try_advisory_lock`` on the write's own connection, taken before the claim's
  transaction and kept until ``unlock`` closes the connection. Never waited for (a busy ticket is
  refused, as with SQLite), never polled; an instance that dies loses its connection and so its
  locks (TCP keepalives, set on both ends, bound how long a vanished machine's connection
  lingers: about a minute). The ``locks``
  table only says which entry holds a ticket, for the refusal's message.
- Lock keys are namespaced by the schema (``current_schema()``), so journals in two schemas of
  one database never block each other.
- The confirmation key is a row (``journal_keys``), made once atomically: a token one instance
  issued is accepted by another without a shared state dir.

Synchronous psycopg 3 with short transactions, like the SQLite store, called from the engine's worker
threads (``runner.off_loop``): the shared connection is used under a lock, one thread at a time
(docs/architecture.md). A shared connection found dropped by a call's first statement (PostgreSQL
restarted, the session ended) is replaced and the call run once more; dropped later, the call fails
with a ``JournalError`` naming the database.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from .journal import Dropped, JournalError

PG_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the tables (as SQLite's version 1) and the shared confirmation key
        """CREATE TABLE IF NOT EXISTS entries (
            id BIGSERIAL PRIMARY KEY,
            op TEXT NOT NULL,
            ticket BIGINT NOT NULL,
            fingerprint TEXT NOT NULL,
            args TEXT NOT NULL,
            plan TEXT NOT NULL DEFAULT '[]',
            state TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            created DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS entries_ticket ON entries (ticket, op, state)",
        """CREATE TABLE IF NOT EXISTS steps (
            entry_id BIGINT NOT NULL REFERENCES entries(id),
            name TEXT NOT NULL,
            seq INTEGER NOT NULL,
            describe TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            body TEXT NOT NULL,
            state TEXT NOT NULL,
            result TEXT NOT NULL DEFAULT '{}',
            how TEXT NOT NULL DEFAULT '',
            intent_at DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (entry_id, name)
        )""",
        """CREATE TABLE IF NOT EXISTS tokens (
            token TEXT PRIMARY KEY,
            tool TEXT NOT NULL,
            state TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT '',
            used DOUBLE PRECISION NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS locks (
            ticket BIGINT PRIMARY KEY,
            entry_id BIGINT NOT NULL,
            owner TEXT NOT NULL,
            expires DOUBLE PRECISION NOT NULL
        )""",
        "CREATE TABLE IF NOT EXISTS journal_keys (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
    ),
    (  # 2: the one-shot repeat window's lookup (op, fingerprint) without a scan
        "CREATE INDEX IF NOT EXISTS entries_write ON entries (op, fingerprint, state)",
    ),
)

CONNECT: dict[str, Any] = {
    "autocommit": True, "row_factory": dict_row, "connect_timeout": 10, "application_name": "syncro-mcp",
    # A machine that vanishes without closing its connections: its locks go within about a minute.
    "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
}
MIGRATION_LOCK = 0  # the advisory key (within the schema's namespace) that serialises schema upgrades


class _Db:
    """A psycopg connection that takes the journal's SQL (``?`` placeholders), counting what got through."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.done = 0
        self.rolled_back = False  # inside a transaction's body: a failure there commits nothing

    def execute(self, sql: str, params: Any = (), /) -> Any:
        cursor = self.conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
        self.done += 1
        return cursor


class PgStore:
    kind = "PostgreSQL"
    migrations = PG_MIGRATIONS

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[Any] | None = None
        self._held: dict[int, psycopg.Connection[Any]] = {}
        with self.db() as db:
            self.schema = db.execute("SELECT current_schema() AS s").fetchone()["s"]
        if self.schema is None:
            self.close()
            raise JournalError(
                f"the write journal's database {self.where()} has no schema to create its tables in (search_path "
                "names none that exists). Fix: create the schema, or drop the search_path option from journal_url."
            )

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            return psycopg.connect(self.url, **CONNECT)
        except psycopg.Error as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise JournalError(
                f"cannot reach the write journal's PostgreSQL at {self.where()}: {reason}. Fix: check that the "
                "database runs and journal_url (SYNCRO_JOURNAL_URL) names its host, port, database, user and password."
            ) from None

    @contextmanager
    def db(self) -> Iterator[_Db]:
        """The shared connection. Found dropped (PostgreSQL restarted, the session was ended) by the
        block's first statement, which never got through: ``Dropped``, and the journal runs the call once
        more on a new connection. Dropped later in the block: a ``JournalError`` (what it changed is unsure)."""
        with self._lock:
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = self._connect()
            db = _Db(self._conn)
            try:
                yield db
            except psycopg.OperationalError as exc:
                if not (self._conn.closed or self._conn.broken):
                    raise
                self._conn = None
                reason = " ".join(str(exc).split()) or type(exc).__name__
                if db.done == 0:
                    raise Dropped(self._dropped(reason, "before the journal call reached it")) from None
                if db.rolled_back:
                    raise JournalError(self._dropped(
                        reason, "during a journal transaction, which was not recorded")) from None
                raise JournalError(self._dropped(
                    reason, "during a journal call: its last change may or may not be recorded (pending_writes shows "
                    "what is)")) from None

    def _dropped(self, reason: str, when: str) -> str:
        return (f"the write journal's PostgreSQL at {self.where()} dropped the connection {when}: {reason}. Fix: "
                "check that the database runs, then call again.")

    @contextmanager
    def transaction(self, *, migrating: bool = False) -> Iterator[_Db]:
        """One transaction on the shared connection; its BEGIN is the block's first statement (``db``)."""
        with self.db() as db, db.conn.transaction():
            db.done += 1  # BEGIN got through: not retried from here on
            db.rolled_back = True
            if migrating:  # two instances starting at once: one upgrades, the other then sees it done
                db.execute("SELECT pg_advisory_xact_lock(?::bigint)", (self._key(MIGRATION_LOCK),))
            yield db
            db.rolled_back = False  # COMMIT: a failure there leaves it unsure

    def insert(self, db: Any, sql: str, params: tuple[Any, ...]) -> int:
        return int(db.execute(sql + " RETURNING id", params).fetchone()["id"])

    def has_table(self, db: Any, name: str) -> bool:
        return db.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?", (name,)
        ).fetchone() is not None

    # -- locks: a session advisory lock on a connection of the write's own ---------------------------
    def _key(self, key: int) -> int:
        digest = hashlib.blake2b(f"{getattr(self, 'schema', '')}\0{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def hold(self, key: int) -> psycopg.Connection[Any] | None:
        conn = self._connect()
        try:
            # The server's side of keepalive: a lock holder whose machine vanished is noticed (and its
            # lock freed) within about a minute, not after the OS default of two hours.
            got = conn.execute(
                "SELECT set_config('tcp_keepalives_idle', '30', false), set_config('tcp_keepalives_interval', '10',"
                " false), set_config('tcp_keepalives_count', '3', false), pg_try_advisory_lock(%s::bigint) AS got",
                (self._key(key),),
            ).fetchone()
        except psycopg.OperationalError as exc:
            conn.close()
            raise JournalError(self._dropped(" ".join(str(exc).split()), "while taking a write's lock")) from None
        except BaseException:
            conn.close()
            raise
        if not got["got"]:  # type: ignore[index]
            conn.close()
            return None
        return conn

    def take(self, db: Any, key: int, entry_id: int, handle: Any, owner: str, now: float) -> int | None:
        if handle is None:
            row = db.execute("SELECT entry_id FROM locks WHERE ticket = ?", (key,)).fetchone()
            return int(row["entry_id"]) if row else 0
        db.execute(
            "INSERT INTO locks (ticket, entry_id, owner, expires) VALUES (?, ?, ?, ?) ON CONFLICT (ticket) DO UPDATE"
            " SET entry_id = excluded.entry_id, owner = excluded.owner, expires = excluded.expires",
            (key, entry_id, owner, now),
        )
        return None

    def keep(self, key: int, handle: Any) -> None:
        self._held[key] = handle

    def drop(self, handle: Any) -> None:
        if handle is not None:
            _let_go(handle)

    def release(self, key: int, owner: str) -> None:
        conn = self._held.pop(key, None)
        try:
            with self.db() as db:
                db.execute("DELETE FROM locks WHERE ticket = ? AND owner = ?", (key, owner))
        finally:
            if conn is not None:
                _let_go(conn)

    # -- the rest --------------------------------------------------------------------------------------
    def shared_secret(self, name: str) -> bytes:
        """Made once (the first instance's insert wins; the others read it)."""
        with self.transaction() as db:
            db.execute("INSERT INTO journal_keys (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                       (name, os.urandom(32)))
            row = db.execute("SELECT value FROM journal_keys WHERE name = ?", (name,)).fetchone()
        return bytes(row["value"])

    def where(self) -> str:
        return describe_url(self.url, getattr(self, "schema", None))

    def close(self) -> None:
        with self._lock:
            for conn in [*self._held.values(), *([self._conn] if self._conn is not None else [])]:
                conn.close()
            self._held.clear()
            self._conn = None


def _let_go(conn: psycopg.Connection[Any]) -> None:
    """Free a lock's connection: unlock first, then close. Closing alone frees the lock only once the
    server's backend has exited, a moment later: a claim of the same write right after was refused as busy."""
    try:
        conn.execute("SELECT pg_advisory_unlock_all()")
    except psycopg.Error:
        pass  # a broken connection: its lock goes with its backend
    finally:
        conn.close()


def describe_url(url: str, schema: str | None = None) -> str:
    """``user@host:port/db`` (and the schema when not public): never the password."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        return "(an unreadable journal_url)"
    where = f"{info.get('user') or ''}{'@' if info.get('user') else ''}{info.get('host') or 'localhost'}"
    where += f":{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"
    return where + (f" schema {schema}" if schema and schema != "public" else "")
