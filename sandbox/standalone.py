"""The sandbox as a real HTTP server on loopback, for demos and for clients outside Python.

``serve`` blocks until interrupted; the CLI (``syncro-mcp sandbox``) calls it. With a
``state_path`` the data survives restarts: it is loaded on start and saved after every
successful write. ``BackgroundServer`` runs the same thing in a thread for tests.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from .sandbox import Sandbox

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP (not proto 0) so asyncio sets TCP_NODELAY on accepted sockets: without it every
    # response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def make_sandbox(state_path: str | Path | None = None, **sandbox_kwargs: Any) -> Sandbox:
    """A sandbox loaded from ``state_path`` if it exists (else seeded), autosaving to it."""
    if state_path is None:
        return Sandbox(**sandbox_kwargs)
    path = Path(state_path)
    sandbox_kwargs["autosave_path"] = path
    if path.exists():
        return Sandbox.load(path, **sandbox_kwargs)
    sb = Sandbox(**sandbox_kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    sb.save(path)
    return sb


def _config(sb: Sandbox, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(sb.app, log_level=log_level, access_log=False, lifespan="on", timeout_graceful_shutdown=2)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    state_path: str | Path | None = None,
    *,
    seed: bool = True,
    invoice_copies_timers: bool = True,
    rate_limit_per_min: int | None = 180,
    hang_seconds: float = 120.0,
    log_level: str = "warning",
    out: TextIO | None = None,
    sandbox: Sandbox | None = None,
) -> int:
    """Serve the sandbox on ``host:port`` until interrupted (Ctrl-C). Returns an exit code.

    Prints the base URL, the API keys and where state lives. ``port=0`` picks a free port
    (the printed URL has the real one). Binding anything but loopback prints a warning: the
    sandbox has a fixed, published key.
    """
    stream = out or sys.stdout
    sb = sandbox or make_sandbox(
        state_path,
        seed=seed,
        invoice_copies_timers=invoice_copies_timers,
        rate_limit_per_min=rate_limit_per_min,
        hang_seconds=hang_seconds,
    )
    sock = _bind(host, port)
    actual_port = sock.getsockname()[1]
    origin = f"http://{_url_host(host)}:{actual_port}"
    sb.base_url = f"{origin}/api/v1"
    lines = [
        f"Syncro sandbox listening on {sb.base_url}",
        f"API key: {sb.api_key}",
        f"Read-only API key: {sb.read_only_key}",
        f"State: {sb.autosave_path} (saved after every write)" if sb.autosave_path else "State: in memory",
        f"Control routes (loopback only): {origin}/_sandbox/requests, /_sandbox/faults, /_sandbox/reset",
    ]
    if host not in LOOPBACK_HOSTS:
        lines.append(f"WARNING: bound to {host}, not loopback; the sandbox key is public knowledge.")
    lines.append("Press Ctrl-C to stop.")
    print("\n".join(lines), file=stream, flush=True)
    server = uvicorn.Server(_config(sb, log_level))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


class BackgroundServer:
    """Run a sandbox on a loopback port in a daemon thread (tests, notebooks).

    ``with BackgroundServer(sb) as srv: httpx.get(srv.base_url + "/tickets", ...)``
    """

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, log_level: str = "critical"):
        self.sandbox = sandbox
        self.host = host
        self._sock = _bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        self.origin = f"http://{_url_host(host)}:{self.port}"
        self.base_url = f"{self.origin}/api/v1"
        sandbox.base_url = self.base_url
        self._server = uvicorn.Server(_config(sandbox, log_level))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._run, name="syncro-sandbox", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
