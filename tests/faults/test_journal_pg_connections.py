"""A PostgreSQL journal's connections: a write's lock is free the moment ``unlock`` returns."""

from __future__ import annotations

import psycopg
import pytest
from syncro_mcp.engine.journal import Journal, open_store

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
