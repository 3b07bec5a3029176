"""A Redis for the tests that need one (the shared rate-limit bucket).

``$TEST_REDIS_URL`` (``.ci/run`` starts one and sets it) wins; otherwise a private
``redis-server`` on a free loopback port for the session when the binary exists; otherwise the
tests skip, and with ``CI`` set a skip fails (tests/conftest.py), so CI always has Redis.
Each test gets its own key prefix, so a shared server needs no flushing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest

URL_ENV = "TEST_REDIS_URL"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    given = os.environ.get(URL_ENV, "").strip()
    if given:
        yield given
        return
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip(f"no Redis: set {URL_ENV} or install redis-server (apt-get install redis-server)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="syncro-mcp-redis-") as folder:
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while not _ping(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def redis_key() -> str:
    """A bucket key of this test's own."""
    return f"syncro-mcp-test:{uuid.uuid4().hex}"
