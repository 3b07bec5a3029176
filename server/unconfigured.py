"""Serving before a Syncro account is configured.

``serve`` without an account or API key still starts (so an MCP client such as Claude Code
shows it connected instead of a bare connection failure): it lists its tools as usual, and every
tool call answers, as an error result, with the setup help (:func:`settings.setup_help`, the
text ``syncro-mcp check`` prints). Reading a resource fails with the same text.

One place does it, for every tool: a server middleware that answers ``tools/call`` before any
tool runs. The app is built on a placeholder client that never reaches the network
(``serving.make_client(settings, unconfigured=True)``, over ``NoNetwork``).
"""

from __future__ import annotations

from typing import Any

import httpx
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST, CallToolResult, TextContent

#: ``.invalid`` is reserved (RFC 2606): this host can never resolve.
PLACEHOLDER_BASE_URL = "https://syncro-mcp-not-configured.invalid/api/v1"


class NoNetwork(httpx.AsyncBaseTransport):
    """Refuses every request (the middleware should have answered before any tool ran)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("syncro-mcp is not configured (run syncro-mcp check)", request=request)


def answer_with_setup_help(server: MCPServer, text: str) -> None:
    """Make every ``tools/call`` answer ``text`` as an error result, and ``resources/read`` fail with it."""

    async def setup_help(ctx: Any, call_next: Any) -> Any:
        if ctx.method == "tools/call":
            return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
        if ctx.method == "resources/read":
            raise MCPError(INVALID_REQUEST, text)
        return await call_next(ctx)

    server.middleware.append(setup_help)
