"""A PostgreSQL for the tests that need one (the shared write journal).

``$TEST_POSTGRES_URL`` (``.ci/run`` starts a throwaway cluster and sets it) wins; otherwise a
private cluster for the session (initdb + pg_ctl on a free loopback port, in a temporary folder)
when the binaries are found (on PATH or /usr/lib/postgresql/*/bin); otherwise the tests skip, and
with ``CI`` set a skip fails (tests/conftest.py). As root the cluster runs as the ``postgres``
user (PostgreSQL refuses root). Each test gets a schema of its own (``pg_schema_url``), so one
server serves the whole suite without cleaning up.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

URL_ENV = "TEST_POSTGRES_URL"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, if this machine has them."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(folder, "initdb"), os.X_OK):
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cluster_user() -> str | None:
    """Root may not run PostgreSQL: the ``postgres`` user (Debian's package makes it), else ``nobody``."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        return pwd.getpwnam("postgres").pw_name
    except KeyError:
        return "nobody"


def _as_cluster_user(argv: list[str]) -> list[str]:
    user = _cluster_user()
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get(URL_ENV, "").strip()
    if given:
        yield given
        return
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip(f"no PostgreSQL: set {URL_ENV} or install it (apt-get install postgresql)")
    port = _free_port()
    folder = tempfile.mkdtemp(prefix="syncro-mcp-pg-")
    try:
        user = _cluster_user()
        if user is not None:
            shutil.chown(folder, user)
        data = os.path.join(folder, "data")
        subprocess.run(_as_cluster_user([str(bin_dir / "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
                                         "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=300")
        subprocess.run(_as_cluster_user([str(bin_dir / "pg_ctl"), "-D", data, "-o", options, "-l",
                                         os.path.join(folder, "log"), "-w", "start"]), check=True, capture_output=True)
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_cluster_user([str(bin_dir / "pg_ctl"), "-D", data, "-m", "immediate", "stop"]),
                           capture_output=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def schema_url(base: str, schema: str) -> str:
    """``base`` with its search_path set to ``schema`` (made here): a journal of its own."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


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
