"""In-memory MCP client ↔ our server ↔ SyncroClient ↔ the embedded sandbox (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, ElicitResult
from pydantic import SecretStr
from syncro_mcp.client import SyncroClient
from syncro_mcp.sandbox import Sandbox
from syncro_mcp.server.app import App, build_app
from syncro_mcp.server.settings import Settings

FIXED_NOW = datetime(2026, 11, 25, 15, 0, tzinfo=timezone.utc)


def make_settings(tmp_path, **over: Any) -> Settings:
    return Settings(state_dir=tmp_path / "state", session_log_dir=tmp_path / "clients", timezone="UTC", **over)


@dataclass
class Harness:
    sandbox: Sandbox
    app: App
    client: SyncroClient

    def writes(self) -> list[Any]:
        return [r for r in self.sandbox.requests if r.method != "GET"]


@asynccontextmanager
async def harness(
    tmp_path, *, sandbox: Sandbox | None = None, api_key: str | None = None, **settings: Any
) -> AsyncIterator[Harness]:
    sb = sandbox or Sandbox(rate_limit_per_min=None)
    client = SyncroClient(
        base_url=sb.base_url,
        api_key=SecretStr(api_key or sb.api_key),
        transport=sb.transport(),
        rate_limit_per_min=1_000_000,  # no client-side pacing in tests (the limiter has its own tests)
        retry_base_s=0,
        read_only=settings.get("read_only", False),
    )
    async with client:
        app = build_app(make_settings(tmp_path, **settings), client, clock=lambda: FIXED_NOW)
        yield Harness(sb, app, client)


@pytest.fixture
async def h(tmp_path) -> AsyncIterator[Harness]:
    async with harness(tmp_path) as hh:
        yield hh


def elicitation(action: str, seen: list[str] | None = None) -> Callable[..., Any]:
    async def answer(ctx: Any, params: Any) -> ElicitResult:
        if seen is not None:
            seen.append(params.message)
        if action == "accept":
            return ElicitResult(action="accept", content={"confirm": True})
        return ElicitResult(action=action)

    return answer


async def call(
    server: Any, name: str, args: dict[str, Any], *, mode: str = "legacy", **client_kw: Any
) -> CallToolResult:
    async with Client(server, mode=mode, **client_kw) as c:
        return await c.call_tool(name, args)


async def call_confirmed(server: Any, name: str, args: dict[str, Any], mode: str = "legacy") -> CallToolResult:
    """The token fallback: preview first, then the same call with its confirm_token."""
    async with Client(server, mode=mode) as c:
        first = await c.call_tool(name, args)
        assert not first.is_error, first.content[0].text
        assert first.structured_content["status"] == "needs_confirmation", first.structured_content
        return await c.call_tool(name, {**args, "confirm_token": first.structured_content["confirm_token"]})


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in result.content)
