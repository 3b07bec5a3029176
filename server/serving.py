"""Starting the server: pick the Syncro (real or embedded sandbox), build the app, run a transport.

The sandbox keeps its own journal and audit files, apart from real Syncro's, so demo data can
never block or be confused with a real ticket of the same number. With ``--state`` both sit
beside the state file. Without it the journal is temporary (the sandbox's data is too), but the
audit log persists as ``<state_dir>/sandbox-audit.jsonl``, which ``syncro-mcp audit --sandbox``
shows; ``serve --sandbox`` says where it is on stderr when it starts.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from syncro_mcp.client import SyncroClient

from .app import App, adopt_account_zone, build_app
from .settings import ConfigError, Settings

log = logging.getLogger("syncro_mcp.server")


def sandbox_settings(settings: Settings, state: Path | None, scratch: Path) -> Settings:
    """Settings whose journal/audit files belong to this sandbox, not to real Syncro (never a team's
    PostgreSQL journal: demo writes stay out of it).

    With ``--state`` they sit beside the state file (and live as long as it); otherwise in
    ``scratch``, a temporary folder the caller removes when the sandbox goes away.
    """
    folder = state.parent if state else scratch
    stem = state.stem if state else "sandbox"
    return settings.model_copy(
        update={"journal_path": folder / f"{stem}.journal.sqlite3", "journal_url": None,
                "audit_path": folder / f"{stem}.audit.jsonl"}
    )


def sandbox_audit_path(settings: Settings, state: Path | None) -> Path:
    """Where ``serve --sandbox`` appends its audit log (and ``audit --sandbox`` reads it)."""
    if state is not None:
        return state.parent / f"{state.stem}.audit.jsonl"
    return settings.state_dir / "sandbox-audit.jsonl"


def make_client(
    settings: Settings,
    *,
    sandbox: Any = None,
    api_key: SecretStr | None = None,
    limiter: Any = None,
    actor: str | None = None,
    unconfigured: bool = False,
    **options: Any,
) -> SyncroClient:
    """The one way the server builds a ``SyncroClient``: real Syncro per settings, or ``sandbox``
    in process (its URL, key and transport; the settings' limits, never the real key), or
    (``unconfigured``) a placeholder to build the app with while no account is set, which never
    sends anything.

    Team mode (``server/users.py``) passes a technician's own ``api_key``, the instance's shared
    ``limiter`` and the technician's name as ``actor`` (recorded in the audit log). ``options``
    (with ``sandbox`` only: the in-memory stack of ``syncro_mcp.testing``) replace client keywords:
    a wrapped transport, a fake clock, no pacing."""
    team = {"limiter": limiter, "actor": actor}  # a limiter passed in replaces the client's own
    if options and sandbox is None:
        raise TypeError(f"make_client: {sorted(options)} go with a sandbox only")
    if unconfigured:
        from .unconfigured import PLACEHOLDER_BASE_URL, NoNetwork

        return SyncroClient(base_url=PLACEHOLDER_BASE_URL, api_key=SecretStr("not-configured"), transport=NoNetwork(),
                            max_retries=0, read_only=settings.read_only)
    if sandbox is None:
        return SyncroClient(**settings.client_options(api_key=api_key), **team)
    return SyncroClient(**{
        "base_url": sandbox.base_url,
        "api_key": api_key if api_key is not None else SecretStr(sandbox.api_key),
        "transport": sandbox.transport(),
        **team,
        "timeout_s": settings.timeout_s,
        "rate_limit_per_min": settings.rate_limit_per_min,
        "max_retries": settings.max_retries,
        "retry_base_s": settings.retry_base_s,
        "read_only": settings.read_only,
        **options,
    })


@asynccontextmanager
async def open_client(
    settings: Settings, *, sandbox: bool, state: Path | None = None, sandbox_instance: Any = None
) -> AsyncIterator[SyncroClient]:
    """A client for real Syncro (per settings) or for an in-process sandbox (no sockets).

    With a users file: a proxy to each technician's own client (``server/users.py``).
    """
    if settings.users_file is not None:
        from .users import open_user_clients

        async with open_user_clients(settings, sandbox=sandbox, state=state, sandbox_instance=sandbox_instance) as c:
            yield c
        return
    if sandbox:
        from syncro_mcp.sandbox.standalone import make_sandbox

        sandbox_instance = sandbox_instance or make_sandbox(state)
    async with make_client(settings, sandbox=sandbox_instance if sandbox else None) as client:
        yield client


def started() -> None:
    """Start-up is over. Nearly everything it made (modules, classes, the app) lives as long as the
    process, so the collector stops scanning it: ``gc.freeze`` leaves it out of every later
    collection and out of the last one at exit (≈ 5 % of a cold start's instructions), then
    collection resumes (``cli`` pauses it for the start-up, which makes next to no garbage)."""
    gc.freeze()
    gc.enable()


def log_pending(app: App) -> None:
    """On start, say what a previous run left unfinished (stderr)."""
    for entry in app.runtime.journal.unfinished():
        log.warning("unfinished write (see pending_writes):\n%s", app.runtime.engine.describe(entry))


async def serve(
    settings: Settings,
    *,
    sandbox: bool = False,
    state: Path | None = None,
    transport: str = "stdio",
    host: str | None = None,
    port: int | None = None,
    setup_help: str | None = None,
) -> None:
    """Run the server. ``setup_help`` (no account configured): every tool call answers with it."""
    with tempfile.TemporaryDirectory(prefix="syncro-mcp-sandbox-") as scratch:
        if sandbox:
            settings = sandbox_settings(settings, state, Path(scratch)).model_copy(
                update={"audit_path": sandbox_audit_path(settings, state)}
            )
            print(
                f"syncro-mcp: sandbox writes are audited in {settings.audit_path} "
                f"(syncro-mcp audit --sandbox{' --state ' + str(state) if state else ''})",
                file=sys.stderr,
            )
        await _serve(
            settings, sandbox=sandbox, state=state, transport=transport, host=host, port=port, setup_help=setup_help
        )


@asynccontextmanager
async def open_app(
    settings: Settings, *, sandbox: bool, state: Path | None = None, setup_help: str | None = None
) -> AsyncIterator[App]:
    """The app on real Syncro, on the sandbox, or (``setup_help`` given) answering every call with it."""
    if setup_help is None:
        async with open_client(settings, sandbox=sandbox, state=state) as client:
            app = build_app(settings, client)
            try:
                yield app
            finally:
                app.runtime.journal.close()  # a PostgreSQL journal's connections (and the locks they hold)
        return
    from .unconfigured import answer_with_setup_help  # with httpx: only when not configured

    async with make_client(settings, unconfigured=True) as client:
        app = build_app(settings, client)
        answer_with_setup_help(app.server, setup_help)
        try:
            yield app
        finally:
            app.runtime.journal.close()


async def _serve(
    settings: Settings,
    *,
    sandbox: bool,
    state: Path | None,
    transport: str,
    host: str | None,
    port: int | None,
    setup_help: str | None,
) -> None:
    if settings.users_file is not None and transport != "http":
        raise ConfigError("users_file is for the HTTP transport (serve --transport http): stdio has one user")
    async with open_app(settings, sandbox=sandbox, state=state, setup_help=setup_help) as app:
        client = app.runtime.client
        log_pending(app)
        started()
        # The account's zone is read in the background (no slower start); not configured: nothing to read.
        zone_task = None if setup_help else asyncio.create_task(adopt_account_zone(app, settings))
        where = "the embedded sandbox" if sandbox else "nothing (not configured)" if setup_help else client.base_url
        log.info("syncro-mcp serving %s over %s", where, transport)
        try:
            if transport == "stdio":
                await app.server.run_stdio_async()
            else:
                from .transport import run_http

                token = settings.http_token.get_secret_value() if settings.http_token else None
                users = None
                if settings.users_file is not None:
                    from .users import load_users

                    users = load_users(settings.users_file)
                await run_http(app.server, host or settings.http_host, port or settings.http_port, token, users,
                               settings.http_allowed_hosts, settings.http_max_sessions)
        finally:
            if zone_task is not None:
                zone_task.cancel()
