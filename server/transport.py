"""Running the MCP server: stdio (default) or streamable HTTP on loopback with a bearer token.

HTTP is guarded three ways: it binds 127.0.0.1 unless told otherwise, every request needs
``Authorization: Bearer <http_token>`` (a random one is made for the run when none is set on
loopback; a non-loopback bind without a configured token refuses to start), and the SDK's
DNS-rebinding protection rejects foreign Host/Origin headers.

For a team, a users file replaces the one token: each technician's own token (stored hashed)
names them for the request (``server/users.py``). ``GET /healthz`` answers without a token
(for a load balancer): ``{"status":"ok"}`` and nothing else.
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
from .users import CURRENT_USER, User, authenticate

log = logging.getLogger("syncro_mcp.server")

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


HEALTH_PATH = "/healthz"
_UNAUTHORIZED = b'{"error":"unauthorized: send Authorization: Bearer <http_token>"}'


async def _send_json(send: Any, status: int, body: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"), *extra],
    })
    await send({"type": "http.response.body", "body": body})


class BearerAuth:
    """Pure ASGI middleware: 401 unless the request carries a known bearer token.

    One token (``token``), or a users file (``users``): then the technician the token belongs to
    is bound to ``CURRENT_USER`` while the request runs. ``GET /healthz`` needs no token.
    """

    def __init__(self, app: Any, token: str | None = None, *, users: list[User] | None = None) -> None:
        if (token is None) == (users is None):
            raise ValueError("give either token or users")
        self.app = app
        self._expected = f"Bearer {token}".encode() if token is not None else b""
        self._users = users

    def _who(self, header: bytes) -> User | bool:
        if self._users is None:
            return hmac.compare_digest(header, self._expected)
        scheme, _, token = header.decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        return authenticate(self._users, token.strip()) or False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path") == HEALTH_PATH and scope.get("method") in ("GET", "HEAD"):
            await _send_json(send, 200, b'{"status":"ok"}')
            return
        who = self._who(dict(scope.get("headers") or []).get(b"authorization", b""))
        if who is False:
            await _send_json(send, 401, _UNAUTHORIZED, ((b"www-authenticate", b"Bearer"),))
            return
        if isinstance(who, User):
            reset = CURRENT_USER.set(who)
            try:
                await self.app(scope, receive, send)
            finally:
                CURRENT_USER.reset(reset)
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


def http_app(
    server: MCPServer,
    host: str,
    port: int,
    token: str | None,
    users: list[User] | None = None,
    allowed_hosts: list[str] | None = None,
    max_sessions: int | None = None,
) -> Any:
    """The streamable HTTP ASGI app at ``/mcp`` with token auth and Host/Origin checks.

    ``allowed_hosts`` (``http_allowed_hosts``): the names clients reach this server by from
    elsewhere (behind a load balancer, in compose), on any port; loopback is always allowed.
    """
    hosts = [f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")]
    if not is_loopback(host):
        hosts.append(f"{host}:{port}")
    names = [h for name in allowed_hosts or () for h in (name, f"{name}:*")]
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts + names,
        allowed_origins=[f"http://{h}" for h in hosts] + [f"{s}://{h}" for h in names for s in ("http", "https")],
    )
    cap = {} if max_sessions is None else {"max_sessions": max_sessions}  # http_max_sessions
    app = server.streamable_http_app(transport_security=security, host=host, **cap)
    return BearerAuth(app, users=users) if users is not None else BearerAuth(app, token)


async def run_http(
    server: MCPServer,
    host: str,
    port: int,
    configured_token: str | None,
    users: list[User] | None = None,
    allowed_hosts: list[str] | None = None,
    max_sessions: int | None = None,
) -> None:
    import uvicorn

    token: str | None = None
    if users is not None:
        print(f"syncro-mcp: {len(users)} technicians from the users file; each sends their own token", file=sys.stderr)
    else:
        token, generated = http_token_for(host, configured_token)
        if generated:
            print(f"syncro-mcp: no http_token configured; this run's token: {token}", file=sys.stderr)
    print(f"syncro-mcp: serving MCP over HTTP at http://{host}:{port}/mcp", file=sys.stderr)
    app = http_app(server, host, port, token, users, allowed_hosts, max_sessions)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning")
    await uvicorn.Server(config).serve()
