"""A Redis for the tests that need one (the shared rate-limit bucket).

``$TEST_REDIS_URL`` (``.ci/run`` starts one and sets it) wins; otherwise a private
``redis-server`` on a free loopback port for the session when the binary exists; otherwise the
tests skip, and with ``CI`` set a skip fails (tests/conftest.py), so CI always has Redis.
Each test gets its own key prefix, so a shared server needs no flushing.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
from syncro_mcp.testing import redis_server

URL_ENV = "TEST_REDIS_URL"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    given = os.environ.get(URL_ENV, "").strip()
    if given:
        yield given
        return
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip(f"no Redis: set {URL_ENV} or install redis-server (apt-get install redis-server)")
    with redis_server(exe) as url:
        yield url


@pytest.fixture
def redis_key() -> str:
    """A bucket key of this test's own."""
    return f"syncro-mcp-test:{uuid.uuid4().hex}"
