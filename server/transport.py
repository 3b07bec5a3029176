"""Running the MCP server: stdio (default) or streamable HTTP on loopback with a bearer token.

HTTP is guarded three ways: it binds 127.0.0.1 unless told otherwise, every request needs
``Authorization: Bearer <http_token>`` (a random one is made for the run when none is set on
loopback; a non-loopback bind without a configured token refuses to start), and the SDK's
DNS-rebinding protection rejects foreign Host/Origin headers.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

from .settings import ConfigError

log = logging.getLogger("syncro_mcp.server")

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


class BearerAuth:
    """Pure ASGI middleware: 401 unless the request carries the configured bearer token."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self._expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        if not hmac.compare_digest(given, self._expected):
            body = b'{"error":"unauthorized: send Authorization: Bearer <http_token>"}'
            await send({
                "type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")],
            })
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def http_token_for(host: str, configured: str | None) -> tuple[str, bool]:
    """The token to require, and whether it was generated for this run."""
    if configured:
        return configured, False
    if not is_loopback(host):
        raise ConfigError(
            f"refusing to serve HTTP on non-loopback host {host!r} without http_token "
            "(set SYNCRO_HTTP_TOKEN or http_token in the config file)"
        )
    return secrets.token_urlsafe(24), True


def http_app(server: MCPServer, host: str, port: int, token: str, max_sessions: int | None = None) -> Any:
    """The streamable HTTP ASGI app at ``/mcp`` with token auth and Host/Origin checks."""
    hosts = [f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")]
    if not is_loopback(host):
        hosts.append(f"{host}:{port}")
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts],
    )
    cap = {} if max_sessions is None else {"max_sessions": max_sessions}  # http_max_sessions
    app = server.streamable_http_app(transport_security=security, host=host, **cap)
    return BearerAuth(app, token)


async def run_http(
    server: MCPServer, host: str, port: int, configured_token: str | None, max_sessions: int | None = None
) -> None:
    import uvicorn

    token, generated = http_token_for(host, configured_token)
    if generated:
        print(f"syncro-mcp: no http_token configured; this run's token: {token}", file=sys.stderr)
    print(f"syncro-mcp: serving MCP over HTTP at http://{host}:{port}/mcp", file=sys.stderr)
    app = http_app(server, host, port, token, max_sessions)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()
