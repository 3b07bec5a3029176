"""In-process transport: httpx talks to the sandbox app directly, no sockets.

Scripted timeouts and resets cannot be expressed as an HTTP response, so the app signals them
with a private header and this transport raises the httpx exception a real network would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from .app import IN_PROCESS_KEY, SIGNAL_HEADER, Receive, Scope, Send

if TYPE_CHECKING:
    from .sandbox import Sandbox


class _InProcessScope:
    """Marks requests as in-process so faults are signalled instead of slept/aborted."""

    def __init__(self, app: object) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app({**scope, IN_PROCESS_KEY: True}, receive, send)  # type: ignore[operator]


class SandboxTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=sb.transport(), base_url=sb.base_url)``."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._asgi = httpx.ASGITransport(app=_InProcessScope(sandbox.app), client=("127.0.0.1", 50123))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._asgi.handle_async_request(request)
        signal = response.headers.get(SIGNAL_HEADER)
        if signal is None:
            return response
        await response.aclose()
        if signal == "timeout":
            raise httpx.ReadTimeout("sandbox: scripted read timeout", request=request)
        raise httpx.RemoteProtocolError("sandbox: server disconnected without sending a response", request=request)

    async def aclose(self) -> None:
        await self._asgi.aclose()
