"""A fast, deterministic rig for fault tests: the in-process sandbox, a client on a virtual clock.

The client's token bucket and retry back-off sleep on ``VirtualClock``, so a case that waits
(429 back-off, pacing) advances virtual time instead of sleeping. Checks read the sandbox's
request log and state directly, never through the client (so they add nothing to the log).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr
from support.harness import FIXED_NOW, make_settings, text
from support.pg_cluster import schema_url
from syncro_mcp.client import SyncroClient
from syncro_mcp.engine.audit import AuditLog
from syncro_mcp.engine.journal import Journal, open_store
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.sandbox.requestlog import LoggedRequest
from syncro_mcp.sandbox.sandbox import DEFAULT_API_KEY, IN_PROCESS_BASE_URL
from syncro_mcp.server.app import App, build_app
from syncro_mcp.server.secrets import redact
from syncro_mcp.testing import FakeClock as VirtualClock  # the one fake clock

NUMBER = 32164
LABOR = "remote"
PRODUCT_ID = 1190473
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Rig:
    sandbox: Sandbox
    app: App
    client: SyncroClient
    clock: VirtualClock
    audit_path: Path

    @property
    def server(self) -> Any:
        return self.app.server

    @property
    def journal(self) -> Journal:
        return self.app.runtime.journal

    def audit(self) -> list[dict[str, Any]]:
        """The outcome lines (one per write request that ended)."""
        return [r for r in self.audit_lines() if r.get("phase") != "intent"]

    def audit_lines(self) -> list[dict[str, Any]]:
        """Every line: each write's intent (before it was sent) and its outcome."""
        if not self.audit_path.exists():
            return []
        return [json.loads(x) for x in self.audit_path.read_text(encoding="utf-8").splitlines()]

    @asynccontextmanager
    async def session(self, **client_kw: Any) -> AsyncIterator[Session]:
        async with Client(self.server, mode="legacy", **client_kw) as c:
            yield Session(c)


@dataclass
class Session:
    """One MCP client session (a tech's conversation): plain and token-confirmed calls."""

    c: Client

    async def call(self, tool: str, args: dict[str, Any]) -> CallToolResult:
        return await self.c.call_tool(tool, args)

    async def confirmed(self, tool: str, args: dict[str, Any]) -> CallToolResult:
        first = await self.c.call_tool(tool, args)
        assert not first.is_error, text(first)
        assert first.structured_content["status"] == "needs_confirmation", first.structured_content
        return await self.c.call_tool(tool, {**args, "confirm_token": first.structured_content["confirm_token"]})


def fast_client(sb: Sandbox, clock: VirtualClock, **kw: Any) -> SyncroClient:
    return SyncroClient(
        base_url=sb.base_url, api_key=SecretStr(sb.api_key), transport=kw.pop("transport", None) or sb.transport(),
        clock=clock, sleep=clock.sleep, **kw,
    )


class SwitchTransport(httpx.AsyncBaseTransport):
    """Sends to whichever sandbox the current test set."""

    def __init__(self) -> None:
        self.inner: httpx.AsyncBaseTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.inner is not None, "no sandbox attached"
        return await self.inner.handle_async_request(request)


class SharedApp:
    """One server for many cases, like a long-running server; each case gets a fresh world.

    Building the app (tool schemas) costs more than a whole faulted bill, so the matrix builds
    it once. ``fresh`` points it at a new sandbox, a new journal and a new audit file, and
    forgets what the resolver cached: nothing of one case can leak into the next. With
    ``postgres`` (a server URL) each case's journal is a schema of its own there.
    """

    def __init__(self, root: Path, *, postgres: str | None = None, **settings: Any) -> None:
        self.postgres = postgres
        self.switch = SwitchTransport()
        self.clock = VirtualClock()
        self.client = SyncroClient(
            base_url=IN_PROCESS_BASE_URL, api_key=SecretStr(DEFAULT_API_KEY), transport=self.switch,
            clock=self.clock, sleep=self.clock.sleep,
        )
        self.app = build_app(
            make_settings(root, **settings), self.client, clock=lambda: FIXED_NOW, sleep=self.clock.sleep
        )

    def fresh(self, tmp_path: Path, sandbox: Sandbox) -> Rig:
        assert sandbox.api_key == DEFAULT_API_KEY and sandbox.base_url == IN_PROCESS_BASE_URL
        sandbox.clock = self.clock  # late writes land on the engine's fake clock (no real waits)
        self.switch.inner = sandbox.transport()
        rt = self.app.runtime
        rt.journal.close()
        url = schema_url(self.postgres, f"case_{uuid.uuid4().hex[:16]}") if self.postgres else None
        rt.journal = Journal(open_store(url, tmp_path / "journal.sqlite3"))
        audit_path = tmp_path / "audit.jsonl"
        self.client.write_observer = AuditLog(audit_path, redact=redact).observe
        rt.resolver.__init__(self.client, rt.settings)  # forget cached tickets and lists
        return Rig(sandbox, self.app, self.client, self.clock, audit_path)

    def close(self) -> None:
        self.app.runtime.journal.close()


@asynccontextmanager
async def rig(tmp_path, *, sandbox: Sandbox | None = None, **settings: Any) -> AsyncIterator[Rig]:
    """A rig with its own app (for tests that need particular settings)."""
    sb = sandbox or Sandbox(rate_limit_per_min=None)
    clock = VirtualClock()
    async with fast_client(sb, clock) as client:
        settings_ = make_settings(tmp_path, **settings)
        app = build_app(settings_, client, clock=lambda: FIXED_NOW, sleep=clock.sleep)
        yield Rig(sb, app, client, clock, settings_.audit_path)


# -- what Syncro holds -------------------------------------------------------------------------
def comments_with(sb: Sandbox, number: int, body: str) -> list[dict[str, Any]]:
    tid = sb.ticket_id(number)
    return [c for c in sb.state.children("comments", "ticket_id", tid) if c["body"] == body]


def timers_with(sb: Sandbox, number: int, notes: str) -> list[dict[str, Any]]:
    tid = sb.ticket_id(number)
    return [t for t in sb.state.children("timers", "ticket_id", tid) if t.get("notes") == notes]


def invoices_for(sb: Sandbox, number: int) -> list[dict[str, Any]]:
    return sb.state.children("invoices", "ticket_id", sb.ticket_id(number))


def labor_lines(sb: Sandbox, invoice_id: int, product_id: int, hours: Decimal) -> list[dict[str, Any]]:
    return [
        li for li in sb.state.children("invoice_line_items", "invoice_id", invoice_id)
        if li.get("product_id") == product_id and Decimal(str(li["quantity"])) == hours
    ]


# -- the request log ------------------------------------------------------------------------------
def writes(sb: Sandbox) -> list[LoggedRequest]:
    return [r for r in sb.requests if r.method in WRITE_METHODS]


def applied(sb: Sandbox, method: str, path: str) -> list[LoggedRequest]:
    return [r for r in sb.requests.matching(method, path) if r.applied]


def logical_writes(sb: Sandbox) -> list[LoggedRequest]:
    """One entry per write the client finished: 429 answers are retried inside one request.

    Syncro did not apply a 429, and the client sends the same request again, so a run of 429s
    belongs to the request that follows it (or, if the retries ran out, is one failed request).
    """
    out: list[LoggedRequest] = []
    pending_429: LoggedRequest | None = None
    for r in writes(sb):
        if pending_429 is not None and (r.method, r.path, r.body) != (
            pending_429.method, pending_429.path, pending_429.body
        ):
            out.append(pending_429)
        pending_429 = r if r.status == 429 else None
        if pending_429 is None:
            out.append(r)
    if pending_429 is not None:
        out.append(pending_429)
    return out


def assert_audit_matches(rg: Rig) -> None:
    """The audit has every write once, in order, each outcome after its intent line; see
    ``test_fault_matrix`` for the rule."""
    lines = rg.audit_lines()
    intents = [r for r in lines if r.get("phase") == "intent"]
    audit = rg.audit()
    assert [r["ref"] for r in intents] == [r["ref"] for r in audit], (intents, audit)
    for r in audit:
        assert lines.index(r) > next(i for i, x in enumerate(lines) if x.get("ref") == r["ref"]), r
    sent = logical_writes(rg.sandbox)
    assert [(a["method"], a["path"]) for a in audit] == [(r.method, r.path) for r in sent], (audit, sent)
    for a, r in zip(audit, sent, strict=True):
        assert a["body"] == r.body, (a["body"], r.body)
        answered = r.applied and r.fault is None and r.status is not None and 200 <= r.status < 300
        assert a["ok"] is answered, (a, r)
        if r.fault not in (None, "429"):
            # The answer was lost or spoilt: the client could not know whether Syncro applied it.
            assert a["error"] == "OutcomeUnknownError", (a, r)
        if a["ok"]:
            assert a["ids"].get("id") is not None or a["method"] == "PUT", a


def assert_every_resend_was_checked_first(sb: Sandbox, write: tuple[str, str], read: tuple[str, str]) -> None:
    """Between two requests of the same write step there is a read that looks for the first one."""
    reads = {r.seq for r in sb.requests.matching(*read)}
    sends = [r for r in sb.requests.matching(*write) if r.status != 429]
    for before, after in pairwise(sends):
        assert any(before.seq < s < after.seq for s in reads), (
            f"{write} sent again (seq {after.seq}) without reading {read} after seq {before.seq}"
        )
