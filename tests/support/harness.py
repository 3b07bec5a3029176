"""In-memory MCP client ↔ our server ↔ SyncroClient ↔ the embedded sandbox (no sockets)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, ElicitResult
from syncro_mcp.sandbox import Sandbox

# One stack builder for tests and benchmarks: the package's syncro_mcp.testing.
from syncro_mcp.testing import FIXED_NOW, in_memory
from syncro_mcp.testing import Env as Harness
from syncro_mcp.testing import stack_settings as make_settings

__all__ = ["FIXED_NOW", "Harness", "call", "call_confirmed", "elicitation", "h", "harness", "make_settings", "text"]


@asynccontextmanager
async def harness(
    tmp_path, *, sandbox: Sandbox | None = None, api_key: str | None = None, **settings: Any
) -> AsyncIterator[Harness]:
    """Sandbox → SyncroClient (no pacing, no backoff sleeps) → our app, all in memory, files in tmp_path."""
    async with in_memory(Path(tmp_path), sandbox=sandbox, api_key=api_key, **settings) as env:
        yield env


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
