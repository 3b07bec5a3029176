"""The ``syncro-mcp`` command line.

Subcommands live in one registry. To add one, write a single decorated handler here (import
its implementation lazily inside the handler so ``syncro-mcp check`` stays fast)::

    def _serve_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--read-only", action="store_true", default=None)

    @subcommand("serve", "run the MCP server (stdio)", arguments=_serve_arguments)
    def _serve(args: argparse.Namespace) -> int:
        settings = settings_from(args, read_only=args.read_only)
        ...
        return 0

``settings_from`` applies ``--config``/``--log-level`` and configures logging; ``main`` turns
``ConfigError`` into exit 2 and a Syncro error into exit 1, so handlers need not.
Running ``syncro-mcp`` with no subcommand runs ``serve`` when it is registered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from syncro_mcp import __version__

from .logging_setup import configure_logging
from .secrets import redact
from .settings import LOG_LEVELS, ConfigError, NotConfiguredError, Settings, load_settings

PROG = "syncro-mcp"

EXIT_OK = 0
EXIT_SYNCRO = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `cat big | head`

#: Default ports: ``serve --transport http`` and ``sandbox`` differ so both can run at once.
HTTP_PORT = Settings.model_fields["http_port"].default
SANDBOX_PORT = 8766


@dataclass(frozen=True)
class Subcommand:
    """A registered subcommand: its parser options and the handler that returns an exit code."""

    name: str
    help: str
    handler: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(
    name: str, help: str, *, arguments: Callable[[argparse.ArgumentParser], None] | None = None
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register ``handler(args) -> exit code`` as ``syncro-mcp <name>``."""

    def register(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        if name in SUBCOMMANDS:
            raise ValueError(f"subcommand {name!r} is already registered")
        SUBCOMMANDS[name] = Subcommand(name, help, handler, arguments)
        return handler

    return register


def _global_options() -> argparse.ArgumentParser:
    """Options accepted both before and after the subcommand (``SUPPRESS`` keeps either from clobbering)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="YAML config file (default: $SYNCRO_MCP_CONFIG, else the user config folder's config.yaml)",
    )
    common.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=argparse.SUPPRESS,
        help="log level for stderr (default: log_level setting, WARNING)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options plus one subparser per registered subcommand."""
    common = _global_options()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="MCP server for SyncroMSP tickets: list, comment, log time and bill safely.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in SUBCOMMANDS.values():
        sub = subs.add_parser(cmd.name, help=cmd.help, description=cmd.help, parents=[common])
        if cmd.arguments is not None:
            cmd.arguments(sub)
    return parser


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """Load settings for a handler: ``--config``, ``--log-level`` and ``overrides`` (None = not given).

    Also reconfigures logging at the resulting level.
    """
    overrides = {"log_level": getattr(args, "log_level", None), **overrides}
    settings = load_settings(config_path=getattr(args, "config", None), overrides=overrides)
    configure_logging(settings.log_level)
    return settings


def _fail(message: str) -> None:
    print(f"{PROG}: {redact(message)}", file=sys.stderr)


def _stdout_closed() -> int:
    """The reader of stdout went away (``syncro-mcp audit | head``): stop quietly, like ``cat``.

    Python would print a traceback for the failed flush at exit; pointing stdout at devnull
    avoids it. The exit code is the shell's for a process ended by SIGPIPE.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def _early_log_level(args: argparse.Namespace) -> str:
    """Level for messages logged while settings load, before ``log_level`` is known."""
    given = getattr(args, "log_level", None) or os.environ.get("SYNCRO_LOG_LEVEL", "").strip().upper()
    return given if given in LOG_LEVELS else "WARNING"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``syncro-mcp`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(_early_log_level(args))
    if args.command is None:
        if "serve" not in SUBCOMMANDS:
            parser.print_help(sys.stderr)
            return EXIT_CONFIG
        args = parser.parse_args([*argv, "serve"])
    try:
        code = SUBCOMMANDS[args.command].handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except ConfigError as exc:
        _fail(f"configuration error: {exc}")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        from syncro_mcp.client.errors import SyncroError

        if isinstance(exc, SyncroError):
            _fail(f"Syncro error: {exc}")
            return EXIT_SYNCRO
        raise


# --- check --------------------------------------------------------------------------------

# (label in the report, area in /me permissions)
_PERMISSION_AREAS = (("tickets", "ticket"), ("customers", "customer"), ("invoices", "invoice"))


def _yes_no(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "?"


def format_check_report(settings: Settings, me: Any, key_source: str | None, journal: str | None = None) -> str:
    """Plain-text report of who the key belongs to and what it may do (never the key itself)."""
    name = me.user_name or "(no name)"
    email = f" <{me.user_email}>" if me.user_email else ""
    admin = " (admin)" if me.admin else ""
    lines = [
        "OK: Syncro accepted the API key.",
        f"  User:      {name}{email}{admin}",
        f"  Account:   {me.subdomain or settings.subdomain or '(not reported)'}",
        f"  Base URL:  {settings.api_base_url()}",
        f"  Key from:  {key_source or '(unknown)'}",
        f"  Auth:      {settings.auth_style}",
        *([f"  Journal:   {journal}"] if journal else []),
        "",
        "Permissions of this key (from GET /me):",
    ]
    perms = me.permissions or {}
    for label, area in _PERMISSION_AREAS:
        p = perms.get(area)
        if p is None:
            lines.append(f"  {label:<10} not reported")
            continue
        lines.append(
            f"  {label:<10} read: {_yes_no(p.get('read')):<4} write: {_yes_no(p.get('write')):<4} "
            f"delete: {_yes_no(p.get('delete'))}"
        )
    lines.append("  timers     covered by the ticket permissions (/me lists no separate timer permission)")
    lines.append("")
    mode = "read-only" if settings.read_only else "read-write"
    lines.append(f"Mode: {mode}; toolsets: {', '.join(settings.enabled_toolsets())}")

    notes = _permission_notes(settings, me)
    if notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in notes)
    return "\n".join(lines)


def _permission_notes(settings: Settings, me: Any) -> list[str]:
    """What will fail with this key and configuration, in the tech's words.

    Only a permission /me reports as false produces a note; an unreported one is shown as such above.
    """

    def denied(area: str, action: str) -> bool:
        return (me.permissions or {}).get(area, {}).get(action) is False

    toolsets = set(settings.enabled_toolsets())
    writes = not settings.read_only
    notes: list[str] = []
    if me.subdomain and settings.subdomain and me.subdomain.lower() != settings.subdomain:
        notes.append(
            f"the key belongs to account '{me.subdomain}' but subdomain is set to '{settings.subdomain}'."
        )
    if denied("ticket", "read"):
        notes.append("the key cannot read tickets; almost every tool will be refused.")
    if writes and denied("ticket", "write") and toolsets & {"tickets", "time", "billing"}:
        notes.append(
            "the key cannot write tickets: comments, time entries and status changes will be refused "
            "(set read_only: true if that is intended)."
        )
    if writes and "billing" in toolsets and denied("invoice", "write"):
        notes.append("the key cannot write invoices: billing a ticket will be refused.")
    if toolsets & {"customers", "tickets"} and denied("customer", "read"):
        notes.append(
            "the key cannot read customers: customer search and new tickets by customer name will fail."
        )
    if "invoices" in toolsets and denied("invoice", "read"):
        notes.append("the key cannot read invoices.")
    return notes


async def _fetch_me(settings: Any) -> Any:
    from .serving import make_client

    async with make_client(settings) as client:
        return await client.me()


@subcommand("check", "check the configuration and API key against Syncro (GET /me) and show its permissions")
def _check(args: argparse.Namespace) -> int:
    from syncro_mcp.client import SyncroError

    settings = settings_from(args)
    if settings.sandbox:
        _fail(f"note: sandbox is on ({settings.source_of('sandbox')}): serve uses the embedded demo Syncro, "
              "not the account checked here")
    try:
        settings.require_syncro()  # resolves the key
    except NotConfiguredError as exc:
        print(redact(str(exc)), file=sys.stderr)
        return EXIT_CONFIG
    base_url = settings.api_base_url()
    key_source = settings.api_key_source()
    journal_ok, journal = journal_status(settings)
    try:
        me = asyncio.run(_fetch_me(settings))
    except SyncroError as exc:
        _fail(f"check failed: {exc}\n  Base URL: {base_url}\n  Key from: {key_source}\n  Journal:  {journal}")
        return EXIT_SYNCRO
    print(format_check_report(settings, me, key_source, journal))
    return EXIT_OK if journal_ok else EXIT_CONFIG


def journal_status(settings: Settings) -> tuple[bool, str]:
    """Whether the write journal can be used, and one line saying where it is, its schema version and whether
    it was reached (a PostgreSQL URL's password masked). Nothing is created or changed."""
    from syncro_mcp.engine.journal import SCHEMA_VERSION, Journal, JournalError, open_store

    where = settings.journal_where()
    if not settings.journal_url and not settings.journal_path.exists():
        return True, f"{where} (not created yet: the server makes it, schema version {SCHEMA_VERSION}, on first start)"
    try:
        journal = Journal(open_store(settings.journal_url, settings.journal_path), upgrade=False)
    except JournalError as exc:
        return False, f"{where}: NOT usable: {redact(str(exc))}"
    except Exception as exc:  # a damaged file, a refused connection: said, not a traceback
        return False, f"{where}: NOT usable: {redact(' '.join(str(exc).split()) or type(exc).__name__)}"
    try:
        version = journal.schema_version()
    finally:
        journal.close()
    reached = ", reachable" if settings.journal_url else ""
    if version < SCHEMA_VERSION:
        return True, (f"{where} (schema version {version}{reached}; the server upgrades it to {SCHEMA_VERSION} when "
                      "it starts, or now: syncro-mcp db upgrade)")
    return True, f"{where} (schema version {version}{reached})"


# --- serve / sandbox --------------------------------------------------------------------------


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sandbox", action="store_true", help="use the embedded sandbox Syncro with demo data")
    p.add_argument("--state", type=Path, metavar="PATH", help="sandbox: load/save its data here (JSON)")
    p.add_argument("--read-only", action="store_true", default=None, help="register read tools only")
    p.add_argument("--toolsets", metavar="LIST",
                   help="comma list: tickets,time,billing,customers,invoices; opt-in schedule,assets; or all")
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="default: stdio")
    p.add_argument("--host", help="http: bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help=f"http: port (default http_port, {HTTP_PORT})")


@subcommand("serve", "run the MCP server (stdio by default; --sandbox for demo data)", arguments=_serve_arguments)
def _serve(args: argparse.Namespace) -> int:
    gc.disable()  # for the start-up: serving.started() freezes what it made and turns collection back on
    try:
        return _run_serve(args)
    finally:
        gc.enable()


def _run_serve(args: argparse.Namespace) -> int:
    from .serving import serve

    settings = settings_from(args, read_only=args.read_only, toolsets=args.toolsets)
    sandbox = args.sandbox or settings.sandbox
    if args.state and not sandbox:
        raise ConfigError("--state is for the sandbox: add --sandbox (or set SYNCRO_SANDBOX=1)")
    setup_help = None
    if not sandbox:
        try:
            settings.require_syncro()
        except NotConfiguredError as exc:
            # Start anyway: the client lists the tools, and every call answers with this text.
            setup_help = redact(str(exc))
            _fail(f"not configured; every tool call will answer with this help:\n{setup_help}")
    asyncio.run(
        serve(settings, sandbox=sandbox, state=args.state, transport=args.transport, host=args.host,
              port=args.port, setup_help=setup_help)
    )
    return EXIT_OK


def _sandbox_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=SANDBOX_PORT,
                   help=f"default {SANDBOX_PORT} (serve --transport http uses {HTTP_PORT}); 0 picks a free port")
    p.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (loopback)")
    p.add_argument("--state", type=Path, metavar="PATH", help="load/save the sandbox data here (JSON)")
    p.add_argument("--no-copy-timers", action="store_true",
                   help="POST /invoices copies no time entries (the other behaviour real Syncro may have)")


@subcommand("sandbox", "run the sandbox Syncro API standalone on loopback", arguments=_sandbox_arguments)
def _sandbox(args: argparse.Namespace) -> int:
    from syncro_mcp.sandbox.standalone import serve

    return serve(args.host, args.port, args.state, invoice_copies_timers=not args.no_copy_timers)


# --- audit --------------------------------------------------------------------------------------


def parse_since(text: str, now: datetime | None = None, zone: tzinfo | None = None) -> datetime:
    """``2h``, ``30m``, ``7d`` ago, or an ISO date/datetime (in ``zone`` when it has no offset;
    the machine's when ``zone`` is None)."""
    now = now or datetime.now(timezone.utc)
    m = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", text)
    if m:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[m.group(2)]
        return now - timedelta(**{unit: int(m.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--since {text!r}: use e.g. 2h, 30m, 7d, 2026-11-25 or 2026-11-25T09:00") from None
    if when.tzinfo:
        return when
    return when.replace(tzinfo=zone) if zone is not None else when.astimezone()


def _audit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", help="only writes since: 2h, 30m, 7d, or an ISO date/time (timezone setting)")
    p.add_argument("--json", action="store_true", help="print the raw JSON lines")
    p.add_argument("--sandbox", action="store_true",
                   help="show the writes made with serve --sandbox instead of real Syncro's")
    p.add_argument("--state", type=Path, metavar="PATH", help="with --sandbox: the --state file it was served with")


@subcommand("audit", "show the audit log of writes sent to Syncro", arguments=_audit_arguments)
def _audit(args: argparse.Namespace) -> int:
    from syncro_mcp.engine.audit import AuditLog
    from syncro_mcp.tools import formatting

    from .serving import sandbox_audit_path

    if args.state and not args.sandbox:
        raise ConfigError("--state is for the sandbox: add --sandbox")
    settings = settings_from(args)
    formatting.set_display_zone(settings.tzinfo())  # times shown, and --since read, in the timezone setting
    since = parse_since(args.since, zone=settings.tzinfo()) if args.since else None
    path = sandbox_audit_path(settings, args.state) if args.sandbox else settings.audit_path
    count = 0
    for rec in AuditLog(path).read(since):
        print(json.dumps(rec, ensure_ascii=False) if args.json else formatting.audit_line(rec))
        count += 1
    if not count:
        print(f"No writes recorded{' since ' + args.since if args.since else ''} in {path}.", file=sys.stderr)
    return EXIT_OK


# --- demo ---------------------------------------------------------------------------------------


@subcommand("demo", "a tech's morning on the embedded sandbox, through a real MCP client session")
def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    settings = settings_from(args)
    return asyncio.run(run_demo(settings, sys.stdout))


# --- db (the write journal's schema) -----------------------------------------------------------------


def _db_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("upgrade", "status"),
                   help="upgrade: create or migrate the write journal's schema to this version's (the server also "
                        "does it when it starts); status: say where the journal is and its schema version")


@subcommand("db", "the write journal (SQLite file or journal_url's PostgreSQL): schema status and upgrade",
            arguments=_db_arguments)
def _db(args: argparse.Namespace) -> int:
    from syncro_mcp.engine.journal import SCHEMA_VERSION

    from .app import open_journal

    settings = settings_from(args)
    if args.action == "status":
        ok, line = journal_status(settings)
        print(f"Journal: {line}")
        return EXIT_OK if ok else EXIT_CONFIG
    journal = open_journal(settings, upgrade=False)  # ConfigError: unreachable, or a newer schema than this code's
    try:
        before, after = journal.upgrade()
    finally:
        journal.close()
    done = "up to date" if before == after else f"upgraded from {before or 'nothing (created)'}"
    print(f"Journal: {settings.journal_where()}: schema version {after} ({done}; this syncro-mcp's: {SCHEMA_VERSION}).")
    return EXIT_OK


# --- users (team mode) ---------------------------------------------------------------------------


def _users_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("hash-token", "check"),
                   help="hash-token: print the token_sha256 of a token read from stdin; "
                        "check: read the users file (users_file) and list the technicians")


@subcommand("users", "team mode: hash a technician's bearer token for the users file, or check the file",
            arguments=_users_arguments)
def _users(args: argparse.Namespace) -> int:
    from .users import hash_token, load_users

    if args.action == "hash-token":
        token = sys.stdin.readline().strip()
        if not token:
            raise ConfigError("users hash-token: give the token on stdin, e.g. openssl rand -hex 24 | tee alice.token "
                              "| syncro-mcp users hash-token")
        print(hash_token(token))
        return EXIT_OK
    settings = settings_from(args)
    if settings.users_file is None:
        raise ConfigError("users check: users_file is not set (SYNCRO_USERS_FILE or users_file in the config file)")
    for user in load_users(settings.users_file):
        print(f"{user.name}: token {user.token_sha256[:8]}…, Syncro key from {user.key_source()}")
    return EXIT_OK
