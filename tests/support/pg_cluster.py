"""A PostgreSQL for the tests that need one (the shared write journal).

``$TEST_POSTGRES_URL`` (``.ci/run`` starts a throwaway cluster and sets it) wins; otherwise a
private cluster for the session (``syncro_mcp.testing.postgres_cluster``: initdb + pg_ctl on a free
loopback port, as ``postgres`` or ``nobody`` under root) when the binaries are found; otherwise the
tests skip, and with ``CI`` set a skip fails (tests/conftest.py). Each test gets a schema of its
own (``pg_schema_url``), so one server serves the whole suite without cleaning up.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from syncro_mcp.testing import postgres_binaries, postgres_cluster
from syncro_mcp.testing import postgres_schema as schema_url

URL_ENV = "TEST_POSTGRES_URL"
__all__ = ["journal_backend", "pg_schema_url", "postgres_url", "schema_url"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get(URL_ENV, "").strip()
    if given:
        yield given
        return
    bin_dir = postgres_binaries()
    if bin_dir is None:
        pytest.skip(f"no PostgreSQL: set {URL_ENV} or install it (apt-get install postgresql)")
    with postgres_cluster(bin_dir) as url:
        yield url


@pytest.fixture
def pg_schema_url(postgres_url: str) -> str:
    """A URL whose journal is this test's alone."""
    return schema_url(postgres_url, f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_backend(request: pytest.FixtureRequest) -> str | None:
    """Each test twice: the SQLite journal (None: the state dir's file) and a PostgreSQL one."""
    if request.param == "postgresql":
        return request.getfixturevalue("pg_schema_url")
    return None
